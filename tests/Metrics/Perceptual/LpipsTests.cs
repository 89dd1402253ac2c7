using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class LpipsTests : IDisposable
{
    private readonly string _dir = OnnxFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly double[][] FixtureHeads = [[0.5, 1.0, 2.0], [1, 1, 1], [0.1, 0.2, 0.3], [3, 0, 1], [1, 2, 0.5]];

    [Fact]
    public void LayerTermByHand()
    {
        // Pixel 0: f0 = (3, 4) → (0.6, 0.8); f1 = (0, 2) → (0, 1); w = (1, 2): 0.36 + 2·0.04 = 0.44.
        // Pixel 1: identical directions (1, 1) and (5, 5) → 0. Spatial mean = 0.22.
        var a = new FeatureMap(2, 1, 2, [3, 1, 4, 1]);
        var b = new FeatureMap(2, 1, 2, [0, 5, 2, 5]);
        Assert.Equal(0.22, LpipsDistance.LayerTerm(a, b, [1.0, 2.0]), 9);
        Assert.Equal(0.0, LpipsDistance.LayerTerm(a, a, [1.0, 2.0]), 15);
    }

    [Fact]
    public void DistanceSumsLayerTermsAndChecksShapes()
    {
        var heads = new LpipsLinearHeads([[1.0, 2.0], [4.0]]);
        var a = new FeatureMap(2, 1, 2, [3, 1, 4, 1]);
        var b = new FeatureMap(2, 1, 2, [0, 5, 2, 5]);
        // Layer 2: one channel, unit-normalised values are sign(f): (+1) vs (−1) → diff² 4, weight 4 → 16.
        var c = new FeatureMap(1, 1, 1, [2]);
        var d = new FeatureMap(1, 1, 1, [-0.5f]);
        var per = new double[2];
        // (ε = 1e-10 in ‖f‖ + ε moves layer 2 by ≈ 4e-9.)
        Assert.Equal(0.22 + 16, LpipsDistance.FromFeatures([a, c], [b, d], heads, per), 1e-8);
        Assert.Equal(16, per[1], 1e-8);
        Assert.Throws<ArgumentException>(() => LpipsDistance.FromFeatures([a], [b], heads));
        Assert.Throws<ArgumentException>(() => LpipsDistance.FromFeatures([c, c], [d, d], heads)); // head 0 has 2 weights
        Assert.Throws<ArgumentException>(() => new LpipsLinearHeads([[1.0, -0.1]]));
    }

    [Fact]
    public void ScalingLayerConstants()
    {
        // lpips ScalingLayer: shift (−.030, −.088, −.188), scale (.458, .448, .450) on inputs in [−1, 1].
        var n = ImageNormalization.LpipsAlexInput;
        double x = 0.3;
        for (var c = 0; c < 3; c++)
            Assert.Equal((2 * x - 1 - LpipsDistance.Shift[c]) / LpipsDistance.Scale[c], n.Apply(x * n.PixelScale, c), 6);
        Assert.Equal(new[] { -0.030, -0.088, -0.188 }, LpipsDistance.Shift);
        Assert.Equal(new[] { 0.458, 0.448, 0.450 }, LpipsDistance.Scale);
        Assert.Equal(new[] { 64, 192, 384, 256, 256 }, LpipsDistance.AlexChannels);
    }

    [Fact]
    public void HeadsLoadFromStateDictStyleJsonAndArrays()
    {
        var p1 = Path.Combine(_dir, "h1.json");
        File.WriteAllText(p1, """{ "lin1.model.1.weight": [[[[0.5]], [[0.25]]]], "lin0.model.1.weight": [[[[1.0]]]] }""");
        var h1 = LpipsLinearHeads.Load(p1);
        Assert.Equal(2, h1.LayerCount);
        Assert.Equal(new[] { 1.0 }, h1.Layer(0).ToArray());
        Assert.Equal(new[] { 0.5, 0.25 }, h1.Layer(1).ToArray());
        var p2 = Path.Combine(_dir, "h2.json");
        File.WriteAllText(p2, "[[1, 2], [3]]");
        Assert.Equal(new[] { 3.0 }, LpipsLinearHeads.Load(p2).Layer(1).ToArray());
        var p3 = Path.Combine(_dir, "h3.json");
        File.WriteAllText(p3, """{ "lin0": [1], "lin2": [1] }""");
        Assert.Contains("lin1 is missing", Assert.Throws<InvalidDataException>(() => LpipsLinearHeads.Load(p3)).Message);
        File.WriteAllText(p3, """{ "net.weight": [1] }""");
        Assert.Contains("net.weight", Assert.Throws<InvalidDataException>(() => LpipsLinearHeads.Load(p3)).Message);
        var missing = Path.Combine(_dir, "none.json");
        Assert.Contains("alex.pth", Assert.Throws<FileNotFoundException>(() => LpipsLinearHeads.Load(missing)).Message);
    }

    [Fact]
    public void FeaturesModeOnConstantImagesMatchesClosedForm()
    {
        // Every fixture layer of a constant image is constant, so each layer term is Σ_c w_c (n⁰_c − n¹_c)² with
        // n = g(v)/‖g(v)‖ for the layer's pointwise map g (identity, relu, avg-pool = identity, abs, GAP = identity) of
        // v_c = (2x_c − 1 − shift_c)/scale_c.
        using var lpips = OnnxLpips.Open(OnnxFixtures.LpipsFeatures(_dir), heads: new LpipsLinearHeads(FixtureHeads), threads: 1);
        float[] c0 = [0.8f, 0.3f, 0.1f];
        float[] c1 = [0.2f, 0.5f, 0.9f];
        var a = OnnxFidTests.Constant(6, 8, c0[0], c0[1], c0[2]);
        var b = OnnxFidTests.Constant(6, 8, c1[0], c1[1], c1[2]);
        var v0 = Scaled(c0);
        var v1 = Scaled(c1);
        Func<double, double>[] g = [x => x, x => Math.Max(x, 0), x => x, Math.Abs, x => x];
        var expectedPerLayer = new double[5];
        for (var l = 0; l < 5; l++)
        {
            var g0 = v0.Select(g[l]).ToArray();
            var g1 = v1.Select(g[l]).ToArray();
            var n0 = Math.Sqrt(g0.Sum(x => x * x)) + 1e-10;
            var n1 = Math.Sqrt(g1.Sum(x => x * x)) + 1e-10;
            for (var c = 0; c < 3; c++) expectedPerLayer[l] += FixtureHeads[l][c] * Math.Pow(g0[c] / n0 - g1[c] / n1, 2);
        }
        var per = new double[5];
        Assert.Equal(expectedPerLayer.Sum(), lpips.Distance(a, b, per), 5);
        for (var l = 0; l < 5; l++) Assert.Equal(expectedPerLayer[l], per[l], 5);
        Assert.Equal(11.3917125, expectedPerLayer.Sum(), 6); // the same closed form evaluated independently in Python
        Assert.Equal(0.0, lpips.Distance(a, a), 12);
    }

    [Fact]
    public void FeaturesModeOnRandomImagesMatchesAHandWrittenBackbone()
    {
        using var lpips = OnnxLpips.Open(OnnxFixtures.LpipsFeatures(_dir), heads: new LpipsLinearHeads(FixtureHeads), threads: 1);
        var rng = new Random(12);
        const int h = 6, w = 10;
        var a = OnnxFidTests.Noise(rng, 0, 1, h, w);
        var b = OnnxFidTests.Noise(rng, 0, 1, h, w);
        var expected = LpipsDistance.FromFeatures(Backbone(a), Backbone(b), new LpipsLinearHeads(FixtureHeads));
        Assert.Equal(expected, lpips.Distance(a, b), 5);
        Assert.Equal(lpips.Distance(a, b), lpips.Distance(b, a), 6);
        // A model exported with a fixed batch of 1 gives the same distance.
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "fixed")).FullName;
        using var fixedOne = OnnxLpips.Open(OnnxFixtures.LpipsFeatures(sub, batch: 1), heads: new LpipsLinearHeads(FixtureHeads), threads: 1);
        Assert.Equal(lpips.Distance(a, b), fixedOne.Distance(a, b), 9);
    }

    [Fact]
    public void DistanceModeRunsTheWholeNetwork()
    {
        // Fixture: mean over C, H, W of (in0 − in1)², inputs in [−1, 1] → 4 · MSE of the [0, 1] images.
        var model = OnnxFixtures.LpipsDistance(_dir);
        File.WriteAllText(Path.ChangeExtension(model, ".json"), """{ "mode": "distance", "inputs": ["in0", "in1"] }""");
        using var lpips = OnnxLpips.Open(model, threads: 1);
        var rng = new Random(13);
        var a = OnnxFidTests.Noise(rng, 0, 1, 5, 7);
        var b = OnnxFidTests.Noise(rng, 0, 1, 5, 7);
        var mse = a.Data.ToArray().Zip(b.Data.ToArray(), (x, y) => (double)(x - y) * (x - y)).Average();
        Assert.Equal(4 * mse, lpips.Distance(a, b), 5);
    }

    [Fact]
    public void ErrorsNameTheProblem()
    {
        var model = OnnxFixtures.LpipsFeatures(_dir);
        // No heads file next to the model.
        var e1 = Assert.Throws<FileNotFoundException>(() => OnnxLpips.Open(model));
        Assert.Contains("lpips_weights.json", e1.Message);
        // Heads for 4 layers against 5 outputs.
        var e2 = Assert.Throws<InvalidDataException>(() => OnnxLpips.Open(model, heads: new LpipsLinearHeads(FixtureHeads[..4])));
        Assert.Contains("4 feature-map outputs", e2.Message);
        // Head 0 with 64 weights (AlexNet) against a 3-channel output.
        var alex = FixtureHeads.Select((h, i) => i == 0 ? Enumerable.Repeat(1.0, 64).ToArray() : h).ToArray();
        var e3 = Assert.Throws<InvalidDataException>(() => OnnxLpips.Open(model, heads: new LpipsLinearHeads(alex)));
        Assert.Contains("[N, 64, H, W]", e3.Message);
        Assert.Contains("f1 float[-1,3,-1,-1]", e3.Message);
        using var lpips = OnnxLpips.Open(model, heads: new LpipsLinearHeads(FixtureHeads), threads: 1);
        Assert.Throws<ArgumentException>(() => lpips.Distance(OnnxFidTests.Constant(4, 4, 0, 0, 0), OnnxFidTests.Constant(4, 5, 0, 0, 0)));
    }

    private static double[] Scaled(float[] rgb) =>
        [.. Enumerable.Range(0, 3).Select(c => (2.0 * rgb[c] - 1 - LpipsDistance.Shift[c]) / LpipsDistance.Scale[c])];

    /// <summary>The fixture's five layers written out in C# on the normalised image.</summary>
    private static List<FeatureMap> Backbone(PerceptualImage img)
    {
        int h = img.Height, w = img.Width;
        var x = new float[3 * h * w];
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < h * w; i++)
                x[c * h * w + i] = (float)((2.0 * img.Data[i * 3 + c] - 1 - LpipsDistance.Shift[c]) / LpipsDistance.Scale[c]);
        var pooled = new float[3 * (h / 2) * (w / 2)];
        var gap = new float[3];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < h / 2; y++)
                for (var xx = 0; xx < w / 2; xx++)
                {
                    var s = 0.0;
                    for (var dy = 0; dy < 2; dy++)
                        for (var dx = 0; dx < 2; dx++) s += x[c * h * w + (2 * y + dy) * w + 2 * xx + dx];
                    pooled[c * (h / 2) * (w / 2) + y * (w / 2) + xx] = (float)(s / 4);
                }
            gap[c] = (float)x.AsSpan(c * h * w, h * w).ToArray().Average();
        }
        return
        [
            new FeatureMap(3, h, w, x),
            new FeatureMap(3, h, w, x.Select(v => Math.Max(v, 0f)).ToArray()),
            new FeatureMap(3, h / 2, w / 2, pooled),
            new FeatureMap(3, h, w, x.Select(Math.Abs).ToArray()),
            new FeatureMap(3, 1, 1, gap),
        ];
    }
}
