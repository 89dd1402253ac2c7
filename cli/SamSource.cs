using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Sam;

namespace SamDiffSR.Cli;

/// <summary>Builds the SAM mask source from a model-description JSON (lib/Masks/Sam).</summary>
public static class SamSource
{
    public static IMaskRecordSource Create(string modelJson, CliContext ctx)
    {
        bool cuda = Environment.GetEnvironmentVariable("SAMDIFFSR_ORT_CUDA") == "1";
        var src = new SamRecordSource(modelJson, useCuda: cuda);
        ctx.Err.WriteLine($"[masks] {src.Name} from {modelJson} ({(cuda ? "ONNX Runtime CUDA" : "ONNX Runtime CPU; SAM ViT-H takes minutes per image")})");
        return src;
    }
}
