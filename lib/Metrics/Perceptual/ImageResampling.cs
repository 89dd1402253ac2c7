namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Resizers that reproduce the preprocessing of the reference metric code on single float planes (H×W row-major):
/// <list type="bullet">
/// <item><see cref="PilBicubic"/>: Pillow's <c>Image.resize(size, BICUBIC)</c> on a mode 'F' (float32) image, as clean-fid
/// and pyiqa's FID use per channel ("clean" mode). Pillow's separable convolution: bicubic kernel with a = −0.5 and
/// support 2, stretched by the downscale factor when shrinking (antialiasing); output pixel centre
/// (i + 0.5)·in/out; window [⌊centre − support + 0.5⌋, ⌊centre + support + 0.5⌋) clipped to the image; weights
/// normalised to sum 1; horizontal pass first (float32 intermediate), then vertical; a pass is skipped when that size
/// does not change; coefficients and sums in double, results stored as float32 (Pillow: libImaging/Resample.c).</item>
/// <item><see cref="TorchBilinear"/>: <c>torch.nn.functional.interpolate(mode='bilinear', align_corners=False,
/// scale_factor=s)</c>, as pyiqa's crop helper uses to enlarge images whose short side is ≤ the crop size.</item>
/// </list>
/// </summary>
public static class ImageResampling
{
    /// <summary>Pillow's bicubic kernel, a = −0.5, support 2.</summary>
    public static double BicubicKernel(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
        return 0.0;
    }

    /// <summary>Pillow mode-'F' bicubic resize of one H×W float plane to outH×outW (identity copy when sizes match).</summary>
    public static float[] PilBicubic(ReadOnlySpan<float> plane, int height, int width, int outHeight, int outWidth)
    {
        if (height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"Sizes must be positive; got {height}×{width} → {outHeight}×{outWidth}.");
        if (plane.Length != (long)height * width)
            throw new ArgumentException($"Plane has {plane.Length} samples; {height}×{width} needs {(long)height * width}.", nameof(plane));

        var current = plane.ToArray();
        var curW = width;
        if (outWidth != width)
        {
            var (start, count, weights, ksize) = PilCoefficients(width, outWidth);
            var next = new float[height * outWidth];
            for (var y = 0; y < height; y++)
            {
                var src = y * width;
                for (var x = 0; x < outWidth; x++)
                {
                    double s = 0;
                    for (var t = 0; t < count[x]; t++) s += current[src + start[x] + t] * weights[x * ksize + t];
                    next[y * outWidth + x] = (float)s;
                }
            }
            current = next;
            curW = outWidth;
        }
        if (outHeight != height)
        {
            var (start, count, weights, ksize) = PilCoefficients(height, outHeight);
            var next = new float[outHeight * curW];
            for (var y = 0; y < outHeight; y++)
            {
                for (var x = 0; x < curW; x++)
                {
                    double s = 0;
                    for (var t = 0; t < count[y]; t++) s += current[(start[y] + t) * curW + x] * weights[y * ksize + t];
                    next[y * curW + x] = (float)s;
                }
            }
            current = next;
        }
        return current;
    }

    /// <summary>Pillow's per-output-pixel window start, length and normalised weights for one axis.</summary>
    internal static (int[] Start, int[] Count, double[] Weights, int KernelSize) PilCoefficients(int inSize, int outSize)
    {
        const double support0 = 2.0;
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = support0 * filterScale;
        var ksize = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new double[outSize * ksize];
        var ss = 1.0 / filterScale;
        for (var i = 0; i < outSize; i++)
        {
            var center = (i + 0.5) * scale;
            var xmin = (int)(center - support + 0.5); // C cast: truncation toward zero
            if (xmin < 0) xmin = 0;
            var xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0;
            for (var x = 0; x < xmax; x++)
            {
                var w = BicubicKernel((x + xmin - center + 0.5) * ss);
                weights[i * ksize + x] = w;
                ww += w;
            }
            if (ww != 0)
                for (var x = 0; x < xmax; x++) weights[i * ksize + x] /= ww;
            start[i] = xmin;
            count[i] = xmax;
        }
        return (start, count, weights, ksize);
    }

    /// <summary>
    /// PyTorch bilinear interpolation with a given scale factor s (align_corners = False, recompute_scale_factor
    /// unset): output size ⌊H·s⌋ × ⌊W·s⌋, source coordinate max((i + 0.5)/s − 0.5, 0), neighbours clamped at the
    /// last row/column. Computed in double (PyTorch uses float32 on CPU for float tensors: agreement to ~1e-6).
    /// </summary>
    public static float[] TorchBilinear(ReadOnlySpan<float> plane, int height, int width, double scaleFactor, out int outHeight, out int outWidth)
    {
        if (!(scaleFactor > 0) || !double.IsFinite(scaleFactor)) throw new ArgumentException($"Scale factor must be positive; got {scaleFactor}.", nameof(scaleFactor));
        if (plane.Length != (long)height * width)
            throw new ArgumentException($"Plane has {plane.Length} samples; {height}×{width} needs {(long)height * width}.", nameof(plane));
        outHeight = (int)Math.Floor(height * scaleFactor);
        outWidth = (int)Math.Floor(width * scaleFactor);
        if (outHeight <= 0 || outWidth <= 0) throw new ArgumentException($"Scale factor {scaleFactor} maps {height}×{width} to an empty image.");
        var inv = 1.0 / scaleFactor;
        var result = new float[outHeight * outWidth];
        var x0 = new int[outWidth];
        var x1 = new int[outWidth];
        var lx = new double[outWidth];
        for (var x = 0; x < outWidth; x++)
        {
            var src = Math.Max((x + 0.5) * inv - 0.5, 0.0);
            x0[x] = Math.Min((int)src, width - 1);
            x1[x] = Math.Min(x0[x] + 1, width - 1);
            lx[x] = src - x0[x];
        }
        for (var y = 0; y < outHeight; y++)
        {
            var src = Math.Max((y + 0.5) * inv - 0.5, 0.0);
            var y0 = Math.Min((int)src, height - 1);
            var y1 = Math.Min(y0 + 1, height - 1);
            var ly = src - y0;
            for (var x = 0; x < outWidth; x++)
            {
                var top = (1 - lx[x]) * plane[y0 * width + x0[x]] + lx[x] * plane[y0 * width + x1[x]];
                var bottom = (1 - lx[x]) * plane[y1 * width + x0[x]] + lx[x] * plane[y1 * width + x1[x]];
                result[y * outWidth + x] = (float)((1 - ly) * top + ly * bottom);
            }
        }
        return result;
    }
}
