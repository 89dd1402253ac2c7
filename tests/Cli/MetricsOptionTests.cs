using System.Text.Json;
using SamDiffSR.Cli;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Tests.Metrics.Perceptual;
using SamDiffSR.Training;
using Xunit;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Cli;

/// <summary>
/// <c>--metrics</c> of <c>samdiffsr bicubic</c> and <c>samdiffsr eval</c>: the artifact score (no weights) per image and in
/// the mean, recomputed from the images; network metrics reported as unavailable without weights (exit 0) and computed
/// end to end with the tiny ONNX fixtures; unknown names are usage errors.
/// </summary>
public sealed class MetricsOptionTests
{
    public MetricsOptionTests() => TorchRuntime.Initialize(threads: 1);

    private static PerceptualImage Perceptual(ImageU8 im) => PerceptualImage.FromBytes(im.Data, im.Height, im.Width, im.Channels);

    /// <summary>The bicubic pair of one HR file, as the baseline builds it.</summary>
    private static (ImageU8 Gt, ImageU8 Sr) BicubicPair(string file, int s)
    {
        var gt = ImageOps.Modcrop(ImageIO.Load(file), s);
        return (gt, MatlabResize.Upscale(MatlabResize.Downscale(gt, s), s));
    }

    [Fact]
    public void Bicubic_Artifact_PerImageAndMean_MatchLdlArtifactMap_OldKeysUnchanged()
    {
        var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "psnr,ssim,artifact", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(new[] { "set", "scale", "convention", "images", "mean" }, root.EnumerateObject().Select(p => p.Name));
        var images = root.GetProperty("images");
        Assert.Equal(5, images.GetArrayLength());
        Assert.Equal(31.7845, images[0].GetProperty("psnr").GetDouble(), 1e-4); // unchanged baseline (docs/data.md §Reproduced values)
        var scores = new List<double>();
        foreach (var im in images.EnumerateArray())
        {
            Assert.Equal(new[] { "name", "psnr", "ssim", "artifact" }, im.EnumerateObject().Select(p => p.Name));
            var a = im.GetProperty("artifact").GetDouble();
            Assert.True(double.IsFinite(a) && a > 0, $"{im.GetProperty("name")}: artifact {a}");
            scores.Add(a);
        }
        // Recomputed independently for butterfly (index 2): the same pair through LdlArtifactMap.
        var (gt, sr) = BicubicPair(Path.Combine(DataPaths.Set5, "butterfly.png"), 4);
        Assert.Equal("butterfly.png", images[2].GetProperty("name").GetString());
        Assert.Equal(LdlArtifactMap.Compute(Perceptual(gt), Perceptual(sr)).Score, scores[2], 10);
        var mean = root.GetProperty("mean");
        Assert.Equal(new[] { "psnr", "ssim", "artifact" }, mean.EnumerateObject().Select(p => p.Name));
        Assert.Equal(scores.Average(), mean.GetProperty("artifact").GetDouble(), 10);
        Assert.InRange(mean.GetProperty("psnr").GetDouble(), 28.430 - 0.005, 28.430 + 0.005);
        // Butterfly has the strongest bicubic ringing of Set5, hence the largest artifact score.
        Assert.Equal(2, scores.IndexOf(scores.Max()));
    }

    [Fact]
    public void Bicubic_DefaultMetrics_KeepTheIssueShape()
    {
        var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(new[] { "name", "psnr", "ssim" }, doc.RootElement.GetProperty("images")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(new[] { "psnr", "ssim" }, doc.RootElement.GetProperty("mean").EnumerateObject().Select(p => p.Name));
        Assert.False(doc.RootElement.TryGetProperty("unavailable", out _));
    }

    [Fact]
    public void Fid_WithoutWeights_IsUnavailableWithTheReason_Exit0()
    {
        using var dir = new TempDir();
        var missing = dir.Sub("no-such-inception.onnx");
        var (code, stdout, stderr) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "psnr,ssim,artifact,fid", "--fid-onnx", missing, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var reason = root.GetProperty("unavailable").GetProperty("fid").GetString()!;
        Assert.Contains(missing, reason);
        Assert.Contains("does not exist", reason);
        Assert.False(root.GetProperty("mean").TryGetProperty("fid", out _));       // no faked value
        Assert.True(root.GetProperty("mean").TryGetProperty("artifact", out _));  // the others still computed
        Assert.False(root.GetProperty("images")[0].TryGetProperty("fid", out _));
        Assert.Contains("fid unavailable", stderr);

        // Table mode: a line names the metric and the reason.
        var table = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "fid,lpips", "--fid-onnx", missing, "--lpips-onnx", missing);
        Assert.Equal(0, table.Code);
        Assert.Contains(table.Out.Split('\n'), l => l.StartsWith("fid: unavailable", StringComparison.Ordinal) && l.Contains(missing));
        Assert.Contains(table.Out.Split('\n'), l => l.StartsWith("lpips: unavailable", StringComparison.Ordinal));

        // Nothing configured at all (only checkable where the environment names no model).
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PerceptualMetrics.ManiqaEnvironmentVariable)))
        {
            var (c2, o2, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "maniqa", "--json");
            Assert.Equal(0, c2);
            using var d2 = JsonDocument.Parse(o2);
            Assert.Contains(PerceptualMetrics.ManiqaEnvironmentVariable, d2.RootElement.GetProperty("unavailable").GetProperty("maniqa").GetString());
        }
    }

    [Fact]
    public void NetworkMetrics_RunEndToEnd_WithFixtureModels()
    {
        var dir = OnnxFixtures.TempDir();
        try
        {
            var fid = OnnxFixtures.Fid(dir, 299, 299);   // GAP of the clean-fid input: 3 features
            var lpips = OnnxFixtures.LpipsDistance(dir);  // 4 · MSE of the [0, 1] images
            File.WriteAllText(Path.ChangeExtension(lpips, ".json"), """{ "mode": "distance", "inputs": ["in0", "in1"] }""");
            var maniqa = OnnxFixtures.Maniqa(dir, 224);
            var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "lpips,maniqa,fid",
                "--fid-onnx", fid, "--lpips-onnx", lpips, "--maniqa-onnx", maniqa, "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(stdout);
            var root = doc.RootElement;
            Assert.False(root.TryGetProperty("unavailable", out _));
            var files = Directory.GetFiles(DataPaths.Set5, "*.png").Order(StringComparer.Ordinal).ToArray();
            var pairs = files.Select(f => BicubicPair(f, 4)).ToArray();

            // LPIPS fixture: closed form 4 · MSE.
            var (gt0, sr0) = pairs[0];
            double mse = gt0.Data.Zip(sr0.Data, (a, b) => (a - b) / 255.0 * ((a - b) / 255.0)).Average();
            Assert.Equal(4 * mse, root.GetProperty("images")[0].GetProperty("lpips").GetDouble(), 5);
            // MANIQA: the opened model on the SR image.
            using (var m = OnnxManiqa.Open(maniqa, threads: 1))
                Assert.Equal(m.Score(Perceptual(sr0)), root.GetProperty("images")[0].GetProperty("maniqa").GetDouble(), 6);
            // FID: the whole-set path of FidCalculator gives the same number as the streamed features.
            using (var calc = new FidCalculator(OnnxFeatureExtractor.Open(fid, threads: 1)))
            {
                var r = calc.Compute(pairs.Select(p => Perceptual(p.Sr)), pairs.Select(p => Perceptual(p.Gt)));
                Assert.Equal(r.Distance, root.GetProperty("mean").GetProperty("fid").GetDouble(), 8);
                Assert.True(r.Distance > 0);
            }
            var mean = root.GetProperty("mean");
            Assert.Equal(new[] { "psnr", "ssim", "fid", "lpips", "maniqa" }, mean.EnumerateObject().Select(p => p.Name));
            Assert.Equal(root.GetProperty("images").EnumerateArray().Average(i => i.GetProperty("lpips").GetDouble()), mean.GetProperty("lpips").GetDouble(), 10);
            // Five images against 3 fixture features: full-rank covariances, so no rank warning (Set5 with the real
            // 2048-d Inception features would carry one; see PerceptualSetScorerTests).
            Assert.False(root.TryGetProperty("warnings", out _));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Eval_TinyModelFolder_Ddim2_Artifact()
    {
        using var dir = new TempDir();
        var modelDir = dir.Sub("model"); Directory.CreateDirectory(modelDir);
        TorchSharp.torch.manual_seed(11);
        using (var nets = new SrDiffNetworks(ModelConfig.Tiny))
        {
            StateDictFile.SaveNetworks(nets, Path.Combine(modelDir, ModelFolder.ModelFile));
            ModelConfig.Tiny.Save(Path.Combine(modelDir, ModelFolder.ConfigFile));
            DiffusionOptions.SrDiff.Save(Path.Combine(modelDir, ModelFolder.DiffusionFile));
        }
        var hrDir = dir.Sub("hr"); Directory.CreateDirectory(hrDir);
        ImageIO.SavePng(Textured(34, 30, 1), Path.Combine(hrDir, "a.png"));   // modcropped to 32×28
        ImageIO.SavePng(Textured(24, 28, 2), Path.Combine(hrDir, "b.png"));
        var outDir = dir.Sub("sr");
        var (code, stdout, stderr) = Run("eval", "--checkpoint", modelDir, "--hr", hrDir, "--scale", "4", "--sampler", "ddim", "--steps", "2",
            "--metrics", "artifact", "--threads", "1", "--out", outDir, "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(new[] { "set", "scale", "convention", "sampler", "images", "mean" }, root.EnumerateObject().Select(p => p.Name));
        var images = root.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        var scores = new List<double>();
        foreach (var im in images.EnumerateArray())
        {
            Assert.Equal(new[] { "name", "psnr", "ssim", "lr_psnr", "seconds", "artifact" }, im.EnumerateObject().Select(p => p.Name));
            var name = im.GetProperty("name").GetString()!;
            // The score is that of the written SR PNG against the modcropped HR.
            var sr = ImageIO.Load(Path.Combine(outDir, name));
            var gt = ImageOps.Modcrop(ImageIO.Load(Path.Combine(hrDir, name)), 4);
            var expected = LdlArtifactMap.Compute(Perceptual(gt), Perceptual(sr)).Score;
            Assert.True(expected > 0);
            Assert.Equal(expected, im.GetProperty("artifact").GetDouble(), 10);
            scores.Add(expected);
        }
        var mean = root.GetProperty("mean");
        Assert.Equal(new[] { "psnr", "ssim", "lr_psnr", "artifact" }, mean.EnumerateObject().Select(p => p.Name));
        Assert.Equal(scores.Average(), mean.GetProperty("artifact").GetDouble(), 10);

        // Table mode shows the artifact column.
        var table = Run("eval", "--checkpoint", modelDir, "--hr", hrDir, "--sampler", "ddim", "--steps", "2", "--metrics", "artifact", "--threads", "1", "--max-images", "1");
        Assert.Equal(0, table.Code);
        Assert.Contains("artifact", table.Out.Split('\n')[1]);
    }

    [Theory]
    [InlineData("bicubic", "psnr,ssim,niqe", "unknown metric 'niqe'")]
    [InlineData("bicubic", "psnr,,ssim", "unknown metric ''")]
    [InlineData("eval", "psnr,FIDO", "unknown metric 'fido'")]
    public void UnknownMetric_IsAUsageError(string command, string list, string message)
    {
        string[] args = command == "bicubic"
            ? ["bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", list]
            : ["eval", "--checkpoint", "nowhere", "--hr", DataPaths.Set5, "--metrics", list];
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void ModelPath_ForAMetricNotRequested_IsAUsageError()
    {
        var (code, _, stderr) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--lpips-onnx", "x.onnx");
        Assert.Equal(2, code);
        Assert.Contains("--lpips-onnx", stderr);
    }

    [Fact]
    public void MetricNames_AreCaseInsensitive_AndOrderedAsTheRegistry()
    {
        var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--metrics", "ARTIFACT, ssim", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("mean").TryGetProperty("artifact", out _));
    }
}
