using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class PerceptualMetricsTests : IDisposable
{
    private readonly string _dir = OnnxFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, string?> Env(Dictionary<string, string> vars) => k => vars.GetValueOrDefault(k);

    [Fact]
    public void WithoutModelsOnlyTheArtifactScoreIsAvailable()
    {
        var m = PerceptualMetrics.Discover(environment: Env([]));
        Assert.Equal(new[] { "artifact", "fid", "lpips", "maniqa" }, m.Availability.Select(a => a.Metric));
        Assert.True(m.IsAvailable("artifact"));
        Assert.False(m.IsAvailable("FID"));
        Assert.Contains("SAMDIFFSR_FID_ONNX", m["fid"].Reason);
        Assert.Contains("SAMDIFFSR_LPIPS_ONNX", m["lpips"].Reason);
        Assert.Contains("SAMDIFFSR_MANIQA_ONNX", m["maniqa"].Reason);
        var e = Assert.Throws<InvalidOperationException>(() => m.OpenFid());
        Assert.Contains("unavailable", e.Message);
        Assert.Throws<ArgumentException>(() => m["niqe"]);
    }

    [Fact]
    public void ModelsFromTheEnvironmentAreValidatedAndOpened()
    {
        var fid = OnnxFixtures.Fid(_dir, 8, 8);
        File.WriteAllText(Path.ChangeExtension(fid, ".json"), """{ "height": 8, "width": 8, "resize": "none" }""");
        var lpips = OnnxFixtures.LpipsFeatures(_dir);
        File.WriteAllText(Path.ChangeExtension(lpips, ".json"), """{ "weights": "heads.json" }""");
        File.WriteAllText(Path.Combine(_dir, "heads.json"), "[[1,1,1],[1,1,1],[1,1,1],[1,1,1],[1,1,1]]");
        var maniqa = OnnxFixtures.Maniqa(_dir, 8);
        File.WriteAllText(Path.ChangeExtension(maniqa, ".json"), """{ "cropSize": 8 }""");
        var m = PerceptualMetrics.Discover(threads: 1, environment: Env(new()
        {
            [PerceptualMetrics.FidEnvironmentVariable] = fid,
            [PerceptualMetrics.LpipsEnvironmentVariable] = lpips,
            [PerceptualMetrics.ManiqaEnvironmentVariable] = maniqa,
        }));
        Assert.All(m.Availability, a => Assert.True(a.IsAvailable, a.Reason));
        Assert.Equal(fid, m["fid"].ModelPath);
        var rng = new Random(31);
        var imgs = Enumerable.Range(0, 4).Select(_ => OnnxFidTests.Noise(rng, 0, 1, 8, 8)).ToList();
        using (var f = m.OpenFid()) Assert.Equal(0, f.Compute(imgs, imgs).Distance, 6);
        using (var l = m.OpenLpips()) Assert.Equal(0, l.Distance(imgs[0], imgs[0]), 9);
        using (var q = m.OpenManiqa()) Assert.True(double.IsFinite(q.Score(imgs[1])));
    }

    [Fact]
    public void ExplicitPathsWinAndBadFilesAreReportedNotFaked()
    {
        var wrong = OnnxFixtures.WrongRank(_dir);
        var missing = Path.Combine(_dir, "missing.onnx");
        var m = PerceptualMetrics.Discover(
            new PerceptualMetricPaths(FidOnnx: wrong, ManiqaOnnx: missing),
            threads: 1,
            environment: Env(new() { [PerceptualMetrics.FidEnvironmentVariable] = "/elsewhere.onnx" }));
        Assert.False(m.IsAvailable("fid"));
        Assert.Equal(wrong, m["fid"].ModelPath);
        Assert.Contains("expected", m["fid"].Reason);
        Assert.Contains("found", m["fid"].Reason);
        Assert.False(m.IsAvailable("maniqa"));
        Assert.Contains("does not exist", m["maniqa"].Reason);
        Assert.Contains("unavailable", Assert.Throws<InvalidOperationException>(() => m.OpenManiqa()).Message);
    }
}
