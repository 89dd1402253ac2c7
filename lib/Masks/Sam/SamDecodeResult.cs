namespace SamDiffSR.Masks.Sam;

/// <summary>
/// Decoder output for a batch of P point prompts with K masks each: predicted IoUs (float32, as the model gives them)
/// and mask logits at the encoded image's size. Values are produced on demand by the backend's functions (a backend may
/// decode one prompt at a time when asked, or upscale low-resolution logits lazily so that masks dropped by the IoU
/// filter cost nothing); asking point by point, masks within a point, is the cheap order.
/// </summary>
/// <param name="pointCount">P.</param>
/// <param name="masksPerPoint">K (3 for SAM's multimask output, 1 for a single-mask export).</param>
/// <param name="height">Rows of the logit maps (the encoded image's H).</param>
/// <param name="width">Columns of the logit maps.</param>
/// <param name="iou">(point, mask) → predicted IoU.</param>
/// <param name="maskLogits">(point, mask) → H·W row-major logits.</param>
/// <param name="lowResLogits">(point, mask) → the decoder's low-resolution logits, or null when unavailable.</param>
public sealed class SamDecodeResult(
    int pointCount, int masksPerPoint, int height, int width, Func<int, int, float> iou,
    Func<int, int, float[]> maskLogits, Func<int, int, float[]?>? lowResLogits = null)
{
    /// <summary>P.</summary>
    public int PointCount { get; } = pointCount >= 0 && masksPerPoint > 0
        ? pointCount
        : throw new ArgumentException($"invalid decode result shape: {pointCount} points × {masksPerPoint} masks");

    /// <summary>K.</summary>
    public int MasksPerPoint { get; } = masksPerPoint;

    /// <summary>Rows of each logit map.</summary>
    public int Height { get; } = height;

    /// <summary>Columns of each logit map.</summary>
    public int Width { get; } = width;

    /// <summary>Predicted IoU of mask k for point p.</summary>
    public float Iou(int point, int mask)
    {
        Check(point, mask);
        return iou(point, mask);
    }

    /// <summary>Row-major H·W logits of mask k for point p (mask = logit &gt; mask threshold).</summary>
    public float[] MaskLogits(int point, int mask)
    {
        Check(point, mask);
        var m = maskLogits(point, mask);
        if (m.Length != Height * Width)
            throw new InvalidOperationException($"decoder returned {m.Length} logits for mask ({point}, {mask}), expected {Height}×{Width}");
        return m;
    }

    /// <summary>The low-resolution logits (256×256 for SAM), or null if the backend has none.</summary>
    public float[]? LowResLogits(int point, int mask)
    {
        Check(point, mask);
        return lowResLogits?.Invoke(point, mask);
    }

    private void Check(int point, int mask)
    {
        if ((uint)point >= (uint)PointCount || (uint)mask >= (uint)MasksPerPoint)
            throw new ArgumentOutOfRangeException(nameof(point), $"({point}, {mask}) is outside {PointCount} points × {MasksPerPoint} masks");
    }
}
