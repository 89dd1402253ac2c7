using SamDiffSR.Masks.Segmenters;
using Xunit;

namespace SamDiffSR.Tests.Masks.Segmenters;

public class FelzenszwalbSegmenterTests
{
    private static SegmentationImage Rgb(int h, int w, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var px = new byte[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (r, g, b) = pixel(y, x);
                int o = (y * w + x) * 3;
                px[o] = r; px[o + 1] = g; px[o + 2] = b;
            }
        return new SegmentationImage(h, w, 3, px);
    }

    private static SegmentationImage Gray(int h, int w, Func<int, int, byte> pixel)
    {
        var px = new byte[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) px[y * w + x] = pixel(y, x);
        return new SegmentationImage(h, w, 1, px);
    }

    private static SegmentationImage Noise(int h, int w, int seed)
    {
        var rng = new Random(seed);
        var px = new byte[h * w * 3];
        rng.NextBytes(px);
        return new SegmentationImage(h, w, 3, px);
    }

    [Fact]
    public void ConstantImage_IsOneRegion()
    {
        var img = Rgb(37, 53, (_, _) => (90, 140, 200));
        foreach (var opt in new[] { FelzenszwalbOptions.Default, FelzenszwalbOptions.SkimageDefaults, new FelzenszwalbOptions(0.5, 0, 0) })
        {
            var r = new FelzenszwalbSegmenter(opt).Segment(img);
            Assert.Equal(1, r.RegionCount);
            Assert.All(r.Labels, l => Assert.Equal(0, l));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.8)]
    public void TwoFlatHalves_AreTwoRegions_SplitAtTheColourEdge(double sigma)
    {
        int h = 40, w = 64;
        var img = Rgb(h, w, (_, x) => x < w / 2 ? ((byte)30, (byte)60, (byte)200) : ((byte)220, (byte)180, (byte)20));
        var r = new FelzenszwalbSegmenter(FelzenszwalbOptions.Default with { Sigma = sigma }).Segment(img);
        Assert.Equal(2, r.RegionCount);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) Assert.Equal(x < w / 2 ? 0 : 1, r[y, x]);
    }

    [Fact]
    public void FourColourQuadrants_MatchScikitImagesOwnTest()
    {
        // skimage/segmentation/tests/test_felzenszwalb.py::test_color: a 20×21 image with a red top-left, a green
        // bottom-left and a blue bottom-right quadrant (black top-right), felzenszwalb(img, sigma=0) with
        // defaults scale 1, min_size 20 -> labels 0 (TL), 1 (TR), 2 (BL), 3 (BR): raster order of first pixel.
        var img = Rgb(20, 21, (y, x) => (y < 10 && x < 10 ? (byte)255 : (byte)0,
                                          y >= 10 && x < 10 ? (byte)255 : (byte)0,
                                          y >= 10 && x >= 10 ? (byte)255 : (byte)0));
        var r = new FelzenszwalbSegmenter(FelzenszwalbOptions.SkimageDefaults with { Sigma = 0 }).Segment(img);
        Assert.Equal(4, r.RegionCount);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 21; x++)
                Assert.Equal((y < 10 ? 0 : 2) + (x < 10 ? 0 : 1), r[y, x]);
    }

    [Fact]
    public void GrayQuadrants_MatchScikitImagesGreyTest()
    {
        // test_felzenszwalb.py::test_grey: 20×21 gray quadrants 0, 0.2 (TR), 0.4 (BL), 0.6 (BR), sigma 0 -> 4 regions.
        // 0.2·255 = 51 etc. are exact uint8 codes.
        var img = Gray(20, 21, (y, x) => (byte)((y < 10 ? 0 : 102) + (x < 10 ? 0 : 51)));
        var r = new FelzenszwalbSegmenter(FelzenszwalbOptions.SkimageDefaults with { Sigma = 0 }).Segment(img);
        Assert.Equal(4, r.RegionCount);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 21; x++)
                Assert.Equal((y < 10 ? 0 : 2) + (x < 10 ? 0 : 1), r[y, x]);
    }

    [Theory]
    // 1×3 gray image 0, 20, 60 (weights 20/255 then 40/255), sigma 0, no min_size. Paper Eq. 3-5 by hand:
    // edge (0,1): merge iff 20 < k. Then Int({0,1}) = 20, |C| = 2; edge (1,2): merge iff 40 < min(20 + k/2, k).
    [InlineData(15, 3)]   // 20 < 15 fails: nothing merges
    [InlineData(30, 2)]   // first merges; 40 < min(35, 30) fails
    [InlineData(39, 2)]   // 40 < min(39.5, 39) fails
    [InlineData(45, 1)]   // 40 < min(42.5, 45) holds
    public void ThresholdFunction_FollowsThePaper_OnAHandWorkedChain(double scale, int expectedRegions)
    {
        var img = Gray(1, 3, (_, x) => new byte[] { 0, 20, 60 }[x]);
        var r = new FelzenszwalbSegmenter(new FelzenszwalbOptions(scale, 0, 0)).Segment(img);
        Assert.Equal(expectedRegions, r.RegionCount);
    }

    [Theory]
    // A 1×2 gray image (0, v) with scale v: the weight v·(1/255) equals k = v/255 in float64, so the strict test
    // w < k/1 fails in float64 — but scikit-image's Cython loop stores Int(C) + k/|C| in a C float, and
    // float32(v/255) > v/255 for these v. scikit-image 0.19.3 returns 1 region for every v in 1..254 and 2 regions
    // for v = 255 (float32(1.0) = 1.0); measured with felzenszwalb(img, scale=v, sigma=0, min_size=0, channel_axis=None).
    [InlineData(3, 1)]
    [InlineData(50, 1)]
    [InlineData(51, 1)]
    [InlineData(52, 1)]
    [InlineData(100, 1)]
    [InlineData(255, 2)]
    public void ThresholdIsRoundedToFloat32_AsInScikitImage(int v, int expectedRegions)
    {
        var img = Gray(1, 2, (_, x) => x == 0 ? (byte)0 : (byte)v);
        var r = new FelzenszwalbSegmenter(new FelzenszwalbOptions(v, 0, 0)).Segment(img);
        Assert.Equal(expectedRegions, r.RegionCount);
    }

    [Fact]
    public void Graph_IsEightConnected()
    {
        // 2×2 checkerboard: the equal pixels touch only diagonally; an 8-connected grid joins them by
        // zero-weight diagonal edges (a 4-connected grid would give 4 regions).
        var img = Gray(2, 2, (y, x) => (y + x) % 2 == 0 ? (byte)0 : (byte)255);
        var r = new FelzenszwalbSegmenter(new FelzenszwalbOptions(1, 0, 0)).Segment(img);
        Assert.Equal(2, r.RegionCount);
        Assert.Equal(new[] { 0, 1, 1, 0 }, r.Labels);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(50)]
    [InlineData(97)]
    public void MinSize_IsRespected(int minSize)
    {
        var img = Noise(48, 40, seed: 7);
        var withoutPass = new FelzenszwalbSegmenter(new FelzenszwalbOptions(1, 0.8, 0)).Segment(img);
        Assert.True(withoutPass.RegionSizes().Min() < minSize, "the noise image must produce small regions for this test to mean anything");
        var r = new FelzenszwalbSegmenter(new FelzenszwalbOptions(1, 0.8, minSize)).Segment(img);
        Assert.True(r.RegionCount > 1);
        Assert.True(r.RegionSizes().Min() >= minSize, $"smallest region {r.RegionSizes().Min()} < min_size {minSize}");
    }

    [Fact]
    public void MinSize_LargerThanTheImage_GivesOneRegion()
    {
        var img = Noise(10, 12, seed: 3);
        var r = new FelzenszwalbSegmenter(new FelzenszwalbOptions(1, 0.8, 121)).Segment(img);
        Assert.Equal(1, r.RegionCount);
    }

    [Fact]
    public void Output_IsDeterministic_AndLabelledConsecutivelyInRasterOrder()
    {
        var img = Noise(64, 57, seed: 11);
        var opt = new FelzenszwalbOptions(50, 0.8, 10);
        var a = new FelzenszwalbSegmenter(opt).Segment(img);
        var b = new FelzenszwalbSegmenter(opt).Segment(img);
        var seg = new FelzenszwalbSegmenter(opt);
        var c = seg.Segment(img);
        var d = seg.Segment(img);
        Assert.True(a.RegionCount > 5);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Labels, c.Labels);
        Assert.Equal(a.Labels, d.Labels);

        int nextNew = 0;
        foreach (var l in a.Labels)
        {
            Assert.InRange(l, 0, a.RegionCount - 1);
            Assert.True(l <= nextNew, "labels must first appear in increasing raster order");
            if (l == nextNew) nextNew++;
        }
        Assert.Equal(a.RegionCount, nextNew);
    }

    [Fact]
    public void OneInstance_ReusedAcrossSizesAndChannels_EqualsFreshInstances()
    {
        // The segmenter keeps its working arrays between calls: a smaller image after a larger one must not see the
        // larger one's leftovers (stale parents, sizes, internal differences or edges past the end).
        var images = new[]
        {
            Noise(61, 83, seed: 1), Noise(17, 9, seed: 2), Gray(40, 70, (y, x) => (byte)((x * 7 + y * 13) % 251)),
            Noise(61, 83, seed: 3), Gray(1, 1, (_, _) => 7), Noise(90, 50, seed: 4),
        };
        foreach (var opt in new[] { new FelzenszwalbOptions(50, 0.8, 10), new FelzenszwalbOptions(20, 0, 0) })
        {
            var reused = new FelzenszwalbSegmenter(opt);
            foreach (var img in images)
            {
                var fresh = new FelzenszwalbSegmenter(opt).Segment(img);
                var again = reused.Segment(img);
                Assert.Equal(fresh.RegionCount, again.RegionCount);
                Assert.Equal(fresh.Labels, again.Labels);
            }
        }
    }

    [Fact]
    public void OneInstance_UsedFromTwoThreadsAtOnce_GivesEachCallersOwnLabels()
    {
        var seg = new FelzenszwalbSegmenter(new FelzenszwalbOptions(50, 0.8, 10));
        var a = Noise(80, 64, seed: 21);
        var b = Noise(48, 96, seed: 22);
        var wantA = new FelzenszwalbSegmenter(seg.Options).Segment(a).Labels;
        var wantB = new FelzenszwalbSegmenter(seg.Options).Segment(b).Labels;
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var (img, want) = i % 2 == 0 ? (a, wantA) : (b, wantB);
            Assert.Equal(want, seg.Segment(img).Labels);
        });
    }

    [Fact]
    public void LargerScale_GivesFewerRegions()
    {
        var img = SegmentationImage.Load(TestPaths.Data("benchmarks", "Set5", "head.png"));
        int prev = int.MaxValue;
        foreach (var scale in new[] { 10.0, 100, 300, 1000 })
        {
            int k = new FelzenszwalbSegmenter(new FelzenszwalbOptions(scale, 0.8, 20)).Segment(img).RegionCount;
            Assert.True(k < prev, $"scale {scale}: {k} regions, not fewer than {prev}");
            prev = k;
        }
    }

    [Fact]
    public void TinyImages_Work()
    {
        Assert.Equal(1, new FelzenszwalbSegmenter().Segment(Gray(1, 1, (_, _) => 7)).RegionCount);
        var col = new FelzenszwalbSegmenter(new FelzenszwalbOptions(1, 0, 0)).Segment(Gray(5, 1, (y, _) => (byte)(y < 2 ? 0 : 255)));
        Assert.Equal(new[] { 0, 0, 1, 1, 1 }, col.Labels);
    }

    [Fact]
    public void Name_DescribesTheParameters()
    {
        Assert.Equal("felzenszwalb(scale=300,sigma=0.8,min_size=50)", new FelzenszwalbSegmenter().Name);
        ISegmenter s = new FelzenszwalbSegmenter(new FelzenszwalbOptions(100, 0.5, 20));
        Assert.Equal("felzenszwalb(scale=100,sigma=0.5,min_size=20)", s.Name);
    }

    [Theory]
    [InlineData(-1.0, 0.8, 20)]
    [InlineData(double.NaN, 0.8, 20)]
    [InlineData(100.0, -0.1, 20)]
    [InlineData(100.0, double.PositiveInfinity, 20)]
    [InlineData(100.0, 0.8, -5)]
    public void BadOptions_Throw(double scale, double sigma, int minSize)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FelzenszwalbSegmenter(new FelzenszwalbOptions(scale, sigma, minSize)));
        Assert.Contains("Felzenszwalb", ex.Message);
    }
}
