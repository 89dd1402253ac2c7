namespace SamDiffSR.Masks.Sam;

/// <summary>
/// What <see cref="SamAutomaticMaskGenerator"/> needs from a SAM model: encode an image once, then decode batches of
/// single positive point prompts against that encoding. <see cref="SamPredictor"/> (ONNX Runtime) is the real
/// implementation; tests use pure C# fakes with analytic masks.
/// </summary>
public interface ISamBackend
{
    /// <summary>Logit threshold that binarises masks (SAM's <c>mask_threshold</c>, 0.0).</summary>
    float MaskThreshold { get; }

    /// <summary>Encodes an RGB image (HWC, row-major, 3 bytes per pixel) — SAM's <c>set_image</c>.</summary>
    /// <param name="hwcRgb">H·W·3 bytes, RGB order.</param>
    /// <param name="height">Rows H.</param>
    /// <param name="width">Columns W.</param>
    ISamEmbedding EncodeImage(byte[] hwcRgb, int height, int width);

    /// <summary>
    /// Decodes one positive point prompt per entry of <paramref name="points"/> (pixel coordinates (x, y) in the frame of
    /// the encoded image) with multimask output — SAM's <c>predict_torch(..., multimask_output=True, return_logits=True)</c>.
    /// </summary>
    SamDecodeResult Decode(ISamEmbedding embedding, IReadOnlyList<(double X, double Y)> points);
}

/// <summary>An encoded image (SAM's image embedding plus the sizes needed to map prompts and masks).</summary>
public interface ISamEmbedding
{
    /// <summary>Rows of the encoded image.</summary>
    int Height { get; }

    /// <summary>Columns of the encoded image.</summary>
    int Width { get; }
}
