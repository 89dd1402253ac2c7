using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class PerceptualImageTests
{
    [Fact]
    public void BytesAreScaledBy255AndLaidOutChannelLast()
    {
        var img = PerceptualImage.FromBytes([0, 51, 255, 102, 153, 204], 1, 2, 3);
        Assert.Equal(0.2f, img[0, 0, 1], 6);
        Assert.Equal(1.0f, img[0, 0, 2]);
        Assert.Equal(0.8f, img[0, 1, 2], 6);
        Assert.Equal(new[] { 0f, 0.4f }, img.Plane(0).Select(v => MathF.Round(v, 6)));
    }

    [Fact]
    public void TensorChwIsPermutedToHwc()
    {
        TorchRuntime.Initialize(threads: 1);
        using var scope = torch.NewDisposeScope();
        // (C=2, H=2, W=3): value = 100c + 10y + x (scaled to [0, 1] by /1000).
        var t = torch.tensor(Enumerable.Range(0, 12).Select(i => (float)((i / 6) * 100 + (i % 6 / 3) * 10 + i % 3) / 1000f).ToArray(), [2, 2, 3]);
        var img = PerceptualImage.FromTensor(t.unsqueeze(0));
        Assert.Equal((2, 3, 2), (img.Height, img.Width, img.Channels));
        Assert.Equal(0.112f, img[1, 2, 1], 6);
        Assert.Equal(0.012f, img[1, 2, 0], 6);
        Assert.Throws<ArgumentException>(() => PerceptualImage.FromTensor(torch.zeros(2, 3, 4, 5)));
    }

    [Fact]
    public void CropAndValidation()
    {
        var img = OnnxFidTests.Ramp(5, 6);
        var c = img.Crop(1, 2, 3, 4);
        Assert.Equal(img[2, 3, 1], c[1, 1, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => img.Crop(3, 0, 3, 4));
        Assert.Throws<ArgumentException>(() => PerceptualImage.FromHwc(new float[5], 1, 2, 3));
        Assert.Throws<ArgumentException>(() => PerceptualImage.FromHwc([float.NaN, 0, 0], 1, 1, 3));
    }
}
