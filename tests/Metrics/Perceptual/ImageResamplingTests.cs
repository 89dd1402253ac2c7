using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class ImageResamplingTests
{
    // Pillow's bicubic kernel (a = −0.5) at the offsets used below, by hand:
    // k(0.25) = (1.5·0.25 − 2.5)·0.0625 + 1 = 0.8671875; k(0.75) = (1.5·0.75 − 2.5)·0.5625 + 1 = 0.2265625;
    // k(1.25) = (((1.25 − 5)·1.25 + 8)·1.25 − 4)·(−0.5) = −0.0703125.
    private const double K025 = 0.8671875, K075 = 0.2265625, K125 = -0.0703125;

    [Fact]
    public void KernelValues()
    {
        Assert.Equal(1.0, ImageResampling.BicubicKernel(0));
        Assert.Equal(K025, ImageResampling.BicubicKernel(-0.25), 15);
        Assert.Equal(K075, ImageResampling.BicubicKernel(0.75), 15);
        Assert.Equal(K125, ImageResampling.BicubicKernel(1.25), 15);
        Assert.Equal(0.0, ImageResampling.BicubicKernel(2.0));
    }

    [Fact]
    public void PilUpsampleTwoToFourByHand()
    {
        // Out 0: centre 0.25, window [0, 2): weights k(0.25), k(1.25). Out 1: centre 0.75: k(0.25), k(0.75). Mirror for 2, 3.
        const float a = 10, b = 200;
        var r = ImageResampling.PilBicubic([a, b], 1, 2, 1, 4);
        Assert.Equal((K025 * a + K125 * b) / (K025 + K125), r[0], 3);
        Assert.Equal((K025 * a + K075 * b) / (K025 + K075), r[1], 3);
        Assert.Equal((K075 * a + K025 * b) / (K025 + K075), r[2], 3);
        Assert.Equal((K125 * a + K025 * b) / (K025 + K125), r[3], 3);
        // The same along the vertical axis.
        var c = ImageResampling.PilBicubic([a, b], 2, 1, 4, 1);
        Assert.Equal(r, c);
    }

    [Fact]
    public void PilDownsampleIsAntialiased()
    {
        // 4 → 2: scale 2, support 4, centre of out 0 is 1.0, window [0, 4), taps k((x − 0.5)/2): k(.25), k(.25), k(.75), k(1.25).
        float[] x = [1, 2, 4, 8];
        var r = ImageResampling.PilBicubic(x, 1, 4, 1, 2);
        var s = K025 + K025 + K075 + K125;
        Assert.Equal((K025 * 1 + K025 * 2 + K075 * 4 + K125 * 8) / s, r[0], 5);
        Assert.Equal((K125 * 1 + K075 * 2 + K025 * 4 + K025 * 8) / s, r[1], 5);
    }

    [Fact]
    public void PilKeepsConstantsAndIsIdentityAtSameSize()
    {
        var c = Enumerable.Repeat(137.25f, 7 * 5).ToArray();
        Assert.All(ImageResampling.PilBicubic(c, 7, 5, 299, 299), v => Assert.Equal(137.25, v, 3));
        var rng = new Random(1);
        var p = Enumerable.Range(0, 12).Select(_ => (float)rng.NextDouble()).ToArray();
        Assert.Equal(p, ImageResampling.PilBicubic(p, 3, 4, 3, 4));
    }

    [Fact]
    public void TorchBilinearByHandAndAgainstLibtorch()
    {
        var r = ImageResampling.TorchBilinear([4f, 8f], 1, 2, 2.0, out var oh, out var ow);
        Assert.Equal((2, 4), (oh, ow));
        Assert.Equal(new[] { 4f, 5f, 7f, 8f, 4f, 5f, 7f, 8f }, r); // both output rows sample the single input row

        TorchRuntime.Initialize(threads: 1);
        const int h = 7, w = 9;
        const double s = 225.0 / 7;
        var rng = new Random(5);
        var plane = Enumerable.Range(0, h * w).Select(_ => (float)rng.NextDouble()).ToArray();
        var ours = ImageResampling.TorchBilinear(plane, h, w, s, out var nh, out var nw);
        using var scope = torch.NewDisposeScope();
        var t = torch.tensor(plane.Select(v => (double)v).ToArray(), [1, 1, h, w], torch.float64);
        var up = torch.nn.functional.interpolate(t, scale_factor: [s, s], mode: torch.InterpolationMode.Bilinear, align_corners: false);
        Assert.Equal(new long[] { 1, 1, nh, nw }, up.shape);
        var expected = up.flatten().data<double>().ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], ours[i], 1e-6); // ours is stored as float32
    }
}
