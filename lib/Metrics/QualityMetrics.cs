using SamDiffSR.Data;

namespace SamDiffSR.Metrics;

/// <summary>
/// PSNR and SSIM under the named <see cref="MetricConvention"/>s (docs/data.md §PSNR and SSIM protocol, docs/official-code.md §Benchmark metrics).
/// All arithmetic is in float64.
/// </summary>
public static class QualityMetrics
{
    /// <summary>SSIM constants K₁, K₂ (Wang et al. 2004).</summary>
    public const double K1 = 0.01, K2 = 0.03;

    /// <summary>
    /// Refuses, before any work, an image too small to be measured: after cropping to a multiple of
    /// <paramref name="scale"/> and the convention's border shave it must hold the 11×11 SSIM window.
    /// The message names the file and both sizes.
    /// </summary>
    public static void RequireMeasurable(string name, int width, int height, int scale, MetricConvention convention = MetricConvention.YDouble)
    {
        if (width < scale || height < scale)
            throw new InvalidDataException($"{name}: {width}x{height} is smaller than the scale {scale}; remove it or use a smaller scale");
        int border = convention is MetricConvention.YDouble or MetricConvention.YUint8 ? scale : 0;
        int w = width - width % scale - 2 * border, h = height - height % scale - 2 * border;
        if (w < 11 || h < 11)
            throw new InvalidDataException($"{name}: {width}x{height} is too small to measure at x{scale}: after cropping to a multiple of {scale} and " +
                                           $"shaving {border} px per side it is {Math.Max(0, w)}x{Math.Max(0, h)}, smaller than the 11x11 SSIM window; " +
                                           $"use images of at least {11 + 2 * border + scale - 1} px per side or remove it");
    }

    /// <summary>
    /// Measures a super-resolved image against its HR ground truth.
    /// </summary>
    /// <param name="sr">SR output, same size and channel count as <paramref name="hr"/>.</param>
    /// <param name="hr">Ground truth (modcropped to the scale).</param>
    /// <param name="scale">SR factor; the default shave of the Y conventions.</param>
    /// <param name="convention">Protocol (default <see cref="MetricConvention.YDouble"/>).</param>
    /// <param name="shave">Border to remove from each side; default <paramref name="scale"/> for the Y conventions and 0
    /// for <see cref="MetricConvention.Rgb"/> and <see cref="MetricConvention.Pyiqa"/>.</param>
    /// <exception cref="ArgumentException">Sizes or channel counts differ, or the image is smaller than the SSIM window.</exception>
    public static QualityScore Measure(ImageU8 sr, ImageU8 hr, int scale, MetricConvention convention = MetricConvention.YDouble, int? shave = null)
    {
        ArgumentNullException.ThrowIfNull(sr);
        ArgumentNullException.ThrowIfNull(hr);
        if (sr.Height != hr.Height || sr.Width != hr.Width || sr.Channels != hr.Channels)
            throw new ArgumentException($"SR is {sr.Width}x{sr.Height}x{sr.Channels} but HR is {hr.Width}x{hr.Height}x{hr.Channels} (WxHxC); they must match");
        int border = shave ?? (convention is MetricConvention.YDouble or MetricConvention.YUint8 ? scale : 0);
        switch (convention)
        {
            case MetricConvention.YDouble:
            {
                var a = ImageOps.Shave(ColorSpace.YDouble(sr), border);
                var b = ImageOps.Shave(ColorSpace.YDouble(hr), border);
                return new QualityScore(Psnr(a, b, 255.0), SsimGaussian(a, b, 255.0));
            }
            case MetricConvention.YUint8:
            {
                var a = ImageOps.Shave(ImageF64.FromU8(ColorSpace.YUint8(sr), 1.0), border);
                var b = ImageOps.Shave(ImageF64.FromU8(ColorSpace.YUint8(hr), 1.0), border);
                return new QualityScore(Psnr(a, b, 255.0), SsimGaussian(a, b, 255.0));
            }
            case MetricConvention.Rgb:
            {
                var a = ImageOps.Shave(ImageF64.FromU8(sr, 1.0), border);
                var b = ImageOps.Shave(ImageF64.FromU8(hr, 1.0), border);
                return new QualityScore(Psnr(a, b, 255.0), SsimUniform(a, b, 255.0));
            }
            case MetricConvention.Pyiqa:
            {
                var a = ImageOps.Shave(ColorSpace.Y01(sr), border);
                var b = ImageOps.Shave(ColorSpace.Y01(hr), border);
                double psnr = Psnr(a, b, 1.0, eps: 1e-8);
                var ar = RoundY255(a);
                var br = RoundY255(b);
                return new QualityScore(psnr, SsimGaussian(ar, br, 255.0, clampContrastStructure: true));
            }
            default:
                throw new ArgumentException($"unknown metric convention {convention}");
        }
    }

    /// <summary>
    /// PSNR = 10·log10(peak² / (MSE + eps)) over all values of two equally shaped images. With eps = 0 and MSE = 0 the
    /// result is +∞.
    /// </summary>
    public static double Psnr(ImageF64 a, ImageF64 b, double peak, double eps = 0)
    {
        CheckSameShape(a, b);
        double s = 0;
        var x = a.Data; var y = b.Data;
        for (int i = 0; i < x.Length; i++) { double d = x[i] - y[i]; s += d * d; }
        double mse = s / x.Length + eps;
        return mse == 0 ? double.PositiveInfinity : 10.0 * Math.Log10(peak * peak / mse);
    }

    /// <summary>
    /// Wang et al.'s <c>ssim_index</c> on one channel: Gaussian window 11×11, σ = 1.5 (normalised), statistics with
    /// <c>filter2(window, ·, 'valid')</c>, C₁ = (K₁L)², C₂ = (K₂L)², mean of the SSIM map
    /// SSIM = (2μₓμᵧ + C₁)(2σₓᵧ + C₂) / ((μₓ² + μᵧ² + C₁)(σₓ² + σᵧ² + C₂)). With
    /// <paramref name="clampContrastStructure"/> (pyiqa) the factor (2σₓᵧ + C₂)/(σₓ² + σᵧ² + C₂) is clamped at ≥ 0.
    /// </summary>
    public static double SsimGaussian(ImageF64 a, ImageF64 b, double dataRange = 255.0, bool clampContrastStructure = false)
    {
        CheckSameShape(a, b);
        if (a.Channels != 1) throw new ArgumentException($"Gaussian SSIM works on one channel (Y), got {a.Channels}");
        return SsimCore(a.Data, b.Data, a.Height, a.Width, GaussianKernel(11, 1.5), dataRange, covNorm: 1.0, clampContrastStructure);
    }

    /// <summary>
    /// scikit-image <c>structural_similarity</c> defaults: uniform 7×7 window, sample covariance (factor N/(N−1), N = 49),
    /// C₁ = (K₁L)², C₂ = (K₂L)², mean over the pixels whose window lies fully inside the image (skimage crops
    /// (7−1)/2 = 3 px after filtering), computed per channel and averaged over channels.
    /// </summary>
    public static double SsimUniform(ImageF64 a, ImageF64 b, double dataRange = 255.0, int window = 7)
    {
        CheckSameShape(a, b);
        if (window < 3 || window % 2 == 0) throw new ArgumentException($"SSIM window must be odd and >= 3, got {window}");
        var k = new double[window];
        Array.Fill(k, 1.0 / window);
        int np = window * window;
        double cov = np / (np - 1.0);
        int h = a.Height, w = a.Width, c = a.Channels, n = h * w;
        double total = 0;
        var pa = new double[n]; var pb = new double[n];
        for (int ch = 0; ch < c; ch++)
        {
            for (int i = 0; i < n; i++) { pa[i] = a.Data[i * c + ch]; pb[i] = b.Data[i * c + ch]; }
            total += SsimCore(pa, pb, h, w, k, dataRange, cov, clampCs: false);
        }
        return total / c;
    }

    /// <summary>Normalised 1-D Gaussian g(x) ∝ exp(−x²/(2σ²)), x = −(n−1)/2..(n−1)/2; MATLAB's
    /// <c>fspecial('gaussian', n, σ)</c> is its outer product with itself.</summary>
    public static double[] GaussianKernel(int size, double sigma)
    {
        var g = new double[size];
        double half = (size - 1) / 2.0, sum = 0;
        for (int i = 0; i < size; i++) { double x = i - half; g[i] = Math.Exp(-x * x / (2 * sigma * sigma)); sum += g[i]; }
        for (int i = 0; i < size; i++) g[i] /= sum;
        return g;
    }

    private static double SsimCore(double[] x, double[] y, int h, int w, double[] k1, double L, double covNorm, bool clampCs)
    {
        int k = k1.Length;
        if (h < k || w < k)
            throw new ArgumentException($"image is {w}x{h} after any border shave, smaller than the {k}x{k} SSIM window; use larger images");
        int n = h * w;
        var xx = new double[n]; var yy = new double[n]; var xy = new double[n];
        for (int i = 0; i < n; i++) { xx[i] = x[i] * x[i]; yy[i] = y[i] * y[i]; xy[i] = x[i] * y[i]; }
        var mx = FilterValid(x, h, w, k1); var my = FilterValid(y, h, w, k1);
        var sxx = FilterValid(xx, h, w, k1); var syy = FilterValid(yy, h, w, k1); var sxy = FilterValid(xy, h, w, k1);
        double c1 = (K1 * L) * (K1 * L), c2 = (K2 * L) * (K2 * L);
        double sum = 0;
        for (int i = 0; i < mx.Length; i++)
        {
            double m1 = mx[i], m2 = my[i];
            double m11 = m1 * m1, m22 = m2 * m2, m12 = m1 * m2;
            double v1 = covNorm * (sxx[i] - m11), v2 = covNorm * (syy[i] - m22), v12 = covNorm * (sxy[i] - m12);
            if (clampCs)
            {
                double cs = Math.Max(0.0, (2 * v12 + c2) / (v1 + v2 + c2));
                sum += (2 * m12 + c1) / (m11 + m22 + c1) * cs;
            }
            else
                sum += (2 * m12 + c1) * (2 * v12 + c2) / ((m11 + m22 + c1) * (v1 + v2 + c2));
        }
        return sum / mx.Length;
    }

    /// <summary>Separable 'valid' correlation with the kernel k ⊗ k: output (h−K+1) × (w−K+1).</summary>
    private static double[] FilterValid(double[] src, int h, int w, double[] k)
    {
        int kn = k.Length, ow = w - kn + 1, oh = h - kn + 1;
        var tmp = new double[h * ow];
        for (int y = 0; y < h; y++)
        {
            var o = new Span<double>(tmp, y * ow, ow);
            for (int t = 0; t < kn; t++) VectorMath.Axpy(o, new ReadOnlySpan<double>(src, y * w + t, ow), k[t]);
        }
        var dst = new double[oh * ow];
        for (int y = 0; y < oh; y++)
        {
            var o = new Span<double>(dst, y * ow, ow);
            for (int t = 0; t < kn; t++) VectorMath.Axpy(o, new ReadOnlySpan<double>(tmp, (y + t) * ow, ow), k[t]);
        }
        return dst;
    }

    private static ImageF64 RoundY255(ImageF64 y01)
    {
        var d = new double[y01.Data.Length];
        for (int i = 0; i < d.Length; i++) d[i] = Math.Round(y01.Data[i] * 255.0, MidpointRounding.ToEven);
        return new ImageF64(y01.Height, y01.Width, y01.Channels, d);
    }

    private static void CheckSameShape(ImageF64 a, ImageF64 b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Height != b.Height || a.Width != b.Width || a.Channels != b.Channels)
            throw new ArgumentException($"images differ in shape: {a.Height}x{a.Width}x{a.Channels} vs {b.Height}x{b.Width}x{b.Channels} (HxWxC)");
    }
}
