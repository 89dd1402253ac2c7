using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class PerceptualSetScorerTests : IDisposable
{
    private readonly string _dir = OnnxFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PerceptualMetrics Discover(string? fid = null, string? lpips = null) =>
        PerceptualMetrics.Discover(new PerceptualMetricPaths(fid, lpips), threads: 1, environment: _ => null);

    private static PerceptualImage Gray(Random rng, int h, int w) =>
        PerceptualImage.FromHwc(Enumerable.Range(0, h * w).Select(_ => (float)rng.NextDouble()).ToArray(), h, w, 1);

    [Fact]
    public void ArtifactMeanIsTheSetScore_MissingModelsAreUnavailable()
    {
        var rng = new Random(4);
        using var s = new PerceptualSetScorer(Discover(), ["maniqa", "ARTIFACT", "artifact", "fid"]);
        Assert.Equal(new[] { "artifact", "fid", "maniqa" }, s.Requested);
        var pairs = Enumerable.Range(0, 3).Select(_ => (OnnxFidTests.Noise(rng, 0, 1, 12, 10), OnnxFidTests.Noise(rng, 0, 1, 12, 10))).ToList();
        foreach (var (k, (gt, sr)) in pairs.Index()) s.Add($"i{k}", gt, sr);
        var r = s.Finish();
        var expected = pairs.Select(p => LdlArtifactMap.Score(p.Item1, p.Item2)).ToList();
        Assert.Equal(expected, r.Images.Select(i => i.Values["artifact"]));
        Assert.Equal(LdlArtifactMap.SetScore(expected), r.Means["artifact"], 12);
        Assert.Equal(new[] { "artifact" }, r.PerImageMetrics);
        Assert.Equal(new[] { "fid", "maniqa" }, r.Unavailable.Keys);
        Assert.Contains(PerceptualMetrics.FidEnvironmentVariable, r.Unavailable["fid"]);
        Assert.DoesNotContain("fid", r.Means.Keys);
        Assert.Throws<ArgumentException>(() => new PerceptualSetScorer(Discover(), ["niqe"]));
    }

    [Fact]
    public void FidOfOneImage_IsUnavailable_GrayImagesAreReplicatedForTheNetworks()
    {
        var lpips = OnnxFixtures.LpipsDistance(_dir);
        File.WriteAllText(Path.ChangeExtension(lpips, ".json"), """{ "mode": "distance", "inputs": ["in0", "in1"] }""");
        using var s = new PerceptualSetScorer(Discover(OnnxFixtures.Fid(_dir, 299, 299), lpips), ["fid", "lpips"]);
        var rng = new Random(9);
        var gt = Gray(rng, 9, 11);
        var sr = Gray(rng, 9, 11);
        s.Add("g", gt, sr);
        var r = s.Finish();
        // Gray: the 4 · MSE of the fixture is that of the single plane (replicated to RGB).
        var mse = gt.Data.ToArray().Zip(sr.Data.ToArray(), (a, b) => (double)(a - b) * (a - b)).Average();
        Assert.Equal(4 * mse, r.Images[0].Values["lpips"], 5);
        Assert.Contains("at least 2 images", r.Unavailable["fid"]);
        Assert.Throws<ObjectDisposedException>(() => s.Add("again", gt, sr));
    }

    [Fact]
    public void Fid_StreamedFeaturesEqualTheWholeSetPath_AndSmallSetsWarn()
    {
        var model = OnnxFixtures.Fid(_dir, 299, 299);   // 3 GAP features of the clean-fid input
        var rng = new Random(21);
        var gts = Enumerable.Range(0, 11).Select(_ => OnnxFidTests.Noise(rng, 0, 1, 9, 7)).ToList();
        var srs = gts.Select(_ => OnnxFidTests.Noise(rng, 0.1f, 0.8f, 9, 7)).ToList();
        using (var s = new PerceptualSetScorer(Discover(model), ["fid"]))
        {
            for (var i = 0; i < gts.Count; i++) s.Add($"i{i}", gts[i], srs[i]);   // crosses the batch of 8
            var r = s.Finish();
            using var calc = new FidCalculator(OnnxFeatureExtractor.Open(model, threads: 1));
            Assert.Equal(calc.Compute(srs, gts).Distance, r.Means["fid"], 10);
            Assert.Empty(r.Warnings);                    // N = 11 > D = 3
            Assert.Empty(r.PerImageMetrics);
        }
        using (var s = new PerceptualSetScorer(Discover(model), ["fid"]))
        {
            for (var i = 0; i < 3; i++) s.Add($"i{i}", gts[i], srs[i]);
            var r = s.Finish();
            Assert.True(double.IsFinite(r.Means["fid"]));
            Assert.Contains(r.Warnings, w => w.StartsWith("fid: first set: Only 3 feature vectors", StringComparison.Ordinal));
        }
    }
}
