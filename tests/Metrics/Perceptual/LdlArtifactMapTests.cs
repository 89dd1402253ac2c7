using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class LdlArtifactMapTests
{
    [Fact]
    public void ConstantResidualGivesZeroMapAndScore()
    {
        var gt = Filled(9, 11, 3, 0.5f);
        var sr = Filled(9, 11, 3, 0.3f);
        var r = LdlArtifactMap.Compute(gt, sr);
        Assert.All(r.Residual.ToArray(), v => Assert.Equal(0.6, v, 6));
        Assert.Equal(0.0, r.PatchWeight);
        Assert.All(r.Map.ToArray(), v => Assert.Equal(0.0, v, 12));
        Assert.Equal(0.0, r.Score, 12);
        Assert.All(r.RenderGray8(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void CheckerboardHasKnownPatchAndPixelWeights()
    {
        // R(y, x) = (x + y) mod 2 on 8×8: 32 ones, mean 1/2, unbiased var = 64·(1/4)/63 = 16/63 → w_patch = (16/63)^(1/5).
        // Any 7×7 window holds 25 of one parity and 24 of the other: var = (k − k²/49)/48 = 600/2352 = 25/98 for k = 24 or 25.
        // Reflect padding (−1 → 1) preserves parity, so this holds at the borders too (replicate padding would not).
        const int h = 8, w = 8;
        var residual = new double[h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++) residual[y * w + x] = (x + y) % 2;
        var r = LdlArtifactMap.FromResidual(residual, h, w);
        Assert.Equal(Math.Pow(16.0 / 63.0, 0.2), r.PatchWeight, 14);
        Assert.All(r.PixelWeight.ToArray(), v => Assert.Equal(25.0 / 98.0, v, 14));
        var m = Math.Pow(16.0 / 63.0, 0.2) * 25.0 / 98.0;
        Assert.All(r.Map.ToArray(), v => Assert.Equal(m, v, 14));
        Assert.Equal(100 * m, r.Score, 12);
        Assert.Equal(m, r.MeanMap, 14);
    }

    [Fact]
    public void PatchWeightFromImagesWithKnownGlobalVariance()
    {
        // SR = 0, GT = a/3 in each of 3 channels → R = a. Values a: 0.1 on half of the 4×4 pixels, 0.7 on the rest;
        // mean 0.4, squared deviations 0.09 each, unbiased var = 16·0.09/15.
        const int h = 4, w = 4;
        var gt = new float[h * w * 3];
        for (var i = 0; i < h * w; i++)
            for (var c = 0; c < 3; c++) gt[i * 3 + c] = (i % 2 == 0 ? 0.1f : 0.7f) / 3f;
        var r = LdlArtifactMap.Compute(gt, new float[gt.Length], h, w, 3, window: 3);
        var residual = r.Residual.ToArray();
        var mean = residual.Average();
        var expectedVar = residual.Sum(v => (v - mean) * (v - mean)) / (h * w - 1);
        Assert.Equal(16 * 0.09 / 15, expectedVar, 6); // the float32 inputs are within 1e-7 of 0.1/0.7
        Assert.Equal(Math.Pow(expectedVar, 0.2), r.PatchWeight, 14);
    }

    [Fact]
    public void ReflectPaddingAtTheCornerMatchesDirectComputation()
    {
        const int h = 10, w = 12;
        var rng = new Random(4);
        var residual = Enumerable.Range(0, h * w).Select(_ => rng.NextDouble() * 3).ToArray();
        var pix = LdlArtifactMap.LocalVariance(residual, h, w);
        // The 7×7 window at (0, 0) covers rows/cols −3..3, which reflect to 3, 2, 1, 0, 1, 2, 3.
        int[] idx = [3, 2, 1, 0, 1, 2, 3];
        var window = (from yy in idx from xx in idx select residual[yy * w + xx]).ToArray();
        Assert.Equal(Var(window), pix[0], 13);
        // Bottom-right corner (9, 11): rows 6..12 → 6, 7, 8, 9, 8, 7, 6; cols 8..14 → 8, 9, 10, 11, 10, 9, 8.
        int[] ry = [6, 7, 8, 9, 8, 7, 6];
        int[] rx = [8, 9, 10, 11, 10, 9, 8];
        var window2 = (from yy in ry from xx in rx select residual[yy * w + xx]).ToArray();
        Assert.Equal(Var(window2), pix[h * w - 1], 13);
        // An interior pixel (5, 6) is the plain window.
        var window3 = (from yy in Enumerable.Range(2, 7) from xx in Enumerable.Range(3, 7) select residual[yy * w + xx]).ToArray();
        Assert.Equal(Var(window3), pix[5 * w + 6], 13);
    }

    [Fact]
    public void ReflectIndexFollowsPyTorchSemantics()
    {
        int[] expected = [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1];
        for (var i = -3; i <= 7; i++) Assert.Equal(expected[i + 3], LdlArtifactMap.ReflectIndex(i, 5));
    }

    [Fact]
    public void MatchesTorchReflectPadUnfoldVariance()
    {
        // Independent implementation of LDL's get_local_weights with libtorch ops: F.pad(reflect), unfold, var(unbiased).
        TorchRuntime.Initialize(threads: 1);
        const int h = 13, w = 17, c = 3;
        var rng = new Random(9);
        var gt = Enumerable.Range(0, h * w * c).Select(_ => (float)rng.NextDouble()).ToArray();
        var sr = Enumerable.Range(0, h * w * c).Select(_ => (float)rng.NextDouble()).ToArray();
        var ours = LdlArtifactMap.Compute(gt, sr, h, w, c);

        using var scope = torch.NewDisposeScope();
        var tg = torch.tensor(gt.Select(v => (double)v).ToArray(), [h, w, c], torch.float64).permute(2, 0, 1).unsqueeze(0);
        var ts = torch.tensor(sr.Select(v => (double)v).ToArray(), [h, w, c], torch.float64).permute(2, 0, 1).unsqueeze(0);
        var res = (tg - ts).abs().sum(1, keepdim: true); // (1, 1, H, W)
        var patch = res.var(new long[] { -1, -2, -3 }, unbiased: true, keepdim: true).pow(0.2);
        var padded = torch.nn.functional.pad(res, [3, 3, 3, 3], PaddingModes.Reflect);
        var unfolded = padded.unfold(2, 7, 1).unfold(3, 7, 1); // (1, 1, H, W, 7, 7)
        var pix = unfolded.var(new long[] { -1, -2 }, unbiased: true, keepdim: true).squeeze(-1).squeeze(-1);
        var map = (patch * pix).flatten().data<double>().ToArray();
        Assert.Equal(patch.item<double>(), ours.PatchWeight, 12);
        var oursMap = ours.Map.ToArray();
        for (var i = 0; i < map.Length; i++) Assert.Equal(map[i], oursMap[i], 12);
    }

    [Fact]
    public void SymmetricInGroundTruthAndSuperResolved()
    {
        var rng = new Random(2);
        var a = Enumerable.Range(0, 8 * 9 * 3).Select(_ => (float)rng.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 8 * 9 * 3).Select(_ => (float)rng.NextDouble()).ToArray();
        var ab = LdlArtifactMap.Compute(PerceptualImage.FromHwc(a, 8, 9, 3), PerceptualImage.FromHwc(b, 8, 9, 3));
        var ba = LdlArtifactMap.Compute(PerceptualImage.FromHwc(b, 8, 9, 3), PerceptualImage.FromHwc(a, 8, 9, 3));
        Assert.Equal(ab.Map.ToArray(), ba.Map.ToArray());
        Assert.Equal(ab.Score, ba.Score);
        Assert.True(ab.Score > 0);
    }

    [Fact]
    public void SetScoreIsTheMeanOfImageScores()
    {
        Assert.Equal(2.0, LdlArtifactMap.SetScore([1.0, 2.0, 3.0]), 15);
        Assert.Throws<ArgumentException>(() => LdlArtifactMap.SetScore([]));
    }

    [Fact]
    public void RenderingRules()
    {
        double[] map = [0, 0.5, 1, 2];
        Assert.Equal(new byte[] { 0, 64, 128, 255 }, ArtifactMapResult.RenderGray8(map)); // 255·0.25 = 63.75 → 64
        Assert.Equal(new byte[] { 0, 128, 255, 255 }, ArtifactMapResult.RenderGray8(map, ceiling: 1.0)); // 127.5 → 128 (half away from zero), clipped above
        Assert.Throws<ArgumentException>(() => ArtifactMapResult.RenderGray8(map, ceiling: 0));
    }

    [Fact]
    public void RejectsBadShapes()
    {
        Assert.Throws<ArgumentException>(() => LdlArtifactMap.Compute(Filled(8, 8, 3, 0), Filled(8, 9, 3, 0)));
        Assert.Throws<ArgumentException>(() => LdlArtifactMap.Compute(Filled(3, 8, 1, 0), Filled(3, 8, 1, 0))); // H ≤ pad
        Assert.Throws<ArgumentException>(() => LdlArtifactMap.FromResidual(new double[64], 8, 8, window: 4));
    }

    private static PerceptualImage Filled(int h, int w, int c, float v) => PerceptualImage.FromHwc(Enumerable.Repeat(v, h * w * c).ToArray(), h, w, c);

    private static double Var(double[] x)
    {
        var m = x.Average();
        return x.Sum(v => (v - m) * (v - m)) / (x.Length - 1);
    }
}
