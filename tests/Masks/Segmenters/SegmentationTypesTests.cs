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
}
