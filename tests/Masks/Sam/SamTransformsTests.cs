using SamDiffSR.Masks.Sam;
using Xunit;

namespace SamDiffSR.Tests.Masks.Sam;

public class SamTransformsTests
{
    [Fact]
    public void PreprocessShape_AndApplyCoords()
    {
        Assert.Equal((768, 1024), SamTransforms.PreprocessShape(48, 64, 1024));
        // 1356·1024/2040 = 680.66 → int(681.16) = 681
        Assert.Equal((681, 1024), SamTransforms.PreprocessShape(1356, 2040, 1024));
        Assert.Equal((1024, 512), SamTransforms.PreprocessShape(200, 100, 1024));
        Assert.Equal((512.0, 384.0), SamTransforms.ApplyCoords((32, 24), 48, 64, 1024));
        var (x, y) = SamTransforms.ApplyCoords((1020, 678), 1356, 2040, 1024);
        Assert.Equal(1020 * (1024.0 / 2040), x, 12);
        Assert.Equal(678 * (681.0 / 1356), y, 12);
    }

    private static byte[] Pattern(int h, int w)
    {
        var a = new byte[h * w * 3];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
                for (int ch = 0; ch < 3; ch++)
                    a[(r * w + c) * 3 + ch] = (byte)((r * 37 + c * 91 + ch * 53 + r * c * 13) % 256);
        return a;
    }

    // Golden values: Pillow 9.4.0 (Debian python3-pil), Image.fromarray(Pattern(5, 7)).resize((w, h), Image.BILINEAR),
    // flattened HWC.
    [Theory]
    [InlineData(3, 4, "66,114,160,145,141,118,116,169,136,108,161,146,126,152,143,143,139,123,122,147,131,101,130,180,129,135,181,143,144,121,160,84,137,176,98,151")]
    [InlineData(8, 3, "78,131,129,92,145,123,121,174,117,99,128,150,119,145,130,118,171,138,126,127,173,150,147,136,112,165,167,121,157,135,123,157,108,85,138,174,134,153,131,133,143,113,105,123,176,165,115,161,180,106,151,170,119,172,133,138,160,151,111,130,173,95,148,106,159,157,125,118,111,170,77,130")]
    [InlineData(2, 2, "119,140,138,114,155,141,140,135,140,148,113,148")]
    [InlineData(9, 11, "0,53,106,41,94,147,99,152,182,157,210,77,122,175,65,17,70,123,75,128,181,133,186,169,191,244,64,109,162,99,34,87,140,12,65,118,55,108,161,116,161,199,177,168,97,145,143,88,42,95,148,103,156,155,141,194,138,147,200,90,107,160,135,72,125,178,33,86,139,79,132,185,144,177,227,210,97,129,182,91,125,85,138,191,150,203,111,153,206,85,74,127,133,103,156,196,136,189,242,53,106,159,103,156,158,162,203,153,161,110,132,148,110,121,127,180,119,124,177,98,114,167,116,93,146,186,88,141,194,86,139,192,74,127,180,127,180,117,178,231,52,90,143,126,95,148,107,169,222,19,81,134,93,62,115,168,136,189,242,71,124,177,8,61,114,95,148,201,151,139,141,207,130,80,123,137,159,132,134,145,211,122,61,128,129,140,113,128,181,192,116,169,132,120,173,72,125,178,115,168,221,162,112,165,210,56,106,148,140,172,159,130,164,225,50,103,164,116,169,157,128,181,222,66,119,179,114,167,136,160,213,136,189,242,121,136,189,109,84,122,142,172,101,145,167,112,125,93,146,159,72,125,169,75,128,149,109,162,175,96,149,200,82,135,148,201,254,97,150,203,48,101,131,139,192,59,137,190,80,65,118,171,156,46,99,177,44,97,105,135,188,173,86,139,238,35,88")]
    public void ResizeBilinear_MatchesPillow(int nh, int nw, string expected)
    {
        var got = SamTransforms.ResizeBilinearPil(Pattern(5, 7), 5, 7, nh, nw);
        Assert.Equal(expected.Split(',').Select(byte.Parse).ToArray(), got);
    }

    [Fact]
    public void ResizeBilinear_HandComputed1D()
    {
        // 1×4 → 1×2 (scale 2, support 2): out0 centre 1.0, taps 0..2 with tri((j − 1 + 0.5)/2) = 0.75, 0.75, 0.25
        // → (3a + 3b + c)/7; out1 centre 3.0, taps 1..3 → (b + 3c + 3d)/7. With a..d = 0, 70, 140, 210: 50 and 160.
        byte[] row = { 0, 0, 0, 70, 70, 70, 140, 140, 140, 210, 210, 210 };
        var down = SamTransforms.ResizeBilinearPil(row, 1, 4, 1, 2);
        Assert.Equal(new byte[] { 50, 50, 50, 160, 160, 160 }, down);
        // 1×2 → 1×4 (upscaling: ordinary half-pixel bilinear with edge clamp): a, 0.75a + 0.25b, 0.25a + 0.75b, b
        byte[] two = { 0, 0, 0, 200, 200, 200 };
        var up = SamTransforms.ResizeBilinearPil(two, 1, 2, 1, 4);
        Assert.Equal(new byte[] { 0, 50, 150, 200 }, up.Where((_, i) => i % 3 == 0));
        // a constant image stays constant
        var flat = Enumerable.Repeat((byte)77, 5 * 7 * 3).ToArray();
        Assert.All(SamTransforms.ResizeBilinearPil(flat, 5, 7, 13, 2), v => Assert.Equal(77, v));
    }

    [Fact]
    public void PostprocessLowRes_TorchBilinear_EdgeClampAndLinearField()
    {
        // 2×2 [[0, 4], [0, 4]] → 4×4 with align_corners=False: columns 0, 1, 3, 4 (torch F.interpolate result)
        var up = SamTransforms.PostprocessLowResMask(new float[] { 0, 4, 0, 4 }, 2, 2, 4, 4, 4, 4, 4);
        Assert.Equal(new float[] { 0, 1, 3, 4 }, up.Take(4));
        // A linear field L = 2j + 3i on the 256² grid, upscaled to 1024², cropped to 768×1024, resized to 48×64:
        // orig pixel (r, c) reads 1024-frame positions 16c + 7 and 16c + 8 (weights ½), i.e. low-res 4c + 1.5,
        // so away from clamped borders the result is 2(4c + 1.5) + 3(4r + 1.5) = 8c + 12r + 7.5.
        var lr = new float[256 * 256];
        for (int i = 0; i < 256; i++) for (int j = 0; j < 256; j++) lr[i * 256 + j] = 2 * j + 3 * i;
        var m = SamTransforms.PostprocessLowResMask(lr, 256, 256, 1024, 768, 1024, 48, 64);
        Assert.Equal(48 * 64, m.Length);
        for (int r = 0; r < 48; r++)
            for (int c = 0; c < 64; c++)
                Assert.Equal(8 * c + 12 * r + 7.5, m[r * 64 + c], 2);
    }
}
