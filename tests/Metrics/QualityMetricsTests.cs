using SamDiffSR.Data;
using SamDiffSR.Metrics;
using SamDiffSR.Tests.Data;
using Xunit;

namespace SamDiffSR.Tests.Metrics;

public class QualityMetricsTests
{
    private static ImageU8 RandomImage(int h, int w, int c, int seed)
    {
        var px = new byte[h * w * c];
        new Random(seed).NextBytes(px);
        return new ImageU8(h, w, c, px);
    }

    private static ImageU8 Noisy(ImageU8 img, int seed, int amp)
    {
        var r = new Random(seed);
        var d = img.Data.Select(v => (byte)Math.Clamp(v + r.Next(-amp, amp + 1), 0, 255)).ToArray();
        return new ImageU8(img.Height, img.Width, img.Channels, d);
    }

    [Theory]
    [InlineData(MetricConvention.YDouble)]
    [InlineData(MetricConvention.YUint8)]
    [InlineData(MetricConvention.Rgb)]
    public void IdenticalImages_GiveInfinitePsnr_AndSsimOne(MetricConvention conv)
    {
        var img = TestImages.Hr("Set5", "bird.png");
        var q = QualityMetrics.Measure(img, img.Clone(), 4, conv);
        Assert.True(double.IsPositiveInfinity(q.Psnr));
        Assert.Equal(1.0, q.Ssim, 12);
    }

    [Fact]
    public void Pyiqa_IdenticalImages_Give80dB_FromItsEpsilon()
    {
        var img = TestImages.Hr("Set5", "bird.png");
        var q = QualityMetrics.Measure(img, img, 4, MetricConvention.Pyiqa);
        Assert.Equal(80.0, q.Psnr, 9); // 10 log10(1 / 1e-8)
        Assert.Equal(1.0, q.Ssim, 12);
    }

    [Fact]
    public void Psnr_ClosedForm_ForAConstantOffset()
    {
        var a = new ImageU8(20, 20, 3, Enumerable.Repeat((byte)100, 1200).ToArray());
        var b = new ImageU8(20, 20, 3, Enumerable.Repeat((byte)105, 1200).ToArray());
        // RGB: MSE = 25 -> 10 log10(255^2 / 25)
        Assert.Equal(10 * Math.Log10(65025.0 / 25), QualityMetrics.Measure(a, b, 2, MetricConvention.Rgb).Psnr, 10);
        // Y: gray offset 5 maps to 5 * 219/255 in Y
        double dy = 5 * 219.0 / 255;
        Assert.Equal(10 * Math.Log10(65025.0 / (dy * dy)), QualityMetrics.Measure(a, b, 2, MetricConvention.YDouble).Psnr, 9);
        // Constant images: SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) for every window and both windows.
        double c1 = 6.5025, yA = ColorSpace.Y255(100, 100, 100), yB = ColorSpace.Y255(105, 105, 105);
        Assert.Equal((2 * yA * yB + c1) / (yA * yA + yB * yB + c1), QualityMetrics.Measure(a, b, 2).Ssim, 12);
        Assert.Equal((2 * 100.0 * 105 + c1) / (100.0 * 100 + 105.0 * 105 + c1), QualityMetrics.Measure(a, b, 2, MetricConvention.Rgb).Ssim, 12);
    }

    [Fact]
    public void SsimGaussian_EqualsDirect2DWindowDefinition()
    {
        // Wang's ssim_index written out directly: 2-D window fspecial('gaussian', 11, 1.5), 'valid' statistics.
        var a = ImageF64.FromU8(RandomImage(19, 23, 1, 1), 1.0);
        var b = ImageF64.FromU8(Noisy(RandomImage(19, 23, 1, 1), 2, 40), 1.0);
        var win = new double[11, 11];
        double tot = 0;
        for (int i = 0; i < 11; i++) for (int j = 0; j < 11; j++) { win[i, j] = Math.Exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5)); tot += win[i, j]; }
        double c1 = Math.Pow(0.01 * 255, 2), c2 = Math.Pow(0.03 * 255, 2), sum = 0;
        int n = 0;
        for (int y = 0; y + 11 <= 19; y++)
            for (int x = 0; x + 11 <= 23; x++, n++)
            {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int i = 0; i < 11; i++)
                    for (int j = 0; j < 11; j++)
                    {
                        double w = win[i, j] / tot, p = a[y + i, x + j], q = b[y + i, x + j];
                        mx += w * p; my += w * q; sxx += w * p * p; syy += w * q * q; sxy += w * p * q;
                    }
                double vx = sxx - mx * mx, vy = syy - my * my, vxy = sxy - mx * my;
                sum += (2 * mx * my + c1) * (2 * vxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            }
        Assert.Equal(sum / n, QualityMetrics.SsimGaussian(a, b), 12);
    }

    [Fact]
    public void SsimUniform_EqualsSkimageDefinition_PerChannelMean()
    {
        // skimage: 7x7 mean filter, cov_norm = 49/48, S averaged over the interior (3 px cropped), channel mean.
        var ia = RandomImage(12, 15, 3, 7);
        var ib = Noisy(ia, 8, 60);
        double c1 = 6.5025, c2 = 58.5225, total = 0;
        for (int ch = 0; ch < 3; ch++)
        {
            double sum = 0; int n = 0;
            for (int y = 3; y < 12 - 3; y++)
                for (int x = 3; x < 15 - 3; x++, n++)
                {
                    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                    for (int i = -3; i <= 3; i++)
                        for (int j = -3; j <= 3; j++)
                        {
                            double p = ia[y + i, x + j, ch], q = ib[y + i, x + j, ch];
                            mx += p / 49; my += q / 49; sxx += p * p / 49; syy += q * q / 49; sxy += p * q / 49;
                        }
                    double k = 49.0 / 48;
                    double vx = k * (sxx - mx * mx), vy = k * (syy - my * my), vxy = k * (sxy - mx * my);
                    sum += (2 * mx * my + c1) * (2 * vxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                }
            total += sum / n;
        }
        Assert.Equal(total / 3, QualityMetrics.Measure(ib, ia, 4, MetricConvention.Rgb).Ssim, 10);
    }

    [Fact]
    public void Pyiqa_IsTheUnshavedYMetric_WithItsEpsilonAndRounding()
    {
        var hr = ImageOps.Modcrop(TestImages.Hr("Set5", "head.png"), 4);
        var sr = MatlabResize.Upscale(MatlabResize.Downscale(hr, 4), 4);
        var p = QualityMetrics.Measure(sr, hr, 4, MetricConvention.Pyiqa);
        var unshaved = QualityMetrics.Measure(sr, hr, 4, MetricConvention.YDouble, shave: 0);
        var unshavedU8 = QualityMetrics.Measure(sr, hr, 4, MetricConvention.YUint8, shave: 0);
        // PSNR on Y/255 with +1e-8 in the MSE: within 1e-3 dB of the peak-255 PSNR at this MSE (~1e-3).
        Assert.Equal(unshaved.Psnr, p.Psnr, 0.01);
        Assert.True(p.Psnr < unshaved.Psnr);
        // SSIM on rounded Y: as the uint8-Y SSIM up to half-to-even ties and the cs clamp.
        Assert.Equal(unshavedU8.Ssim, p.Ssim, 1e-3);
        // No border shave: differs from the shaved default protocol.
        Assert.True(Math.Abs(p.Psnr - QualityMetrics.Measure(sr, hr, 4).Psnr) > 0.01);
    }

    [Fact]
    public void GrayImages_UseTheirValuesAsY()
    {
        var g = new ImageU8(30, 30, 1, Enumerable.Range(0, 900).Select(i => (byte)(i % 200)).ToArray());
        var y = ColorSpace.YDouble(g);
        Assert.Equal(1, y.Channels);
        Assert.Equal(35.0, y[1, 5], 12); // value at index 35 is 35 % 200
        Assert.Same(g, ColorSpace.YUint8(g));
        var h = new ImageU8(30, 30, 1, g.Data.Select(v => (byte)(v + 10)).ToArray());
        Assert.Equal(10 * Math.Log10(65025.0 / 100), QualityMetrics.Measure(g, h, 2).Psnr, 9);
    }

    [Fact]
    public void Rgb2Ycbcr_MatchesMatlabConstants()
    {
        // MATLAB rgb2ycbcr: white -> (235, 128, 128)/255, black -> (16, 128, 128)/255, pure red -> Y 16 + 65.481.
        var img = new ImageF64(1, 3, 3, [1, 1, 1, 0, 0, 0, 1, 0, 0]);
        var o = ColorSpace.Rgb2Ycbcr(img);
        Assert.Equal(235 / 255.0, o[0, 0, 0], 12);
        Assert.Equal(128 / 255.0, o[0, 0, 1], 12);
        Assert.Equal(128 / 255.0, o[0, 0, 2], 12);
        Assert.Equal(16 / 255.0, o[0, 1, 0], 12);
        Assert.Equal((16 + 65.481) / 255.0, o[0, 2, 0], 12);
        Assert.Equal((128 + 112.0) / 255.0, o[0, 2, 2], 12);
        var u8 = ColorSpace.YUint8(new ImageU8(1, 2, 3, [255, 0, 0, 10, 200, 30]));
        Assert.Equal(new byte[] { 81, 122 }, u8.Data); // round(16 + 65.481) = 81; round(16 + (654.81 + 25710.6 + 748.98)/255 = 122.33) = 122
    }

    [Fact]
    public void MismatchedShapes_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => QualityMetrics.Measure(new ImageU8(20, 20, 3), new ImageU8(20, 21, 3), 2));
        Assert.Throws<ArgumentException>(() => QualityMetrics.Measure(new ImageU8(20, 20, 1), new ImageU8(20, 20, 3), 2));
    }
}
