using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class OnnxFidTests : IDisposable
{
    private readonly string _dir = OnnxFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly FidModelDescription Small = new()
    {
        Height = 8,
        Width = 8,
        Resize = FidResize.None,
        Normalization = ImageNormalization.MinusOneToOne,
    };

    [Fact]
    public void FeaturesOfTheAveragePoolFixtureAreChannelMeans()
    {
        using var fid = OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), Small, threads: 1);
        var a = Constant(8, 8, 0.25f, 0.5f, 1.0f);
        var b = Ramp(8, 8);
        var f = fid.Extract([a, b]);
        Assert.Equal((2, 3), (f.Count, f.Dimension));
        // (2x − 1) per channel, averaged.
        Assert.Equal(new[] { -0.5f, 0f, 1f }, f.Data[..3]);
        for (var c = 0; c < 3; c++)
        {
            var expected = b.Plane(c).Average(v => 2.0 * v - 1.0);
            Assert.Equal(expected, f.Data[3 + c], 5);
        }
    }

    [Fact]
    public void CleanFidPreprocessingOfAConstantImage()
    {
        // Pillow bicubic keeps constants, so each 16×16 channel is (255·c − 128)/128 and the GAP feature equals it.
        var desc = new FidModelDescription { Height = 16, Width = 16 }; // default resize + clean-fid normalisation
        using var fid = OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 16, 16), desc, threads: 1);
        var img = Constant(37, 23, 0.2f, 0.6f, 0.9f);
        var pre = fid.Preprocess(img);
        Assert.Equal(3 * 16 * 16, pre.Length);
        Assert.Equal((255 * 0.2 - 128) / 128, pre[0], 4);
        Assert.Equal((255 * 0.9 - 128) / 128, pre[2 * 256 + 255], 4);
        var f = fid.Extract([img]);
        Assert.Equal((255 * 0.6 - 128) / 128, f.Data[1], 4);
    }

    [Fact]
    public void FidOfAColourShiftedSetIsTheSquaredFeatureShift()
    {
        // Shifting every image by δ per channel shifts the (2x − 1) GAP features by 2δ and leaves the covariance unchanged:
        // FID = |2δ|² (translation of one Gaussian).
        using var calc = new FidCalculator(OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), Small, threads: 1), batchSize: 3);
        var rng = new Random(3);
        var setA = Enumerable.Range(0, 7).Select(_ => Noise(rng, 0.1f, 0.7f)).ToList();
        float[] delta = [0.05f, -0.1f, 0.2f];
        var setB = setA.Select(img => Shift(img, delta)).ToList();
        var r = calc.Compute(setA, setB);
        var expected = delta.Sum(d => 4.0 * d * d);
        Assert.Equal(expected, r.Distance, 4);
        Assert.Equal(expected, r.MeanTerm, 4);
        Assert.Empty(r.Warnings); // 7 images > 3 dimensions
    }

    [Fact]
    public void SmallSetsCarryTheRankWarning()
    {
        using var calc = new FidCalculator(OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), Small, threads: 1));
        var rng = new Random(4);
        var set = Enumerable.Range(0, 3).Select(_ => Noise(rng, 0, 1)).ToList();
        var r = calc.Compute(set, set);
        Assert.Equal(0, r.Distance, 6);
        Assert.Equal(2, r.Warnings.Count);
        Assert.Contains("3 feature vectors for 3 dimensions", r.Warnings[0]);
    }

    [Fact]
    public void FourDimensionalOutputAndFixedBatchModelsGiveTheSameFeatures()
    {
        var rng = new Random(6);
        var images = Enumerable.Range(0, 3).Select(_ => Noise(rng, 0, 1)).ToList();
        using var plain = OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), Small, threads: 1);
        var sub1 = Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName;
        using var fourD = OnnxFeatureExtractor.Open(OnnxFixtures.Fid(sub1, 8, 8, flatten: false), Small, threads: 1);
        var sub2 = Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName;
        using var fixedOne = OnnxFeatureExtractor.Open(OnnxFixtures.Fid(sub2, 8, 8, batch: 1), Small, threads: 1);
        var f = plain.Extract(images).Data;
        Assert.Equal(f, fourD.Extract(images).Data);
        Assert.Equal(f, fixedOne.Extract(images).Data);
    }

    [Fact]
    public void SidecarDescriptionIsReadAndUnknownKeysAreRejected()
    {
        var model = OnnxFixtures.Fid(_dir, 8, 8);
        File.WriteAllText(Path.ChangeExtension(model, ".json"),
            """{ "height": 8, "width": 8, "resize": "none", "normalization": { "pixelScale": 1, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5] } }""");
        using (var fid = OnnxFeatureExtractor.Open(model, threads: 1))
        {
            Assert.Equal(FidResize.None, fid.Settings.Resize);
            Assert.Equal(new[] { -0.5f, 0f, 1f }, fid.Extract([Constant(8, 8, 0.25f, 0.5f, 1.0f)]).Data);
        }
        File.WriteAllText(Path.ChangeExtension(model, ".json"), """{ "hieght": 8 }""");
        var e = Assert.Throws<InvalidDataException>(() => OnnxFeatureExtractor.Open(model));
        Assert.Contains("fid.json", e.Message);
    }

    [Fact]
    public void ClearErrorsForMissingBrokenAndMismatchedModels()
    {
        var missing = Path.Combine(_dir, "nope.onnx");
        var e1 = Assert.Throws<FileNotFoundException>(() => OnnxFeatureExtractor.Open(missing));
        Assert.Contains(missing, e1.Message);
        Assert.Contains("Inception", e1.Message);

        var garbage = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        var e2 = Assert.Throws<InvalidDataException>(() => OnnxFeatureExtractor.Open(garbage, Small));
        Assert.Contains(garbage, e2.Message);

        var wrong = OnnxFixtures.WrongRank(_dir);
        var e3 = Assert.Throws<InvalidDataException>(() => OnnxFeatureExtractor.Open(wrong, Small));
        Assert.Contains("expected input 'x' float32 [N, 3, 8, 8]", e3.Message);
        Assert.Contains("found inputs: x float[-1,3]", e3.Message);

        // Model fixed at 8×8 but the description (default) asks for 299×299.
        var e4 = Assert.Throws<InvalidDataException>(() => OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), new FidModelDescription()));
        Assert.Contains("299", e4.Message);

        // Named output that does not exist.
        var e5 = Assert.Throws<InvalidDataException>(() => OnnxFeatureExtractor.Open(OnnxFixtures.Fid(_dir, 8, 8), Small with { Output = "logits" }));
        Assert.Contains("'logits'", e5.Message);
    }

    internal static PerceptualImage Constant(int h, int w, float r, float g, float b)
    {
        var d = new float[h * w * 3];
        for (var i = 0; i < h * w; i++) { d[i * 3] = r; d[i * 3 + 1] = g; d[i * 3 + 2] = b; }
        return PerceptualImage.FromHwc(d, h, w, 3);
    }

    internal static PerceptualImage Ramp(int h, int w)
    {
        var d = new float[h * w * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = (float)((x + 2 * y + c) / (double)(w + 2 * h + 3));
        return PerceptualImage.FromHwc(d, h, w, 3);
    }

    internal static PerceptualImage Noise(Random rng, float lo, float hi, int h = 8, int w = 8)
    {
        var d = new float[h * w * 3];
        for (var i = 0; i < d.Length; i++) d[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return PerceptualImage.FromHwc(d, h, w, 3);
    }

    private static PerceptualImage Shift(PerceptualImage img, float[] delta)
    {
        var d = img.Data.ToArray();
        for (var i = 0; i < d.Length; i++) d[i] += delta[i % 3];
        return PerceptualImage.FromHwc(d, img.Height, img.Width, 3);
    }
}
