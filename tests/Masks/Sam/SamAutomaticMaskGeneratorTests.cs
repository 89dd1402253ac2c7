using SamDiffSR.Masks;
using SamDiffSR.Masks.Sam;
using SamDiffSR.Runtime;
using Xunit;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Tests.Masks.Sam;

public class SamAutomaticMaskGeneratorTests
{
    internal const int H = 48, W = 64;

    internal static byte[] Image(int h = H, int w = W)
    {
        var a = new byte[h * w * 3];
        for (int i = 0; i < a.Length; i++) a[i] = (byte)(i * 7 % 251);
        return a;
    }

    internal static byte[] Json(IReadOnlyList<MaskRecord> records)
    {
        using var ms = new MemoryStream();
        AmgJson.Write(ms, records);
        return ms.ToArray();
    }

    // Lattice points with dx² + dy² ≤ 42 (disc of radius 6.5 around an integer point): 13 + 2·(13+13+11+11+9+5) = 137.
    private static bool InDisc(int r, int c, double x, double y, double radius) =>
        (c - x) * (c - x) + (r - y) * (r - y) < radius * radius;

    [Fact]
    public void DefaultThresholds_KeepOnlyTheStableConfidentDisc_InPointOrder()
    {
        var backend = FakeSamBackend.DefaultDiscs();
        var progress = new List<ProgressInfo>();
        var gen = new SamAutomaticMaskGenerator(backend, new SamAmgOptions { PointsPerSide = 4 });
        var recs = gen.Generate(Image(), H, W, new SyncProgress(progress));

        // grid x = 8, 24, 40, 56; y = 6, 18, 30, 42. Only mask 1 (r 6.5, slope 20, IoU 0.95) survives:
        // mask 2 has IoU 0.96 but stability |d < 7.5| / |d < 11.5| < 0.95; mask 3 has IoU 0.80 ≤ 0.88.
        Assert.Equal(16, recs.Count);
        Assert.Equal(new[] { new[] { 8.0, 6.0 } }, recs[0].PointCoords.Select(p => p.ToArray()));
        Assert.Equal(new[] { 24.0, 6.0 }, recs[1].PointCoords[0]);
        Assert.Equal(new[] { 8.0, 18.0 }, recs[4].PointCoords[0]);
        Assert.All(recs, r => Assert.Equal((double)0.95f, r.PredictedIou));
        // stability: |d < 6.45| = N(41) = 137 and |d < 6.55| = N(42) = 137 → 1
        Assert.All(recs, r => Assert.Equal(1.0, r.StabilityScore));
        Assert.All(recs, r => Assert.Equal(new double[] { 0, 0, 64, 48 }, r.CropBox));
        Assert.Equal(137, recs[0].Area);
        Assert.Equal(new double[] { 2, 0, 12, 12 }, recs[0].Bbox);
        // the disc at (56, 42) loses its row 48 (5 pixels: dx² ≤ 6)
        Assert.Equal(132, recs[15].Area);
        Assert.Equal(new double[] { 50, 36, 12, 11 }, recs[15].Bbox);
        // RLE decodes back to the disc
        var m = recs[5].Segmentation; // point (24, 18)
        Assert.Equal((H, W), (m.Height, m.Width));
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
                Assert.Equal(InDisc(r, c, 24, 18, 6.5), m[r, c]);
        Assert.Equal(16, progress[^1].Done);
        Assert.Equal(16, progress[^1].Total);
        Assert.Single(backend.Encoded);
    }

    [Fact]
    public void Records_RoundTripThroughAmgJson()
    {
        var recs = new SamAutomaticMaskGenerator(FakeSamBackend.DefaultDiscs(), new SamAmgOptions { PointsPerSide = 4 }).Generate(Image(), H, W);
        var back = AmgJson.Parse(Json(recs), "test");
        Assert.Equal(recs.Count, back.Count);
        for (int i = 0; i < recs.Count; i++)
        {
            Assert.True(recs[i].Segmentation.PixelsEqual(back[i].Segmentation));
            Assert.Equal(recs[i].Bbox, back[i].Bbox);
            Assert.Equal(recs[i].PredictedIou, back[i].PredictedIou);
            Assert.Equal(recs[i].Area, back[i].Area);
        }
    }

    [Theory]
    [InlineData(0.88, 0.95, 16)] // defaults: mask 1 only
    [InlineData(0.0, 0.95, 32)]  // IoU filter off: mask 3 (IoU 0.80, stable) too
    [InlineData(0.88, 0.0, 32)]  // stability filter off: mask 2 (IoU 0.96, unstable) too
    [InlineData(0.0, 0.0, 48)]
    [InlineData(0.95, 0.95, 0)]  // IoU must be strictly above the threshold: 0.95 fails, 0.96 is unstable
    public void ThresholdFilters(double iou, double stab, int expected)
    {
        var gen = new SamAutomaticMaskGenerator(FakeSamBackend.DefaultDiscs(),
            new SamAmgOptions { PointsPerSide = 4, PredIouThresh = iou, StabilityScoreThresh = stab, BoxNmsThresh = 1.0 });
        var recs = gen.Generate(Image(), H, W);
        Assert.Equal(expected, recs.Count);
        if (stab == 0.0 && iou > 0)
        {
            // the unstable disc's score is |slope·(9.5 − d) > 1| / |… > −1| = |d < 7.5| / |d < 11.5|, counted in the image
            var r = recs.First(x => x.PredictedIou == (double)0.96f && x.PointCoords[0][0] == 24 && x.PointCoords[0][1] == 18);
            int inner = 0, outer = 0;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    if (InDisc(y, x, 24, 18, 7.5)) inner++;
                    if (InDisc(y, x, 24, 18, 11.5)) outer++;
                }
            Assert.Equal((double)((float)inner / outer), r.StabilityScore);
            Assert.True(r.StabilityScore < 0.5);
        }
    }

    [Fact]
    public void StabilityExactly095_PassesTheDefaultThreshold()
    {
        // 4×5 image: 19 logits of 5 and one of 0.5 → 19/20 = 0.95f ≥ 0.95f
        float[] Map(double x, double y, int k, int h, int w) => Enumerable.Repeat(5f, 19).Append(0.5f).ToArray();
        var backend = new FakeSamBackend(1, Map, (_, _, _) => 0.9f);
        var gen = new SamAutomaticMaskGenerator(backend, new SamAmgOptions { PointGrids = new[] { new[] { (0.5, 0.5) } }, PointsPerSide = null });
        var k0 = Assert.Single(gen.Generate(Image(4, 5), 4, 5));
        Assert.Equal((double)0.95f, k0.StabilityScore);
        Assert.Equal(20, k0.Area);
        // 18/20 = 0.9 fails
        float[] Map2(double x, double y, int k, int h, int w) => Enumerable.Repeat(5f, 18).Concat(new[] { 0.5f, 0.5f }).ToArray();
        var recs2 = new SamAutomaticMaskGenerator(new FakeSamBackend(1, Map2, (_, _, _) => 0.9f),
            new SamAmgOptions { PointGrids = new[] { new[] { (0.5, 0.5) } }, PointsPerSide = null }).Generate(Image(4, 5), 4, 5);
        Assert.Empty(recs2);
    }

    [Fact]
    public void Batching_GivesIdenticalRecords()
    {
        // 10 explicit points, batches of 3 (3, 3, 3, 1) versus one batch of 64
        var pts = Enumerable.Range(0, 10).Select(i => (X: 0.08 + 0.09 * i, Y: 0.1 + 0.08 * i)).ToArray();
        SamAmgOptions Opt(int batch) => new() { PointsPerSide = null, PointGrids = new[] { pts }, PointsPerBatch = batch };
        var b3 = FakeSamBackend.DefaultDiscs((x, y) => 0.001f * (float)y);
        var b64 = FakeSamBackend.DefaultDiscs((x, y) => 0.001f * (float)y);
        var r3 = new SamAutomaticMaskGenerator(b3, Opt(3)).Generate(Image(), H, W);
        var r64 = new SamAutomaticMaskGenerator(b64, Opt(64)).Generate(Image(), H, W);
        Assert.Equal(new[] { 3, 3, 3, 1 }, b3.BatchSizes);
        Assert.Equal(new[] { 10 }, b64.BatchSizes);
        Assert.NotEmpty(r3);
        Assert.Equal(Json(r64), Json(r3));
        // order = NMS order by predicted IoU, which grows with y here
        Assert.True(r3.Zip(r3.Skip(1)).All(p => p.First.PredictedIou >= p.Second.PredictedIou));
        Assert.True(r3[0].PointCoords[0][1] > r3[^1].PointCoords[0][1]);
    }

    [Theory]
    [InlineData(0.001f, 33.0)]
    [InlineData(-0.001f, 32.0)]
    public void BoxNms_OverlappingDiscs_KeepsHigherIou(float perPixel, double expectedX)
    {
        // points (32, 24) and (33, 24): boxes [26,18,38,30] and [27,18,39,30], IoU 132/156 = 0.846 > 0.7
        var backend = FakeSamBackend.DefaultDiscs((x, y) => perPixel * (float)x);
        var gen = new SamAutomaticMaskGenerator(backend,
            new SamAmgOptions { PointsPerSide = null, PointGrids = new[] { new[] { (0.5, 0.5), (0.515625, 0.5) } } });
        var recs = gen.Generate(Image(), H, W);
        var r = Assert.Single(recs);
        Assert.Equal(new[] { expectedX, 24.0 }, r.PointCoords[0]);
        Assert.Equal((double)(0.95f + perPixel * (float)expectedX), r.PredictedIou);
        // without NMS both stay
        var both = new SamAutomaticMaskGenerator(FakeSamBackend.DefaultDiscs((x, y) => perPixel * (float)x),
            gen.Options with { BoxNmsThresh = 0.9 }).Generate(Image(), H, W);
        Assert.Equal(2, both.Count);
    }

    [Fact]
    public void CropLayer_EdgeFilter_CropNmsOrder_AndUncropping()
    {
        // one disc (r 3.5) per point; 2×2 grid per crop; crops of 64×48 with one layer: [0,0,40,32], [0,16,40,48],
        // [24,0,64,32], [24,16,64,48]; crop grid points (10,8), (30,8), (10,24), (30,24) in crop coordinates.
        // Hand-worked edge filter (boxes within 20 px of an inner crop edge are dropped): exactly one disc per crop
        // survives — the one at the image corner: (10,8), (10,40), (54,8), (54,40).
        var backend = FakeSamBackend.Discs(new[] { 3.5f }, new[] { 20f }, new[] { 0.95f });
        var image = Image();
        var gen = new SamAutomaticMaskGenerator(backend, new SamAmgOptions { PointsPerSide = 2, CropNLayers = 1 });
        var recs = gen.Generate(image, H, W);
        var expectedPoints = new[] { (10.0, 8.0), (10.0, 40.0), (54.0, 8.0), (54.0, 40.0), (16.0, 12.0), (48.0, 12.0), (16.0, 36.0), (48.0, 36.0) };
        Assert.Equal(expectedPoints, recs.Select(r => (r.PointCoords[0][0], r.PointCoords[0][1])));
        // crop NMS prefers smaller crops (score 1/area): layer-1 records first, then the whole-image ones
        Assert.Equal(new double[] { 0, 0, 40, 32 }, recs[0].CropBox);
        Assert.Equal(new double[] { 0, 16, 40, 32 }, recs[1].CropBox);
        Assert.Equal(new double[] { 24, 0, 40, 32 }, recs[2].CropBox);
        Assert.Equal(new double[] { 24, 16, 40, 32 }, recs[3].CropBox);
        Assert.Equal(new double[] { 0, 0, 64, 48 }, recs[4].CropBox);
        // masks are moved back to the image frame
        var m = recs[3].Segmentation;
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
                Assert.Equal(InDisc(r, c, 54, 40, 3.5), m[r, c]);
        Assert.Equal(new double[] { 51, 37, 6, 6 }, recs[3].Bbox);
        // each crop was encoded on its own pixels
        Assert.Equal(new[] { (48, 64), (32, 40), (32, 40), (32, 40), (32, 40) }, backend.Encoded.Select(e => (e.H, e.W)));
        var crop4 = backend.Encoded[4].Image; // crop [24,16,64,48]
        for (int ch = 0; ch < 3; ch++) Assert.Equal(image[(16 * W + 24) * 3 + ch], crop4[ch]);
        Assert.Equal(image[(47 * W + 63) * 3 + 2], crop4[(31 * 40 + 39) * 3 + 2]);
    }

    [Fact]
    public void MinMaskRegionArea_FillsHoleRemovesIsland_ThenPrefersUnchangedMasks()
    {
        // 32×32. Point A (x < 16): a 16×16 square [4..19]² with a 2×2 hole and a separate 3×3 island at [26..28]²,
        // IoU 0.97. Point B: the clean square, IoU 0.93. Box NMS keeps both (IoU 225/576).
        static bool Square(int r, int c) => r >= 4 && r <= 19 && c >= 4 && c <= 19;
        static bool Messy(int r, int c) => (Square(r, c) && !(r is 10 or 11 && c is 10 or 11)) || (r is >= 26 and <= 28 && c is >= 26 and <= 28);
        float[] Map(double x, double y, int k, int h, int w)
        {
            var m = new float[h * w];
            for (int r = 0; r < h; r++) for (int c = 0; c < w; c++) m[r * w + c] = (x < 16 ? Messy(r, c) : Square(r, c)) ? 5f : -5f;
            return m;
        }
        var grid = new[] { new[] { (0.25, 0.5), (0.75, 0.5) } };
        SamAutomaticMaskGenerator Gen(int minArea, (double, double)[][]? g = null) =>
            new(new FakeSamBackend(1, Map, (x, _, _) => x < 16 ? 0.97f : 0.93f),
                new SamAmgOptions { PointsPerSide = null, PointGrids = g ?? grid, MinMaskRegionArea = minArea });
        var img = Image(32, 32);

        var plain = Gen(0).Generate(img, 32, 32);
        Assert.Equal(new[] { (double)0.97f, (double)0.93f }, plain.Select(r => r.PredictedIou));
        Assert.Equal(256 - 4 + 9, plain[0].Area);

        // min area 10: A changes (hole 4 < 10 filled, island 9 < 10 removed) and becomes the square; the second NMS
        // (score 1 unchanged, 0 changed) keeps B although A had the higher predicted IoU
        var post = Gen(10).Generate(img, 32, 32);
        var only = Assert.Single(post);
        Assert.Equal((double)0.93f, only.PredictedIou);

        // min area 4: nothing is smaller than 4 → both unchanged
        Assert.Equal(2, Gen(4).Generate(img, 32, 32).Count);

        // A alone: its record gets the cleaned mask, area and box
        var a = Assert.Single(Gen(10, new[] { new[] { (0.25, 0.5) } }).Generate(img, 32, 32));
        Assert.Equal(256, a.Area);
        Assert.Equal(new double[] { 4, 4, 15, 15 }, a.Bbox);
        Assert.True(a.Segmentation.PixelsEqual(BinaryMask.FromPredicate(32, 32, Square)));
    }

    [Fact]
    public void Options_Validation_And_ImageBuffer_Checks()
    {
        var b = FakeSamBackend.DefaultDiscs();
        Assert.Throws<ArgumentException>(() => new SamAutomaticMaskGenerator(b, new SamAmgOptions { PointsPerSide = null }));
        Assert.Throws<ArgumentException>(() => new SamAutomaticMaskGenerator(b, new SamAmgOptions { PointGrids = new[] { new[] { (0.5, 0.5) } } }));
        Assert.Throws<ArgumentException>(() => new SamAutomaticMaskGenerator(b, new SamAmgOptions { PointsPerBatch = 0 }));
        Assert.Throws<ArgumentException>(() => new SamAutomaticMaskGenerator(b, new SamAmgOptions { PointsPerSide = 4, CropNLayers = 3, CropNPointsDownscaleFactor = 2 }));
        var gen = new SamAutomaticMaskGenerator(b, new SamAmgOptions { PointsPerSide = 2 });
        var ex = Assert.Throws<ArgumentException>(() => gen.Generate(new byte[10], H, W));
        Assert.Contains("H·W·3", ex.Message);
    }

    private sealed class SyncProgress(List<ProgressInfo> sink) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => sink.Add(value);
    }
}
