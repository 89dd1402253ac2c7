using SamDiffSR.Masks.Generation;

namespace SamDiffSR.Cli;

/// <summary>Builds the SAM mask source from a model-description JSON (wired to lib/Masks/Sam).</summary>
public static class SamSource
{
    public static IMaskRecordSource Create(string modelJson, CliContext ctx) =>
        throw new InvalidOperationException("the SAM segmenter is not wired in this build yet; use --segmenter felzenszwalb");
}
