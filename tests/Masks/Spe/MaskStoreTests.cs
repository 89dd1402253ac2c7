using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Tests.Masks.Spe;

public class MaskStoreTests
{
    /// <summary>A map whose value encodes its position: f(r, c) = r + c / 1024 (exact in float32).</summary>
    private static SpeMap PositionMap(int h, int w)
    {
        var v = new float[h * w];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) v[r * w + c] = r + c / 1024f;
        return new SpeMap(h, w, v);
    }

    [Fact]
    public void Load_PairsByStem_AndValidatesShape()
    {
        using var tmp = new TempDir();
        var map = PositionMap(6, 8);
        NpyFile.Write(tmp.Sub("0001.npy"), map);
        var store = new MaskStore(tmp.Path);
        Assert.Equal(tmp.Sub("0001.npy"), store.MaskPathFor("/data/DF2K_train_HR/0001.png"));
        Assert.Equal(map.ToArray(), store.Load("/data/DF2K_train_HR/0001.png", 6, 8).ToArray());
        Assert.Equal(new[] { "/x/0002.png" }, store.FindMissing(new[] { "/x/0001.png", "/x/0002.png" }));

        var ex = Assert.Throws<InvalidDataException>(() => store.Load("/data/0001.png", 6, 9));
        Assert.Contains(tmp.Sub("0001.npy"), ex.Message);
        Assert.Contains("(6, 8)", ex.Message);  // found
        Assert.Contains("(6, 9)", ex.Message);  // expected
        Assert.Contains("ShapeMismatchPolicy", ex.Message); // the fix
    }

    [Fact]
    public void MissingMap_ErrorNamesImageAndExpectedPath_OrZerosWhenAllowed()
    {
        using var tmp = new TempDir();
        var ex = Assert.Throws<FileNotFoundException>(() => new MaskStore(tmp.Path).Load("/imgs/0042.png", 4, 4));
        Assert.Contains("/imgs/0042.png", ex.Message);
        Assert.Contains(tmp.Sub("0042.npy"), ex.Message);
        var log = new List<string>();
        var zeros = new MaskStore(tmp.Path, new MaskStoreOptions(MissingMaskPolicy.UseZeros), log.Add).Load("/imgs/0042.png", 4, 5);
        Assert.Equal((4, 5), (zeros.Height, zeros.Width));
        Assert.All(zeros.ToArray(), v => Assert.Equal(0f, v));
        Assert.Single(log);
        Assert.Contains("0042", log[0]);
        Assert.Throws<DirectoryNotFoundException>(() => new MaskStore(tmp.Sub("nope")));
    }

    [Fact]
    public void OfficialNoneFile_IsZerosOnlyWhenAllowed()
    {
        using var tmp = new TempDir();
        // what np.save(path, None) writes: a 0-d object array + pickle
        string dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        string header = dict + new string(' ', 64 - (10 + dict.Length + 1) % 64) + "\n";
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }
            .Concat(System.Text.Encoding.ASCII.GetBytes(header)).Concat(new byte[] { 0x80, 0x02, 0x4E, 0x2E }).ToArray();
        File.WriteAllBytes(tmp.Sub("0007.npy"), bytes);
        Assert.Throws<InvalidDataException>(() => new MaskStore(tmp.Path).Load("0007.png", 3, 3));
        var log = new List<string>();
        var z = new MaskStore(tmp.Path, MaskStoreOptions.OfficialPacker, log.Add).Load("0007.png", 3, 3);
        Assert.All(z.ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains("None", log.Single());
    }

    [Fact]
    public void ShapeMismatch_ResizeOrTrim()
    {
        using var tmp = new TempDir();
        NpyFile.Write(tmp.Sub("a.npy"), PositionMap(10, 12));
        var resized = new MaskStore(tmp.Path, MaskStoreOptions.OfficialPacker).Load("a.png", 20, 24);
        Assert.Equal((20, 24), (resized.Height, resized.Width));
        // 2× upscale, cv2 geometry: dst 3 -> src (3.5)/2 − 0.5 = 1.25 -> 1.25 + c-part
        Assert.Equal(1.25f + (5.5f / 2 - 0.5f) / 1024f, resized[3, 5], 5);
        Assert.Equal(0f, resized[0, 0]); // clamped at the border
        var trimmed = new MaskStore(tmp.Path, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage)).Load("a.png", 8, 12);
        Assert.Equal(PositionMap(10, 12).Crop(0, 0, 8, 12).ToArray(), trimmed.ToArray());
        Assert.Throws<InvalidDataException>(() =>
            new MaskStore(tmp.Path, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage)).Load("a.png", 11, 12));
    }

    [Fact]
    public void CropAligned_IsTheSameWindowAsTheImagePatch()
    {
        var map = PositionMap(40, 50);
        var patch = MaskStore.CropAligned(map, 12, 20, 16, 24);
        Assert.Equal((16, 24), (patch.Height, patch.Width));
        for (int r = 0; r < 16; r++)
            for (int c = 0; c < 24; c++)
                Assert.Equal(map[12 + r, 20 + c], patch[r, c]);
        Assert.Throws<ArgumentOutOfRangeException>(() => MaskStore.CropAligned(map, 30, 0, 16, 16));
    }

    [Fact]
    public void CropOfficialMisaligned_TakesLrCoordinatesOfTheFullMap_ThenResizes()
    {
        var map = PositionMap(640, 640);
        // HR crop at (320, 0), size 320, scale 4: official window rows 80..159, cols 0..79, resized to 320×320
        var mis = MaskStore.CropOfficialMisaligned(map, 320, 0, 320, 4);
        Assert.Equal((320, 320), (mis.Height, mis.Width));
        Assert.Equal(map.Crop(80, 0, 80, 80).ResizeBilinear(320, 320).ToArray(), mis.ToArray());
        static double Src(int d) => Math.Clamp((d + 0.5) / 4 - 0.5, 0, 79);
        foreach (var (r, c) in new[] { (0, 0), (2, 7), (100, 201), (319, 319) })
            Assert.Equal(80 + Src(r) + Src(c) / 1024, mis[r, c], 4);
        // the aligned crop at the same place starts at row 320, not 80
        Assert.Equal(320f, MaskStore.CropAligned(map, 320, 0, 320, 320)[0, 0]);
        Assert.Equal(80f, mis[0, 0]);

        // border crop: the HR crop is only 500 − 320 = 180 rows, the window is still 80 rows -> resized to 180
        var edge = MaskStore.CropOfficialMisaligned(PositionMap(500, 640), 320, 320);
        Assert.Equal((180, 320), (edge.Height, edge.Width));
        Assert.Equal(80f + 80f / 1024f, edge[0, 0]);
    }
}
