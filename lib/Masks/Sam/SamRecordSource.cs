using SamDiffSR.Data;
using SamDiffSR.Masks.Generation;

namespace SamDiffSR.Masks.Sam;

/// <summary>
/// SAM's automatic mask generator as a mask source for <see cref="MaskGeneration"/>: the paper's offline step
/// (SAM ViT-H, <c>SamAutomaticMaskGenerator</c> defaults), with any ONNX export described by a model JSON.
/// </summary>
public sealed class SamRecordSource : IMaskRecordSource, IDisposable
{
    private readonly SamPredictor _predictor;
    private readonly SamAutomaticMaskGenerator _generator;

    /// <summary>Opens the encoder/decoder described by <paramref name="modelJson"/> (validated; clear errors on mismatch).</summary>
    /// <param name="modelJson">Model description JSON.</param>
    /// <param name="options">Automatic mask generator options (SAM's defaults when null).</param>
    /// <param name="useCuda">
    /// Run ONNX Runtime on the CUDA execution provider (needs the GPU build: <c>-p:TorchBackend=cuda</c> references
    /// Microsoft.ML.OnnxRuntime.Gpu.Linux); otherwise the CPU provider.
    /// </param>
    public SamRecordSource(string modelJson, SamAmgOptions? options = null, bool useCuda = false)
    {
        Microsoft.ML.OnnxRuntime.SessionOptions? so = null;
        if (useCuda)
        {
            so = new Microsoft.ML.OnnxRuntime.SessionOptions();
            try { so.AppendExecutionProvider_CUDA(0); }
            catch (Exception ex) when (ex is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                so.Dispose();
                throw new InvalidOperationException("the CUDA execution provider of ONNX Runtime is not available in this build; build with -p:TorchBackend=cuda (Microsoft.ML.OnnxRuntime.Gpu.Linux) on a machine with CUDA, or unset SAMDIFFSR_ORT_CUDA", ex);
            }
        }
        _predictor = SamPredictor.Open(modelJson, so);
        _generator = new SamAutomaticMaskGenerator(_predictor, options);
        Name = $"sam({_predictor.Description.ModelName})";
    }

    public string Name { get; }

    public IReadOnlyList<MaskRecord> Generate(ImageU8 rgb)
    {
        var img = rgb.ToRgb();
        return _generator.Generate(img.Data, img.Height, img.Width);
    }

    public void Dispose() => _predictor.Dispose();
}
