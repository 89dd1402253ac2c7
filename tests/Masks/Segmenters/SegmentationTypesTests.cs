using SamDiffSR.Masks.Segmenters;
using Xunit;

namespace SamDiffSR.Tests.Masks.Segmenters;

public class SegmentationTypesTests
{
    [Fact]
    public void Image_RejectsWrongShapes()
    {
        Assert.Throws<ArgumentException>(() => new SegmentationImage(2, 2, 3, new byte[11]));
        Assert.Throws<ArgumentException>(() => new SegmentationImage(2, 2, 4, new byte[16]));
        Assert.Throws<ArgumentException>(() => new SegmentationImage(0, 2, 1, []));
    }

    [Fact]
    public void Load_ReadsSet5AsRgb_AndNamesMissingFiles()
    {
        var img = SegmentationImage.Load(TestPaths.Data("benchmarks", "Set5", "woman.png"));
        Assert.Equal((344, 228, 3), (img.Height, img.Width, img.Channels)); // IMAGES.tsv: width 228, height 344
        var missing = Path.Combine(Path.GetTempPath(), "no-such-image-" + Guid.NewGuid() + ".png");
        var ex = Assert.Throws<FileNotFoundException>(() => SegmentationImage.Load(missing));
        Assert.Contains(missing, ex.Message);
    }

    [Fact]
    public void Load_RejectsCorruptFiles_NamingThem()
    {
        var path = Path.Combine(Path.GetTempPath(), "corrupt-" + Guid.NewGuid() + ".png");
        File.WriteAllText(path, "not an image");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => SegmentationImage.Load(path));
            Assert.Contains(path, ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Result_ValidatesLabels_AndComputesSizesAndBoundaries()
    {
        Assert.Throws<ArgumentException>(() => new SegmentationResult(2, 2, [0, 1, 2, 0], 2));   // label out of range
        Assert.Throws<ArgumentException>(() => new SegmentationResult(2, 2, [0, 2, 2, 0], 3));   // label 1 unused
        Assert.Throws<ArgumentException>(() => new SegmentationResult(2, 3, [0, 0, 0, 0], 1));   // wrong length
        var r = new SegmentationResult(2, 3, [0, 0, 1, 2, 2, 1], 3);
        Assert.Equal(new[] { 2, 2, 2 }, r.RegionSizes());
        Assert.Equal(1, r[0, 2]);
        // inner boundary: differs from the right or lower neighbour
        Assert.Equal(new[] { true, true, false, false, true, false }, r.BoundaryMap());
    }

    [Fact]
    public void LrMode_SegmentsTheUpsampledImage_AndChecksItsSize()
    {
        // A nearest-neighbour stand-in for MATLAB imresize: 2× of a 3×4 two-colour LR image.
        var lr = new SegmentationImage(3, 4, 1, [0, 0, 200, 200, 0, 0, 200, 200, 0, 0, 200, 200]);
        static SegmentationImage Up(SegmentationImage s, int h, int w)
        {
            var px = new byte[h * w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) px[y * w + x] = s.Pixels[(y * s.Height / h) * s.Width + x * s.Width / w];
            return new SegmentationImage(h, w, 1, px);
        }
        var seg = new FelzenszwalbSegmenter(new FelzenszwalbOptions(10, 0, 0));
        var r = LrSegmentation.Segment(seg, lr, 6, 8, Up);
        Assert.Equal((6, 8, 2), (r.Height, r.Width, r.RegionCount));
        Assert.Equal(1, r[5, 4]);
        var ex = Assert.Throws<ArgumentException>(() => LrSegmentation.SegmentUpsampled(seg, lr, 6, 8));
        Assert.Contains("6×8", ex.Message);
    }
}
