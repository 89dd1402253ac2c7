using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class ManiqaTests : IDisposable
{
    private readonly string _dir = OnnxFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ManiqaModelDescription Crop8 => new() { CropSize = 8 };

    [Fact]
    public void CropGridPositions()
    {
        // H = 12, W = 20, crop 8: tops round(i·4/3) = 0, 1, 3, 4; lefts round(j·12/4) = 0, 3, 6, 9, 12.
        var g = OnnxManiqa.CropGrid(12, 20, 8, 4, 5);
        Assert.Equal(20, g.Count);
        Assert.Equal(new[] { 0, 1, 3, 4 }, g.Where((_, k) => k % 5 == 0).Select(p => p.Top));
        Assert.Equal(new[] { 0, 3, 6, 9, 12 }, g.Take(5).Select(p => p.Left));
        Assert.Equal((4, 12), g[^1]);
        Assert.Equal(new[] { (2, 6) }, OnnxManiqa.CropGrid(12, 20, 8, 1, 1)); // single crop is centred: ⌊4/2⌋, ⌊12/2⌋
        Assert.Throws<ArgumentException>(() => OnnxManiqa.CropGrid(7, 20, 8, 4, 5));
    }

    [Fact]
    public void ScoreIsTheMeanOfCropScores()
    {
        using var maniqa = OnnxManiqa.Open(OnnxFixtures.Maniqa(_dir, 8), Crop8, threads: 1);
        var rng = new Random(21);
        var img = OnnxFidTests.Noise(rng, 0, 1, 12, 20);
        // Fixture crop score = mean of the (x − 0.5)/0.5 crop.
        var expected = OnnxManiqa.CropGrid(12, 20, 8, 4, 5)
            .Select(p => img.Crop(p.Top, p.Left, 8, 8).Data.ToArray().Average(v => 2.0 * v - 1)).ToList();
        var perCrop = new List<double>();
        Assert.Equal(expected.Average(), maniqa.Score(img, perCrop), 5);
        Assert.Equal(20, perCrop.Count);
        for (var k = 0; k < 20; k++) Assert.Equal(expected[k], perCrop[k], 5);
        // A constant image scores its normalised value whatever the crops.
        Assert.Equal(2 * 0.3 - 1, maniqa.Score(OnnxFidTests.Constant(30, 40, 0.3f, 0.3f, 0.3f)), 5);
    }

    [Fact]
    public void SmallImagesAreEnlargedLikePyiqa()
    {
        // min(H, W) = 6 ≤ 8 → bilinear scale 9/6 = 1.5 → 9 × 15, then the grid.
        using var maniqa = OnnxManiqa.Open(OnnxFixtures.Maniqa(_dir, 8), Crop8, threads: 1);
        var img = OnnxFidTests.Ramp(6, 10);
        var (planes, h, w) = maniqa.PrepareImage(img);
        Assert.Equal((9, 15), (h, w));
        var expected = OnnxManiqa.CropGrid(9, 15, 8, 4, 5).Select(p =>
        {
            double s = 0;
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < 8; y++)
                    for (var x = 0; x < 8; x++) s += planes[c][(p.Top + y) * w + p.Left + x];
            return s / (3 * 64);
        }).Average();
        Assert.Equal(expected, maniqa.Score(img), 5);
        // The enlargement is bilinear on the normalised image: plane values stay within the normalised range of the ramp.
        Assert.All(planes[0], v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void PatchWeightedPoolingMatchesPyiqaFormula()
    {
        var model = OnnxFixtures.ManiqaPatches(_dir, 8);
        var desc = Crop8 with { Output = "patch_scores", WeightOutput = "patch_weights", CropRows = 2, CropColumns = 2 };
        using var maniqa = OnnxManiqa.Open(model, desc, threads: 1);
        var rng = new Random(22);
        var img = OnnxFidTests.Noise(rng, 0, 1, 10, 12);
        // Patch scores: mean of each 4×4 quadrant of each channel of the normalised crop; weights σ(score);
        // pooled over all crops and patches: Σ w s / (Σ w + 1e-8).
        double sws = 0, sw = 0;
        foreach (var (top, left) in OnnxManiqa.CropGrid(10, 12, 8, 2, 2))
            for (var c = 0; c < 3; c++)
                for (var qy = 0; qy < 2; qy++)
                    for (var qx = 0; qx < 2; qx++)
                    {
                        double s = 0;
                        for (var y = 0; y < 4; y++)
                            for (var x = 0; x < 4; x++) s += 2.0 * img[top + 4 * qy + y, left + 4 * qx + x, c] - 1;
                        s /= 16;
                        var wgt = 1 / (1 + Math.Exp(-s));
                        sws += wgt * s;
                        sw += wgt;
                    }
        Assert.Equal(sws / (sw + 1e-8), maniqa.Score(img), 5);
    }

    [Fact]
    public void FixedBatchModelAndSignatureErrors()
    {
        var fixedModel = OnnxFixtures.Maniqa(_dir, 8, batch: 1);
        using (var one = OnnxManiqa.Open(fixedModel, Crop8, threads: 1))
        {
            var img = OnnxFidTests.Ramp(12, 20);
            var sub = Directory.CreateDirectory(Path.Combine(_dir, "dyn")).FullName;
            using var dyn = OnnxManiqa.Open(OnnxFixtures.Maniqa(sub, 8), Crop8, threads: 1);
            Assert.Equal(dyn.Score(img), one.Score(img), 6);
        }
        var e = Assert.Throws<InvalidDataException>(() => OnnxManiqa.Open(fixedModel)); // default crop 224 vs model 8
        Assert.Contains("[N, 3, 224, 224]", e.Message);
        Assert.Contains("input float[1,3,8,8]", e.Message);
        var missing = Path.Combine(_dir, "m.onnx");
        Assert.Contains("koniq", Assert.Throws<FileNotFoundException>(() => OnnxManiqa.Open(missing)).Message, StringComparison.OrdinalIgnoreCase);
    }
}
