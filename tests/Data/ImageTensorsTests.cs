using SamDiffSR.Data;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;

namespace SamDiffSR.Tests.Data;

public class ImageTensorsTests
{
    public ImageTensorsTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void ToTensor_IsNchwInBothRanges_AndRoundTrips()
    {
        var img = new ImageU8(2, 3, 3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255, 12, 13, 14, 15, 16, 17]);
        using var t01 = ImageTensors.ToTensor(img);
        Assert.Equal(new long[] { 1, 3, 2, 3 }, t01.shape);
        Assert.Equal(torch.float32, t01.dtype);
        var v = t01.data<float>().ToArray();
        // channel 0 plane = pixels' R: 0, 3, 6, 9, 12, 15; channel 2 plane = B: 2, 5, 8, 255, 14, 17
        Assert.Equal(3f / 255f, v[1], 6);
        Assert.Equal(1f, v[2 * 6 + 3], 6);
        using var tpm = ImageTensors.ToTensor(img, TensorRange.MinusOneToOne);
        var w = tpm.data<float>().ToArray();
        Assert.Equal(-1f, w[0], 6);
        Assert.Equal(1f, w[2 * 6 + 3], 6);
        Assert.Equal(img.Data, ImageTensors.ToImage(t01).Data);
        Assert.Equal(img.Data, ImageTensors.ToImage(tpm, TensorRange.MinusOneToOne).Data);
    }

    [Fact]
    public void Gray_StaysOneChannel_UnlessReplicationIsAsked()
    {
        var g = new ImageU8(2, 2, 1, [10, 20, 30, 40]);
        using var t1 = ImageTensors.ToTensor(g);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, t1.shape);
        using var t3 = ImageTensors.ToTensor(g, grayToRgb: true);
        Assert.Equal(new long[] { 1, 3, 2, 2 }, t3.shape);
        Assert.True(torch.allclose(t3[0, 0], t3[0, 2]));
        Assert.Equal(g.Data, ImageTensors.ToImage(t1[0]).Data);
    }

    [Fact]
    public void Batch_StacksEqualSizes_AndRejectsMismatches_AndClipsOnTheWayBack()
    {
        var a = new ImageU8(4, 4, 3); var b = new ImageU8(4, 4, 3);
        using var t = ImageTensors.ToTensor([a, b]);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, t.shape);
        Assert.Throws<ArgumentException>(() => ImageTensors.ToTensor([a, new ImageU8(4, 5, 3)]));
        using var x = torch.tensor(new float[] { -0.5f, 0.4f / 255f, 1.6f / 255f, 2f }, [1, 1, 2, 2]);
        var img = ImageTensors.ToImage(x);
        Assert.Equal(new byte[] { 0, 0, 2, 255 }, img.Data); // rounded to nearest, clipped to 0..255
    }
}
