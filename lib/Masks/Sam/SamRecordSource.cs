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
    public SamRecordSource(string modelJson, SamAmgOptions? options = null)
    {
        _predictor = SamPredictor.Open(modelJson);
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
