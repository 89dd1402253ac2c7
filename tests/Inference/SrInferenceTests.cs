using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Metrics;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using Xunit;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Inference;

/// <summary>
/// <see cref="SrInference"/> with an untrained seeded Tiny model and 2-step DDIM: output sizes and files, gray images,
/// the metrics recomputed from the written PNGs, LR consistency, reproducibility.
/// </summary>
public class SrInferenceTests
{
    private static readonly SamplingOptions Ddim2 = new(SamplerKind.Ddim, 2);

    public SrInferenceTests() => TorchRuntime.Initialize(threads: 1);

    private static SrDiffusionModel Tiny(DiffusionOptions? options = null, int extra = 0)
    {
        manual_seed(5);
        var nets = new SrDiffNetworks(ModelConfig.Tiny with { ExtraInputChannels = extra });
        nets.eval();
        return new SrDiffusionModel(nets, options ?? DiffusionOptions.SrDiff, CPU, ownsNetworks: true);
    }

    private static ImageU8 Gray(int h, int w, int seed) =>
        new(h, w, 1, Textured(h, w, seed).Data.Where((_, k) => k % 3 == 1).ToArray());

    [Fact]
    public void EvaluateFolder_WritesHrSizedPngs_GrayStaysGray_AndMetricsMatchTheFiles()
    {
        using var dir = new TempDir();
        var hrDir = dir.Sub("hr"); Directory.CreateDirectory(hrDir);
        var rgb = Textured(30, 26, 1);    // modcropped to 28×24
        var gray = Gray(25, 23, 2);       // modcropped to 24×20
        ImageIO.SavePng(rgb, Path.Combine(hrDir, "a.png"));
        ImageIO.SavePng(gray, Path.Combine(hrDir, "b.png"));
        var outDir = dir.Sub("out", "sr");   // does not exist yet
        using var model = Tiny();
        var progress = new List<ProgressInfo>();
        var ev = SrInference.EvaluateFolder(model, hrDir, Ddim2, seed: 3, outDirectory: outDir, progress: new SyncProgress(progress.Add));

        Assert.Equal("hr", ev.Set);
        Assert.Equal(4, ev.Scale);
        Assert.StartsWith("ddim, ", ev.Sampler);
        Assert.Equal(new[] { "a.png", "b.png" }, ev.Images.Select(i => i.Name));
        // one report before the first image (0 of 2, so the bar's clock starts with the run), then one per image
        Assert.Equal(new long[] { 0, 1, 2 }, progress.Where(p => p.Stage == "eval").Select(p => p.Done).ToArray());
        foreach (var r in ev.Images)
        {
            Assert.True(double.IsFinite(r.Psnr) && r.Psnr > 5 && r.Psnr < 60, $"{r.Name}: PSNR {r.Psnr}");
            Assert.True(double.IsFinite(r.Ssim) && r.Ssim > -1 && r.Ssim <= 1, $"{r.Name}: SSIM {r.Ssim}");
            Assert.True(double.IsFinite(r.LrPsnr) && r.LrPsnr > 10, $"{r.Name}: LR-PSNR {r.LrPsnr}");
        }
        Assert.Equal(ev.Images.Average(i => i.Psnr), ev.MeanPsnr, 12);

        var srA = ImageIO.Load(Path.Combine(outDir, "a.png"));
        var srB = ImageIO.Load(Path.Combine(outDir, "b.png"));
        Assert.Equal((28, 24, 3), (srA.Height, srA.Width, srA.Channels));
        Assert.Equal((24, 20, 1), (srB.Height, srB.Width, srB.Channels));

        // The reported numbers are those of the written files against the modcropped HR.
        var hrA = ImageOps.Modcrop(rgb, 4); var hrB = ImageOps.Modcrop(gray, 4);
        var qa = QualityMetrics.Measure(srA, hrA, 4, MetricConvention.YDouble);
        var qb = QualityMetrics.Measure(srB, hrB, 4, MetricConvention.YDouble);
        Assert.Equal(qa.Psnr, ev.Images[0].Psnr, 10);
        Assert.Equal(qa.Ssim, ev.Images[0].Ssim, 10);
        Assert.Equal(qb.Psnr, ev.Images[1].Psnr, 10);
        // LR consistency: PSNR(imresize(SR, 1/4), LR) in RGB on 0..255.
        var lrA = MatlabResize.Downscale(hrA, 4);
        double lrPsnr = QualityMetrics.Psnr(ImageF64.FromU8(MatlabResize.Downscale(srA, 4), 1.0), ImageF64.FromU8(lrA, 1.0), 255.0);
        Assert.Equal(lrPsnr, ev.Images[0].LrPsnr, 10);

        // The SR image is the model's super-resolution of the MATLAB-exact LR with seed + index.
        var direct = SrInference.SuperResolve(model, lrA, Ddim2, seed: 3);
        Assert.Equal(srA.Data, direct.Data);
        // maxImages limits the work.
        Assert.Single(SrInference.EvaluateFolder(model, hrDir, Ddim2, maxImages: 1).Images);
    }

    [Fact]
    public void SuperResolve_SizeSeedAndGrayInput()
    {
        using var model = Tiny();
        var lr = Textured(5, 7, 4);
        var a = SrInference.SuperResolve(model, lr, Ddim2, seed: 1);
        Assert.Equal((20, 28, 3), (a.Height, a.Width, a.Channels));
        Assert.Equal(a.Data, SrInference.SuperResolve(model, lr, Ddim2, seed: 1).Data);
        Assert.NotEqual(a.Data, SrInference.SuperResolve(model, lr, Ddim2, seed: 2).Data);
        // Gray LR is replicated: the same result as its RGB version.
        var g = Gray(6, 4, 5);
        Assert.Equal(SrInference.SuperResolve(model, g.ToRgb(), Ddim2, 1).Data, SrInference.SuperResolve(model, g, Ddim2, 1).Data);
        // An untrained model still stays within 1/2 (in [−1, 1] units, i.e. 64 levels) of LR-up (res2img clamps x to [−1, 1]).
        var up = SrdiffPreprocess.LrUp(lr, 4);
        for (int i = 0; i < a.Data.Length; i++)
            Assert.InRange(a.Data[i], Math.Floor(Math.Clamp(up.Data[i] * 255 - 64, 0, 255)) - 1, Math.Ceiling(Math.Clamp(up.Data[i] * 255 + 64, 0, 255)) + 1);
    }

    [Fact]
    public void SamConcat_NeedsMasksAtInference()
    {
        using var dir = new TempDir();
        ImageIO.SavePng(Textured(24, 24, 1), dir.Sub("a.png"));
        using var model = Tiny(DiffusionOptions.SamConcat, extra: 1);
        Assert.Throws<ArgumentException>(() => SrInference.EvaluateFolder(model, dir.Path, Ddim2));
        Assert.Throws<ArgumentException>(() => SrInference.SuperResolve(model, Textured(4, 4, 1), Ddim2));
        var calls = 0;
        var ev = SrInference.EvaluateFolder(model, dir.Path, Ddim2, maskFor: up => { calls++; Assert.Equal((24, 24), (up.Height, up.Width)); return SpeMap.Zeros(24, 24); });
        Assert.Equal(1, calls);
        Assert.True(double.IsFinite(ev.MeanPsnr));
        var empty = dir.Sub("empty"); Directory.CreateDirectory(empty);
        Assert.Throws<InvalidDataException>(() => SrInference.EvaluateFolder(model, empty, Ddim2));
    }

    private sealed class SyncProgress(Action<ProgressInfo> a) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => a(value);
    }
}
