using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Sam;

namespace SamDiffSR.Cli;

/// <summary>Builds the SAM mask source from a model-description JSON (lib/Masks/Sam).</summary>
public static class SamSource
{
    public static IMaskRecordSource Create(string modelJson, CliContext ctx)
    {
        var src = new SamRecordSource(modelJson);
        ctx.Err.WriteLine($"[masks] {src.Name} from {modelJson} (SAM ViT-H on CPU takes minutes per image)");
        return src;
    }
}
