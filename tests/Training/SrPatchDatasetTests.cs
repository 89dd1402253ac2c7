using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static TorchSharp.torch;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <see cref="SrPatchDataset"/>: per-step determinism, HR/LR/LR-up/SPE alignment (position-coded images and maps make
/// every pixel's origin checkable), flips and transposes applied alike to all four, the Reduce rule, skipped images,
/// and the official misaligned SPE window.
/// </summary>
public class SrPatchDatasetTests
{
    private const int S = 4;

    public SrPatchDatasetTests() => TorchRuntime.Initialize(threads: 1);

    private static SrPatchDataset PositionDataset(int h, int w, PatchOptions options, LrUpRecipe recipe = LrUpRecipe.Official) =>
        new([SrPatchDataset.Prepare("pos.png", PositionImage(h, w), S, recipe, PositionMap(h, w))], S, options);

    [Fact]
    public void SameStep_SameBatch_DifferentStepOrSeed_DifferentBatch()
    {
        var a = TexturedDataset(patch: 16);
        var b = TexturedDataset(patch: 16);
        using var scope = NewDisposeScope();
        var first = a.GetBatch(5, 2, seed: 1, withMasks: true);
        a.GetBatch(40, 2, 1, true); a.GetBatch(3, 2, 1, true);          // other steps (other epochs) in between
        var again = a.GetBatch(5, 2, seed: 1, withMasks: true);
        var fresh = b.GetBatch(5, 2, seed: 1, withMasks: true);          // a new dataset object (as after a resume)
        foreach (var other in new[] { again, fresh })
        {
            Assert.True(first.Hr.equal(other.Hr).all().item<bool>());
            Assert.True(first.Lr.equal(other.Lr).all().item<bool>());
            Assert.True(first.LrUp.equal(other.LrUp).all().item<bool>());
            Assert.True(first.Mask!.equal(other.Mask!).all().item<bool>());
        }
        Assert.False(first.Hr.equal(a.GetBatch(6, 2, 1, true).Hr).all().item<bool>());
        Assert.False(first.Hr.equal(a.GetBatch(5, 2, 2, true).Hr).all().item<bool>());
        Assert.Null(a.GetBatch(5, 2, 1, withMasks: false).Mask);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, first.Hr.shape);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, first.Lr.shape);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, first.LrUp.shape);
        Assert.Equal(new long[] { 2, 1, 16, 16 }, first.Mask!.shape);
    }

    [Fact]
    public void EachEpoch_VisitsEveryImageOnce()
    {
        var ds = TexturedDataset(count: 3, patch: 16);
        for (long epoch = 0; epoch < 4; epoch++)
        {
            var seen = Enumerable.Range(0, 3).Select(i => ds.ImageIndex(epoch * 3 + i, 1, 0, seed: 9)).Order().ToArray();
            Assert.Equal(new[] { 0, 1, 2 }, seen);
        }
        // Batch layout: sample i of step k is global sample k·B + i.
        Assert.Equal(ds.ImageIndex(7, 1, 0, 9), ds.ImageIndex(3, 2, 1, 9));
    }

    [Fact]
    public void Patches_HrLrLrUpAndMask_AreCutAtTheSameCoordinates()
    {
        const int h = 48, w = 40, p = 16;
        var ds = PositionDataset(h, w, new PatchOptions(p, Reduce: SpeReduce.None));
        var img = ds.Images[0];
        var tops = new HashSet<int>(); var lefts = new HashSet<int>();
        for (long step = 0; step < 12; step++)
        {
            using var batch = ds.GetBatch(step, 3, seed: 4, withMasks: true);
            float[] hr = Values(batch.Hr), lr = Values(batch.Lr), up = Values(batch.LrUp), mk = Values(batch.Mask!);
            for (int i = 0; i < 3; i++)
            {
                int code = (int)mk[i * p * p];
                int top = code / w, left = code % w;
                Assert.True(top % S == 0 && left % S == 0, $"patch origin ({top},{left}) is not on the LR grid");
                Assert.InRange(top, 0, h - p); Assert.InRange(left, 0, w - p);
                tops.Add(top); lefts.Add(left);
                for (int y = 0; y < p; y++)
                    for (int x = 0; x < p; x++)
                    {
                        Assert.Equal((top + y) * w + left + x, mk[i * p * p + y * p + x]);
                        for (int c = 0; c < 3; c++)
                        {
                            int k = ((i * 3 + c) * p + y) * p + x;
                            Assert.Equal(Norm(img.Hr[top + y, left + x, c]), hr[k]);
                            Assert.Equal((float)(img.LrUp[top + y, left + x, c] * 2 - 1), up[k]);
                        }
                    }
                // The HR pixel really is the image pixel at (top, left): the position code agrees with the mask.
                byte R(int c) => (byte)Math.Round((hr[(i * 3 + c) * p * p] + 1) * 127.5);
                Assert.Equal((top, left), DecodePosition(R(0), R(1), R(2)));
                const int lp = p / S;
                for (int y = 0; y < lp; y++)
                    for (int x = 0; x < lp; x++)
                        for (int c = 0; c < 3; c++)
                            Assert.Equal(Norm(img.Lr[top / S + y, left / S + x, c]), lr[((i * 3 + c) * lp + y) * lp + x]);
            }
        }
        Assert.True(tops.Count > 3 && lefts.Count > 3, "crops should vary");
        // The LR is the MATLAB-exact downscale of the whole image, LR-up the official recipe of that LR.
        Assert.Equal(MatlabResize.Downscale(img.Hr, S).Data, img.Lr.Data);
        Assert.Equal(SrdiffPreprocess.LrUp(img.Lr, S).Data, img.LrUp.Data);
        var matlab = PositionDataset(h, w, new PatchOptions(p), LrUpRecipe.MatlabExact).Images[0].LrUp;
        Assert.NotEqual(img.LrUp.Data, matlab.Data);
    }

    [Fact]
    public void FlipsAndTransposes_AreAppliedAlikeToHrLrLrUpAndMask()
    {
        const int h = 40, w = 36, p = 16, lp = p / S;
        var ds = PositionDataset(h, w, new PatchOptions(p, Flips: true, Rotations: true, Reduce: SpeReduce.None));
        var img = ds.Images[0];
        var geometries = new HashSet<string>();
        for (long step = 0; step < 40; step++)
        {
            using var batch = ds.GetBatch(step, 2, seed: 11, withMasks: true);
            float[] hr = Values(batch.Hr), lr = Values(batch.Lr), up = Values(batch.LrUp), mk = Values(batch.Mask!);
            for (int i = 0; i < 2; i++)
            {
                (int Y, int X) Src(int y, int x) { int v = (int)mk[i * p * p + y * p + x]; return (v / w, v % w); }
                int top = int.MaxValue, left = int.MaxValue;
                var sources = new HashSet<(int, int)>();
                for (int y = 0; y < p; y++)
                    for (int x = 0; x < p; x++)
                    {
                        var (sy, sx) = Src(y, x);
                        top = Math.Min(top, sy); left = Math.Min(left, sx);
                        sources.Add((sy, sx));
                        for (int c = 0; c < 3; c++)
                        {
                            int k = ((i * 3 + c) * p + y) * p + x;
                            Assert.Equal(Norm(img.Hr[sy, sx, c]), hr[k]);
                            Assert.Equal((float)(img.LrUp[sy, sx, c] * 2 - 1), up[k]);
                        }
                    }
                Assert.Equal(p * p, sources.Count);   // a permutation of a p×p window
                var (y0, x0) = Src(0, 0); var (y1, x1) = Src(0, 1);
                geometries.Add($"{y0 - top},{x0 - left};{y1 - y0},{x1 - x0}");
                // LR pixel (dy, dx) is the LR pixel of the source block of HR pixels (S·dy.., S·dx..).
                for (int dy = 0; dy < lp; dy++)
                    for (int dx = 0; dx < lp; dx++)
                    {
                        int by = int.MaxValue, bx = int.MaxValue;
                        for (int u = 0; u < S; u++) for (int v = 0; v < S; v++) { var (sy, sx) = Src(S * dy + u, S * dx + v); by = Math.Min(by, sy); bx = Math.Min(bx, sx); }
                        Assert.True(by % S == 0 && bx % S == 0);
                        for (int c = 0; c < 3; c++)
                            Assert.Equal(Norm(img.Lr[by / S, bx / S, c]), lr[((i * 3 + c) * lp + dy) * lp + dx]);
                    }
            }
        }
        Assert.Equal(8, geometries.Count);   // all of the dihedral group D4 occur
        // Without the options every patch is the identity geometry.
        var plain = PositionDataset(h, w, new PatchOptions(p, Reduce: SpeReduce.None));
        for (long step = 0; step < 10; step++)
        {
            using var b = plain.GetBatch(step, 1, 11, true);
            var m = Values(b.Mask!);
            Assert.Equal(m[0] + 1, m[1]);
            Assert.Equal(m[0] + w, m[p]);
        }
    }

    [Fact]
    public void Reduce_ZeroesSingleValuedMaskPatches_Only()
    {
        // 48×16 image, top half SPE 1, bottom half 2: a 16-px patch (left = 0) is single-valued unless it straddles row 24.
        const int h = 48, w = 16, p = 16;
        var map = new float[h * w];
        for (int i = 0; i < map.Length; i++) map[i] = i / w < 24 ? 1f : 2f;
        var image = SrPatchDataset.Prepare("two.png", Textured(h, w, 1), S, LrUpRecipe.Official, new SpeMap(h, w, map));
        var reduce = new SrPatchDataset([image], S, new PatchOptions(p, Reduce: SpeReduce.AllSameToZero));
        var none = new SrPatchDataset([image], S, new PatchOptions(p, Reduce: SpeReduce.None));
        int zeroed = 0, kept = 0;
        for (long step = 0; step < 30; step++)
        {
            using var br = reduce.GetBatch(step, 1, 3, true);
            using var bn = none.GetBatch(step, 1, 3, true);
            var raw = Values(bn.Mask!); var red = Values(br.Mask!);
            Assert.True(br.Hr.equal(bn.Hr).all().item<bool>());   // same crop
            bool single = raw.All(v => v == raw[0]);
            if (single) { zeroed++; Assert.All(red, v => Assert.Equal(0f, v)); }
            else { kept++; Assert.Equal(raw, red); }
        }
        Assert.True(zeroed > 0 && kept > 0, $"zeroed {zeroed}, kept {kept}");
    }

    [Fact]
    public void OfficialMisaligned_UsesThePackersWindow()
    {
        // 656×400: the packer tiles rows at 0 and 320 (x < H − 160) and columns at 0; each tile's mask is the LR-coordinate
        // window of the full map magnified 4× (MaskStore.CropOfficialMisaligned), and the patch is cut from the tile.
        const int h = 656, w = 400, p = 16;
        var image = SrPatchDataset.Prepare("big.png", PositionImage(h, w), S, LrUpRecipe.Official, PositionMap(h, w));
        var ds = new SrPatchDataset([image], S, new PatchOptions(p, Alignment: MaskAlignment.OfficialMisaligned, Reduce: SpeReduce.None));
        var tiles = new Dictionary<int, SpeMap> { [0] = MaskStore.CropOfficialMisaligned(image.Mask!, 0, 0, 320, S), [320] = MaskStore.CropOfficialMisaligned(image.Mask!, 320, 0, 320, S) };
        var seenTiles = new HashSet<int>();
        for (long step = 0; step < 16; step++)
        {
            using var b = ds.GetBatch(step, 1, 5, true);
            var hr = Values(b.Hr); var mk = Values(b.Mask!);
            byte R(int c) => (byte)Math.Round((hr[c * p * p] + 1) * 127.5);
            var (top, left) = DecodePosition(R(0), R(1), R(2));
            Assert.True(top % S == 0 && left % S == 0);
            int ty = top >= 320 ? 320 : 0;
            Assert.InRange(top - ty, 0, 320 - p); Assert.InRange(left, 0, 320 - p);
            seenTiles.Add(ty);
            var expected = tiles[ty].Crop(top - ty, left, p, p).ToArray();
            Assert.Equal(expected, mk);
            var aligned = MaskStore.CropAligned(image.Mask!, top, left, p, p).ToArray();
            Assert.NotEqual(aligned, mk);
        }
        Assert.Equal(2, seenTiles.Count);
    }

    [Fact]
    public void Load_ModcropsSkipsSmallImages_AndEmptyIsAClearError()
    {
        using var dir = new TempDir();
        var hrDir = dir.Sub("hr"); Directory.CreateDirectory(hrDir);
        ImageIO.SavePng(Textured(42, 38, 1), Path.Combine(hrDir, "a.png"));
        ImageIO.SavePng(Textured(12, 30, 2), Path.Combine(hrDir, "b.png"));
        var gray = new ImageU8(20, 24, 1, Textured(20, 24, 3).Data.Where((_, k) => k % 3 == 0).ToArray());
        ImageIO.SavePng(gray, Path.Combine(hrDir, "c.png"));
        var lines = new List<string>();
        var ds = SrPatchDataset.Load(hrDir, S, new PatchOptions(16), LrUpRecipe.Official, masks: null, log: lines.Add);
        Assert.Equal(new[] { "a.png", "c.png" }, ds.Images.Select(i => i.Name));
        Assert.Equal(new[] { "b.png" }, ds.Skipped);
        Assert.Contains(lines, l => l.Contains("b.png") && l.Contains("skipped"));
        var a = ds.Images[0];
        Assert.Equal((40, 36, 3), (a.Hr.Height, a.Hr.Width, a.Hr.Channels));
        Assert.Equal(Textured(42, 38, 1).Crop(0, 0, 40, 36).Data, a.Hr.Data);
        Assert.Equal((10, 9), (a.Lr.Height, a.Lr.Width));
        Assert.Equal(3, ds.Images[1].Hr.Channels);   // gray replicated to RGB
        Assert.Null(a.Mask);
        // Masks are needed but none were loaded: a clear error.
        Assert.Throws<InvalidDataException>(() => ds.GetBatch(0, 1, 0, withMasks: true));

        var smallDir = dir.Sub("small"); Directory.CreateDirectory(smallDir);
        ImageIO.SavePng(Textured(12, 30, 2), Path.Combine(smallDir, "b.png"));
        var ex = Assert.Throws<InvalidDataException>(() => SrPatchDataset.Load(smallDir, S, new PatchOptions(16), LrUpRecipe.Official, null));
        Assert.Contains("16", ex.Message);
        Assert.Contains("skipped: 1", ex.Message);
        Assert.Throws<InvalidDataException>(() => new SrPatchDataset([], S, new PatchOptions(16)));
        Assert.Throws<ArgumentException>(() => new PatchOptions(20).Validate(S));
    }

    [Fact]
    public void Load_WithMaskStore_AlignsTheMapWithTheModcroppedImage()
    {
        using var dir = new TempDir();
        var hrDir = dir.Sub("hr"); var mDir = dir.Sub("masks");
        Directory.CreateDirectory(hrDir); Directory.CreateDirectory(mDir);
        ImageIO.SavePng(PositionImage(42, 38), Path.Combine(hrDir, "a.png"));   // modcropped to 40×36
        ImageIO.SavePng(PositionImage(40, 36), Path.Combine(hrDir, "b.png"));
        NpyFile.Write(Path.Combine(mDir, "a.npy"), PositionMap(42, 38));         // SPE of the image file as SAM saw it
        NpyFile.Write(Path.Combine(mDir, "b.npy"), PositionMap(40, 36));
        var ds = SrPatchDataset.Load(hrDir, S, new PatchOptions(16, Reduce: SpeReduce.None), LrUpRecipe.Official,
            new MaskStore(mDir, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage)));
        Assert.Equal(PositionMap(42, 38).Crop(0, 0, 40, 36).ToArray(), ds.Images[0].Mask!.ToArray());
        Assert.Equal(PositionMap(40, 36).ToArray(), ds.Images[1].Mask!.ToArray());
        // Every patch's mask is the map at the HR pixel's own position.
        for (long step = 0; step < 6; step++)
        {
            using var b = ds.GetBatch(step, 2, 1, true);
            var hr = Values(b.Hr); var mk = Values(b.Mask!);
            for (int i = 0; i < 2; i++)
            {
                var name = ds.Images[ds.ImageIndex(step, 2, i, 1)].Name;
                int w = name == "a.png" ? 38 : 36;
                byte R(int c) => (byte)Math.Round((hr[(i * 3 + c) * 256] + 1) * 127.5);
                var (y, x) = DecodePosition(R(0), R(1), R(2));
                Assert.Equal(y * w + x, mk[i * 256]);
            }
        }
    }
}
