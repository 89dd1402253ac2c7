using SamDiffSR.Data;
using Xunit;

namespace SamDiffSR.Tests.Data;

public class MatlabResizeTests
{
    // docs/data.md §Checksums: sha256[:16] of the raw LR pixel buffer (HxWx3, or HxW for gray bridge.png) of
    // LR = imresize(modcrop(HR, s), 1/s, 'bicubic') made by MATLAB (SelfExSR's LR files matched byte for byte).
    public static TheoryData<string, string, int, int, int, string> LrChecksums => new()
    {
        {"Set5", "baby.png", 2, 256, 256, "f57e118ca033107e" },
        {"Set5", "bird.png", 2, 144, 144, "d83403c53ed9165d" },
        {"Set5", "butterfly.png", 2, 128, 128, "fdd21057c7708085" },
        {"Set5", "head.png", 2, 140, 140, "05f7d762cd151869" },
        {"Set5", "woman.png", 2, 114, 172, "90ff7087854018d1" },
        {"Set5", "baby.png", 4, 128, 128, "08155c10a5fb0925" },
        {"Set5", "bird.png", 4, 72, 72, "41763f1c1ab0238c" },
        {"Set5", "butterfly.png", 4, 64, 64, "44964b84fa42882e" },
        {"Set5", "head.png", 4, 70, 70, "701b5b1c01f0450f" },
        {"Set5", "woman.png", 4, 57, 86, "5309aa740cc2c8d5" },
        {"Set14", "baboon.png", 2, 250, 240, "c352c2738d000f6e" },
        {"Set14", "barbara.png", 2, 360, 288, "7d6adfe45ac7d6e7" },
        {"Set14", "bridge.png", 2, 256, 256, "d2873a2d27fd56d9" },
        {"Set14", "coastguard.png", 2, 176, 144, "f50ce09fee29bf1f" },
        {"Set14", "comic.png", 2, 125, 180, "cd65f9374648b5c2" },
        {"Set14", "face.png", 2, 138, 138, "9576aaf284ed7683" },
        {"Set14", "flowers.png", 2, 250, 181, "94329f6a7728f4b7" },
        {"Set14", "foreman.png", 2, 176, 144, "208bb64bea209285" },
        {"Set14", "lenna.png", 2, 256, 256, "5a82ae65115bc378" },
        {"Set14", "man.png", 2, 256, 256, "f711b1284d5edc13" },
        {"Set14", "monarch.png", 2, 384, 256, "96195acfd4ede960" },
        {"Set14", "pepper.png", 2, 256, 256, "ed030845c67041d1" },
        {"Set14", "ppt3.png", 2, 264, 328, "abc2862e9e78cc97" },
        {"Set14", "zebra.png", 2, 293, 195, "7172d548777c650e" },
        {"Set14", "baboon.png", 4, 125, 120, "720afc67717b0914" },
        {"Set14", "barbara.png", 4, 180, 144, "672a9ef3c576917c" },
        {"Set14", "bridge.png", 4, 128, 128, "34044d7ca8a8be27" },
        {"Set14", "coastguard.png", 4, 88, 72, "d77366de89275299" },
        {"Set14", "comic.png", 4, 62, 90, "dccce9540a5e9a83" },
        {"Set14", "face.png", 4, 69, 69, "c46cdcbc80e93d80" },
        {"Set14", "flowers.png", 4, 125, 90, "ea6a932a235764aa" },
        {"Set14", "foreman.png", 4, 88, 72, "2bfa1e152ac8c5e4" },
        {"Set14", "lenna.png", 4, 128, 128, "3e0ec67762126245" },
        {"Set14", "man.png", 4, 128, 128, "e2ac4980c63bb489" },
        {"Set14", "monarch.png", 4, 192, 128, "a8cc9f94bdd88cc2" },
        {"Set14", "pepper.png", 4, 128, 128, "98b11563369cf343" },
        {"Set14", "ppt3.png", 4, 132, 164, "868d57782d7939ca" },
        {"Set14", "zebra.png", 4, 146, 97, "061476f97e72dcf1" },
        {"Set5", "baby.png", 3, 170, 170, "f6e0417646a2b4a5" },
        {"Set5", "bird.png", 3, 96, 96, "6cce0c3e0339c894" },
        {"Set5", "butterfly.png", 3, 85, 85, "2d0f7d9eb08e11a0" },
        {"Set5", "head.png", 3, 93, 93, "bfbf454e3dda3b18" },
        {"Set5", "woman.png", 3, 76, 114, "bf94172cf993cac4" },
        {"Set14", "baboon.png", 3, 166, 160, "3dcd9146269bd676" },
        {"Set14", "barbara.png", 3, 240, 192, "e0d172a1ae06ca4e" },
        {"Set14", "bridge.png", 3, 170, 170, "51e8d2340bb8df23" },
        {"Set14", "coastguard.png", 3, 117, 96, "2b46c761472b3c31" },
        {"Set14", "comic.png", 3, 83, 120, "85416289d34a03eb" },
        {"Set14", "face.png", 3, 92, 92, "05c7faa3ee489cef" },
        {"Set14", "flowers.png", 3, 166, 120, "579e14ea5b905123" },
        {"Set14", "foreman.png", 3, 117, 96, "37348e09451d73d9" },
        {"Set14", "lenna.png", 3, 170, 170, "1e10e8f6d710c2b2" },
        {"Set14", "man.png", 3, 170, 170, "8df0a00b15ce0136" },
        {"Set14", "monarch.png", 3, 256, 170, "1920c62ba10cf78d" },
        {"Set14", "pepper.png", 3, 170, 170, "1e362d7eedfb3d4a" },
        {"Set14", "ppt3.png", 3, 176, 218, "8ef54e833867f300" },
        {"Set14", "zebra.png", 3, 195, 130, "d85ed265c4f1012e" },    };

    [Theory]
    [MemberData(nameof(LrChecksums))]
    public void Downscale_IsBitExactToMatlab(string set, string file, int scale, int lrW, int lrH, string sha16)
    {
        var hr = TestImages.Hr(set, file);
        var lr = MatlabResize.Downscale(ImageOps.Modcrop(hr, scale), scale);
        Assert.Equal(lrW, lr.Width);
        Assert.Equal(lrH, lr.Height);
        Assert.Equal(file == "bridge.png" ? 1 : 3, lr.Channels);
        Assert.Equal(sha16, lr.PixelSha256()[..16]);
    }

    [Fact]
    public void MirroredBordersOrUnroundedPasses_WouldMissTheGoldenChecksum()
    {
        // docs/data.md §Bicubic degradation: the BasicSR-style port (mirrored borders) and float passes do not reproduce MATLAB.
        var hr = ImageOps.Modcrop(TestImages.Hr("Set5", "butterfly.png"), 2);
        var mirrored = MatlabResize.Downscale(hr, 2, new ImresizeOptions(ResizeBorder.Symmetric));
        Assert.NotEqual("fdd21057c7708085", mirrored.PixelSha256()[..16]);
        var viaFloat = MatlabResize.Imresize(ImageF64.FromU8(hr, 1.0), 0.5);
        int off = 0;
        var exact = MatlabResize.Downscale(hr, 2);
        for (int i = 0; i < exact.Data.Length; i++)
            if (MatlabResize.ToByte(viaFloat.Data[i]) != exact.Data[i]) off++;
        Assert.InRange(off / (double)exact.Data.Length, 0.01, 0.5); // §3.1 measured about 15%
    }

    [Fact]
    public void Cubic_IsKeysKernelWithAMinusHalf()
    {
        Assert.Equal(1.0, ResizeWeights.Cubic(0));
        Assert.Equal(0.0, ResizeWeights.Cubic(1));
        Assert.Equal(0.0, ResizeWeights.Cubic(2));
        Assert.Equal(0.0, ResizeWeights.Cubic(-2.5));
        Assert.Equal(0.5625, ResizeWeights.Cubic(0.5), 15);   // 1.5/8 - 2.5/4 + 1
        Assert.Equal(-0.0625, ResizeWeights.Cubic(-1.5), 15); // -0.5*3.375 + 2.5*2.25 - 6 + 2
    }

    [Fact]
    public void Weights_FollowMatlabContributions()
    {
        // x2 upscale of length 4: out x=1 -> u = 0.5 + 0.5(1 - 0.5) = 0.75, taps left = floor(0.75 - 2) = -2 ...
        var w = ResizeWeights.Create(4, 8, 2.0);
        Assert.Equal(8, w.OutLength);
        for (int i = 0; i < w.OutLength; i++)
        {
            double s = 0;
            for (int k = 0; k < w.Taps; k++) { s += w.Weights[i * w.Taps + k]; Assert.InRange(w.Indices[i * w.Taps + k], 0, 3); }
            Assert.Equal(1.0, s, 12);
        }
        // Antialiased /4: width 16, P = 18 taps minus the all-zero columns.
        var d = ResizeWeights.Create(16, 4, 0.25);
        Assert.True(d.Taps <= 18 && d.Taps >= 16, $"taps {d.Taps}");
    }

    [Fact]
    public void OutputSize_IsCeilOfScaledSize()
    {
        Assert.Equal(86, MatlabResize.OutputLength(257, 1.0 / 3)); // ceil(85.67)
        Assert.Equal(85, MatlabResize.OutputLength(255, 1.0 / 3));
        Assert.Equal(3, MatlabResize.OutputLength(30, 0.1));       // 30*0.1 = 3.0000000000000004 in double
        var img = new ImageU8(5, 7, 3);
        var up = MatlabResize.Imresize(img, 1.5);
        Assert.Equal(8, up.Height); // ceil(7.5)
        Assert.Equal(11, up.Width); // ceil(10.5)
    }

    [Fact]
    public void ConstantImage_StaysConstant_AndUint8Saturates()
    {
        var c = new ImageU8(9, 13, 3, Enumerable.Repeat((byte)200, 9 * 13 * 3).ToArray());
        Assert.All(MatlabResize.Imresize(c, 0.5).Data, v => Assert.Equal(200, v));
        Assert.All(MatlabResize.Imresize(c, 3.0).Data, v => Assert.Equal(200, v));
        // A 0/255 step overshoots with the cubic kernel; uint8 saturates, float keeps the overshoot.
        var step = new ImageU8(1, 8, 1, [0, 0, 0, 0, 255, 255, 255, 255]);
        var f = MatlabResize.Imresize(ImageF64.FromU8(step, 1.0), 4.0);
        Assert.True(f.Data.Max() > 255 && f.Data.Min() < 0);
        var u = MatlabResize.Imresize(step, 4.0);
        Assert.Contains((byte)255, u.Data);
        Assert.Contains((byte)0, u.Data);
    }

    [Fact]
    public void NonSquareScale_OrdersDimensionsBySmallerScaleFirst()
    {
        // imresize(I, [outH outW]) with different scales: the result must equal doing the smaller-scale dimension
        // first as two separate 1-D resizes.
        var rnd = new Random(1);
        var px = new byte[20 * 30 * 3]; rnd.NextBytes(px);
        var img = new ImageU8(20, 30, 3, px);
        var both = MatlabResize.Imresize(img, 40, 15); // rows x2, cols x0.5: cols first
        var colsFirst = MatlabResize.Imresize(MatlabResize.Imresize(img, 20, 15), 40, 15);
        Assert.Equal(colsFirst.Data, both.Data);
    }
}
