using SamDiffSR.Data;
using SamDiffSR.Metrics;
using SamDiffSR.Tests.Data;
using Xunit;

namespace SamDiffSR.Tests.Metrics;

public class BicubicBaselineTests
{
    private static readonly string[] Set5 = ["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"];
    private static readonly string[] Set14 = ["baboon.png", "barbara.png", "bridge.png", "coastguard.png", "comic.png", "face.png",
        "flowers.png", "foreman.png", "lenna.png", "man.png", "monarch.png", "pepper.png", "ppt3.png", "zebra.png"];

    private static readonly Dictionary<(string, string, int, MetricConvention), QualityScore> Cache = new();

    private static QualityScore Score(string set, string file, int scale, MetricConvention conv)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue((set, file, scale, conv), out var q))
                Cache[(set, file, scale, conv)] = q = BicubicBaseline.EvaluateImage(TestImages.Hr(set, file), scale, conv, file);
            return q;
        }
    }

    private static (double Psnr, double Ssim) Mean(string set, int scale, MetricConvention conv)
    {
        var files = set == "Set5" ? Set5 : Set14;
        var s = files.Select(f => Score(set, f, scale, conv)).ToList();
        return (s.Average(q => q.Psnr), s.Average(q => q.Ssim));
    }

    // docs/data.md §Checksums: bicubic re-upscale vs HR, s px shaved; "Y double" (§PSNR and SSIM protocol) and "Y uint8" (SelfExSR); bridge gray.
    public static TheoryData<string, string, int, double, double, double, double> PerImage => new()
    {
        {"Set5", "baby.png", 2, 37.0784, 0.9523, 37.0263, 0.9510 },
        {"Set5", "bird.png", 2, 36.8224, 0.9725, 36.7730, 0.9715 },
        {"Set5", "butterfly.png", 2, 27.4374, 0.9158, 27.4298, 0.9149 },
        {"Set5", "head.png", 2, 34.8821, 0.8630, 34.8375, 0.8618 },
        {"Set5", "woman.png", 2, 32.1504, 0.9479, 32.1354, 0.9468 },
        {"Set5", "baby.png", 4, 31.7845, 0.8575, 31.7711, 0.8563 },
        {"Set5", "bird.png", 4, 30.1840, 0.8736, 30.1751, 0.8727 },
        {"Set5", "butterfly.png", 4, 22.1010, 0.7375, 22.0992, 0.7368 },
        {"Set5", "head.png", 4, 31.6135, 0.7546, 31.5785, 0.7531 },
        {"Set5", "woman.png", 4, 26.4682, 0.8325, 26.4645, 0.8315 },
        {"Set14", "baboon.png", 2, 24.8621, 0.6981, 24.8577, 0.6974 },
        {"Set14", "barbara.png", 2, 28.0022, 0.8419, 27.9955, 0.8408 },
        {"Set14", "bridge.png", 2, 26.5699, 0.7926, 26.5699, 0.7926 },
        {"Set14", "coastguard.png", 2, 29.1216, 0.7893, 29.1218, 0.7890 },
        {"Set14", "comic.png", 2, 26.0177, 0.8497, 26.0145, 0.8492 },
        {"Set14", "face.png", 2, 34.8542, 0.8629, 34.8100, 0.8617 },
        {"Set14", "flowers.png", 2, 30.3660, 0.8990, 30.3560, 0.8980 },
        {"Set14", "foreman.png", 2, 34.1297, 0.9518, 34.1320, 0.9510 },
        {"Set14", "lenna.png", 2, 34.7073, 0.9114, 34.6766, 0.9106 },
        {"Set14", "man.png", 2, 29.2450, 0.8457, 29.2378, 0.8451 },
        {"Set14", "monarch.png", 2, 32.9457, 0.9607, 32.9250, 0.9595 },
        {"Set14", "pepper.png", 2, 34.9758, 0.9080, 34.9420, 0.9067 },
        {"Set14", "ppt3.png", 2, 26.8007, 0.9465, 26.8016, 0.9461 },
        {"Set14", "zebra.png", 2, 30.6482, 0.9092, 30.6391, 0.9086 },
        {"Set14", "baboon.png", 4, 22.4386, 0.4528, 22.4367, 0.4521 },
        {"Set14", "barbara.png", 4, 25.1489, 0.6870, 25.1453, 0.6860 },
        {"Set14", "bridge.png", 4, 23.1459, 0.5403, 23.1459, 0.5403 },
        {"Set14", "coastguard.png", 4, 25.4760, 0.5222, 25.4793, 0.5223 },
        {"Set14", "comic.png", 4, 21.6909, 0.5836, 21.6906, 0.5833 },
        {"Set14", "face.png", 4, 31.5789, 0.7528, 31.5476, 0.7516 },
        {"Set14", "flowers.png", 4, 25.5220, 0.7221, 25.5188, 0.7213 },
        {"Set14", "foreman.png", 4, 29.3976, 0.8667, 29.4107, 0.8658 },
        {"Set14", "lenna.png", 4, 29.8384, 0.8142, 29.8287, 0.8135 },
        {"Set14", "man.png", 4, 25.6956, 0.6761, 25.6915, 0.6756 },
        {"Set14", "monarch.png", 4, 27.4602, 0.8814, 27.4557, 0.8804 },
        {"Set14", "pepper.png", 4, 30.5912, 0.8377, 30.5796, 0.8365 },
        {"Set14", "ppt3.png", 4, 21.9133, 0.8190, 21.9163, 0.8186 },
        {"Set14", "zebra.png", 4, 24.0601, 0.6849, 24.0592, 0.6844 },    };

    [Theory]
    [MemberData(nameof(PerImage))]
    public void PerImage_MatchesReferenceTable(string set, string file, int scale, double psnrD, double ssimD, double psnrU, double ssimU)
    {
        var d = Score(set, file, scale, MetricConvention.YDouble);
        var u = Score(set, file, scale, MetricConvention.YUint8);
        Assert.Equal(psnrD, d.Psnr, 1e-4);
        Assert.Equal(ssimD, d.Ssim, 1e-4);
        Assert.Equal(psnrU, u.Psnr, 1e-4);
        Assert.Equal(ssimU, u.Ssim, 1e-4);
    }

    // docs/data.md §Reproduced values (reproduced bit-exact MATLAB pipeline); bridge as gray.
    [Theory]
    [InlineData("Set5", 2, MetricConvention.YDouble, 33.674, 0.9303)]
    [InlineData("Set5", 4, MetricConvention.YDouble, 28.430, 0.8111)]
    [InlineData("Set5", 2, MetricConvention.YUint8, 33.640, 0.9292)]
    [InlineData("Set5", 4, MetricConvention.YUint8, 28.418, 0.8101)]
    [InlineData("Set14", 2, MetricConvention.YDouble, 30.232, 0.8691)]
    [InlineData("Set14", 4, MetricConvention.YDouble, 25.997, 0.7029)]
    [InlineData("Set14", 2, MetricConvention.YUint8, 30.220, 0.8683)]
    [InlineData("Set14", 4, MetricConvention.YUint8, 25.993, 0.7023)]
    public void SetMean_ReproducesDataMd2c(string set, int scale, MetricConvention conv, double psnr, double ssim)
    {
        var m = Mean(set, scale, conv);
        Assert.InRange(m.Psnr, psnr - 0.005, psnr + 0.005);
        Assert.InRange(m.Ssim, ssim - 0.0005, ssim + 0.0005);
    }

    // docs/data.md §Literature bicubic values (EDSR/RCAN-era tables) and §SelfExSR values (SelfExSR README); acceptance |dPSNR| <= 0.05, |dSSIM| <= 0.002.
    [Theory]
    [InlineData("Set5", 2, MetricConvention.YDouble, 33.66, 0.9299)]
    [InlineData("Set5", 4, MetricConvention.YDouble, 28.42, 0.8104)]
    [InlineData("Set14", 2, MetricConvention.YDouble, 30.24, 0.8688)]
    [InlineData("Set14", 4, MetricConvention.YDouble, 26.00, 0.7027)]
    [InlineData("Set5", 2, MetricConvention.YUint8, 33.64, 0.9292)]
    [InlineData("Set5", 4, MetricConvention.YUint8, 28.42, 0.8101)]
    [InlineData("Set14", 2, MetricConvention.YUint8, 30.22, 0.8683)]
    [InlineData("Set14", 4, MetricConvention.YUint8, 25.99, 0.7023)]
    public void SetMean_LandsOnLiterature(string set, int scale, MetricConvention conv, double psnr, double ssim)
    {
        var m = Mean(set, scale, conv);
        Assert.InRange(m.Psnr, psnr - 0.05, psnr + 0.05);
        Assert.InRange(m.Ssim, ssim - 0.002, ssim + 0.002);
    }

    [Fact]
    public void SelfExSrValues_AreReproducedExactlyWhenRounded()
    {
        // docs/data.md §SelfExSR values: SelfExSR README, Y uint8 protocol: Set5 33.64/0.9292, 28.42/0.8101; Set14 30.22/0.8683, 25.99/0.7023.
        Assert.Equal((33.64, 0.9292), R(Mean("Set5", 2, MetricConvention.YUint8)));
        Assert.Equal((28.42, 0.8101), R(Mean("Set5", 4, MetricConvention.YUint8)));
        Assert.Equal((30.22, 0.8683), R(Mean("Set14", 2, MetricConvention.YUint8)));
        Assert.Equal((25.99, 0.7023), R(Mean("Set14", 4, MetricConvention.YUint8)));
        static (double, double) R((double P, double S) m) => (Math.Round(m.P, 2), Math.Round(m.S, 4));
    }

    [Fact]
    public void BridgeReplicatedToRgb_RaisesSet14Mean_AsDataMd2c()
    {
        // docs/data.md §Reproduced values, §Pitfalls: replicating gray bridge to RGB compresses its Y range by 219/255: Set14 x2 30.326/0.8699.
        var scores = Set14.Select(f =>
            f == "bridge.png"
                ? BicubicBaseline.EvaluateImage(TestImages.Hr("Set14", f).ToRgb(), 2, MetricConvention.YDouble)
                : Score("Set14", f, 2, MetricConvention.YDouble)).ToList();
        Assert.InRange(scores.Average(q => q.Psnr), 30.326 - 0.005, 30.326 + 0.005);
        Assert.InRange(scores.Average(q => q.Ssim), 0.8699 - 0.0005, 0.8699 + 0.0005);
    }

    [Fact]
    public void EvaluateFolder_ReportsPerImageAndMean_WithProgress()
    {
        var reports = new List<SamDiffSR.Runtime.ProgressInfo>();
        var ev = BicubicBaseline.EvaluateFolder(ImageFolder.Open(DataPaths.Set5), 4, MetricConvention.YDouble, new SyncProgress(reports.Add));
        Assert.Equal("Set5", ev.Set);
        Assert.Equal(5, ev.Images.Count);
        Assert.Equal("butterfly.png", ev.Images[2].Name);
        Assert.Equal(22.1010, ev.Images[2].Psnr, 1e-4); // docs/data.md §Checksums
        Assert.InRange(ev.MeanPsnr, 28.425, 28.435);
        Assert.Equal(5, reports.Count);
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public void TinyImage_IsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => BicubicBaseline.EvaluateImage(new ImageU8(3, 3, 3), 4, name: "tiny.png"));
        Assert.Contains("tiny.png", ex.Message);
        Assert.Contains("smaller than the scale", ex.Message);
        // Large enough for modcrop but not for the 11x11 SSIM window after shaving 4 px per side.
        var ex2 = Assert.Throws<ArgumentException>(() => BicubicBaseline.EvaluateImage(new ImageU8(16, 16, 3), 4, name: "small.png"));
        Assert.Contains("small.png", ex2.Message);
    }

    private sealed class SyncProgress(Action<SamDiffSR.Runtime.ProgressInfo> a) : IProgress<SamDiffSR.Runtime.ProgressInfo>
    {
        public void Report(SamDiffSR.Runtime.ProgressInfo value) => a(value);
    }
}
