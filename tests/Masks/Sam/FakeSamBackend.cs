using SamDiffSR.Masks.Sam;

namespace SamDiffSR.Tests.Masks.Sam;

/// <summary>
/// A pure C# SAM backend for generator tests: logits and IoUs are given functions of the prompt point (in the encoded
/// image's frame). Records every encode (size and pixels) and every decode batch size.
/// </summary>
internal sealed class FakeSamBackend(int masksPerPoint, Func<double, double, int, int, int, float[]> logits, Func<double, double, int, float> iou) : ISamBackend
{
    public List<(int H, int W, byte[] Image)> Encoded { get; } = new();

    public List<int> BatchSizes { get; } = new();

    public float MaskThreshold => 0f;

    public ISamEmbedding EncodeImage(byte[] hwcRgb, int height, int width)
    {
        Encoded.Add((height, width, hwcRgb));
        return new Emb(height, width);
    }

    public SamDecodeResult Decode(ISamEmbedding embedding, IReadOnlyList<(double X, double Y)> points)
    {
        BatchSizes.Add(points.Count);
        var pts = points.ToArray();
        return new SamDecodeResult(pts.Length, masksPerPoint, embedding.Height, embedding.Width,
            (p, k) => iou(pts[p].X, pts[p].Y, k),
            (p, k) => logits(pts[p].X, pts[p].Y, k, embedding.Height, embedding.Width));
    }

    private sealed record Emb(int Height, int Width) : ISamEmbedding;

    /// <summary>
    /// The same analytic masks as the ONNX fixture decoder (after multimask selection): mask k has logits
    /// slope_k·(r_k − |(col, row) − (x, y)|) computed in float32; IoU = iou_k + bonus(x, y).
    /// </summary>
    public static FakeSamBackend Discs(float[] radii, float[] slopes, float[] ious, Func<double, double, float>? bonus = null) =>
        new(radii.Length,
            (x, y, k, h, w) => DiscLogits((float)x, (float)y, radii[k], slopes[k], h, w),
            (x, y, k) => ious[k] + (bonus?.Invoke(x, y) ?? 0f));

    /// <summary>The multimask part of <see cref="SamOnnxFixtures.Default"/>: r 6.5/9.5/12.5, slopes 20/0.5/20,
    /// IoU 0.95/0.96/0.80.</summary>
    public static FakeSamBackend DefaultDiscs(Func<double, double, float>? bonus = null) =>
        Discs(new[] { 6.5f, 9.5f, 12.5f }, new[] { 20f, 0.5f, 20f }, new[] { 0.95f, 0.96f, 0.80f }, bonus);

    public static float[] DiscLogits(float px, float py, float r, float slope, int h, int w)
    {
        var m = new float[h * w];
        for (int row = 0; row < h; row++)
            for (int col = 0; col < w; col++)
            {
                float dx = col - px, dy = row - py;
                m[row * w + col] = slope * (r - MathF.Sqrt(dx * dx + dy * dy));
            }
        return m;
    }
}
