using System.Text.Json;
using SamDiffSR.Data;
using Xunit;

namespace SamDiffSR.Tests.Data;

public class SrdiffPreprocessTests
{
    private static (ImageU8 Lr, float[] LrUp) ReadVector()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("tiny_denoiser_io.json")));
        var inputs = doc.RootElement.GetProperty("inputs");
        var rows = inputs.GetProperty("lr_uint8_HWC");
        int h = rows.GetArrayLength(), w = rows[0].GetArrayLength();
        var px = new byte[h * w * 3];
        int i = 0;
        foreach (var r in rows.EnumerateArray())
            foreach (var p in r.EnumerateArray())
                foreach (var v in p.EnumerateArray()) px[i++] = v.GetByte();
        var up = inputs.GetProperty("img_lr_up").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (new ImageU8(h, w, 3, px), up);
    }

    [Fact]
    public void LrUp_MatchesOfficialCodeVector()
    {
        // data/reference/tiny_denoiser_io.json: img_lr_up = Normalize(0.5,0.5)(imresize(lr_uint8 / 256, 4)) from the
        // official utils_sr/matlab_resize.py, flattened NCHW (1, 3, 32, 32).
        var (lr, expected) = ReadVector();
        var up = SrdiffPreprocess.LrUp(lr, 4);
        Assert.Equal(32, up.Height);
        using var t = ImageTensors.ToTensor(up, TensorRange.MinusOneToOne);
        Assert.Equal(new long[] { 1, 3, 32, 32 }, t.shape);
        var got = t.data<float>().ToArray();
        double maxErr = 0;
        for (int k = 0; k < got.Length; k++) maxErr = Math.Max(maxErr, Math.Abs(got[k] - expected[k]));
        Assert.True(maxErr < 1e-6, $"max |diff| {maxErr}");
        // The /256 quirk: LR-up never reaches +1 (max 2*255/256 - 1 before overshoot is possible, docs/official-code.md §Residual mode and LR-up).
    }

    [Fact]
    public void LrUp_WithMatlabBorders_DiffersOnlyAtTheBorder()
    {
        var (lr, _) = ReadVector();
        var port = SrdiffPreprocess.LrUp(lr, 4);
        var matlab = SrdiffPreprocess.LrUp(lr, 4, ImresizeOptions.Matlab);
        bool interiorSame = true, borderDiffers = false;
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                {
                    double d = Math.Abs(port[y, x, c] - matlab[y, x, c]);
                    bool inner = y >= 4 && y < 28 && x >= 4 && x < 28;
                    if (inner && d > 1e-12) interiorSame = false;
                    if (!inner && d > 1e-6) borderDiffers = true;
                }
        Assert.True(interiorSame);
        Assert.True(borderDiffers);
    }
}
