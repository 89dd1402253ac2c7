using System.Globalization;
using SamDiffSR.Data;
using SamDiffSR.IO;
using SamDiffSR.Diffusion;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Metrics;
using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr eval</c>: super-resolve the MATLAB-exact LR of each HR image and report PSNR/SSIM (Y).</summary>
public sealed class EvalCommand : ICliCommand
{
    public string Name => "eval";

    public string Summary => "Evaluate a model on HR images: MATLAB-exact LR -> SR, PSNR/SSIM (Y) + LR consistency; writes SR PNGs.";

    public string Usage => $"""
        samdiffsr eval --checkpoint <run|model folder> --hr <dir> [--scale 4] [--out <dir for SR PNGs>] [--json]
                       [--y-convention double|uint8|rgb|pyiqa] [--seed 0] [--threads T] [--max-images N] [--max-pixels N]
                       [--sampler ddpm|ddim|jump] [--steps k] [--eta 0] [--clip auto|on|off] [--policy exact]
                       [--tile 0] [--overlap 8] [--no-verify] [--ema]
                       [--metrics psnr,ssim,artifact,fid,lpips,maniqa] [--fid-onnx F] [--lpips-onnx F] [--maniqa-onnx F]
        {SamplingCliOptions.Help}{MetricsCliOptions.Help}  --ema       sample with the EMA of the U-Net weights that a run trained with --ema D kept (ema.pt)
          --scale must equal the model's scale (checked). --json prints one object:
          {"{"}"set","scale","convention","sampler","images":[{"{"}"name","psnr","ssim","lr_psnr","seconds",<metric>...{"}"}...],
           "mean":{"{"}"psnr","ssim","lr_psnr",<metric>...,"fid"{"}"}[,"unavailable":{"{"}<metric>:reason{"}"}][,"warnings":[...]]{"}"}
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string ckpt = args.Require("checkpoint"), hr = args.Require("hr");
        int scale = args.Int("scale", 4), threads = args.Int("threads", 0, min: 0), maxImages = args.Int("max-images", int.MaxValue, min: 1);
        string? outDir = args.Get("out");
        bool json = args.Flag("json"), noVerify = args.Flag("no-verify"), ema = args.Flag("ema");
        long seed = args.Int("seed", 0);
        var conv = args.Enum("y-convention", MetricConvention.YDouble);
        var sampling = SamplingCliOptions.Parse(args);
        var metrics = MetricsCliOptions.Parse(args);
        bool cudnnBenchmark = PrecisionCliOptions.CudnnBenchmark(args);
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();
        if (outDir != null)
            PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(hr, "--hr"), new PathGuard.Input(ckpt, "--checkpoint"));
        ImageFolder.Open(hr, !noVerify).CheckAll(maxImages);   // every input checked before the model loads or anything is written
        TorchRuntime.Initialize(threads);
        if (cudnnBenchmark) CudnnSettings.Benchmark = true;
        using var model = SrDiffusionModel.Load(ckpt, line => ctx.Err.WriteLine("[eval] " + line), ema: ema);
        if (model.Scale != scale) throw new ArgumentException($"--scale {scale} differs from the model's scale x{model.Scale} ({ckpt})");
        model.SuperResolveCheck(sampling);   // refuse an inexact or impossible sampler before any work
        var asPolicy = SamplingPolicy.For(sampling.ClipDenoised == true, sampling.UnmodulatedSigma);
        ctx.Err.WriteLine("[eval] sampling: " + (sampling with { TileLr = 0, OverlapLr = 8 } == asPolicy.Sampling
            ? "policy " + asPolicy.Name + ": " + asPolicy.Describe(model.Schedule)
            : SrInference.DescribeSampling(model, sampling)));
        var seg = new FelzenszwalbSegmenter();
        Func<ImageU8, SpeMap>? maskFor = model.Options.Method == SrMethod.SamConcat
            ? up => { var r = seg.Segment(new SegmentationImage(up.Height, up.Width, 3, up.Data)); return new SpeEncoder().Encode(new LabelMap(r.Height, r.Width, r.Labels)); }
            : null;
        var progress = new ConsoleProgress(ctx);
        SrEvaluation ev;
        PerceptualSetScores? extra;
        using (var scorer = metrics.OpenScorer(threads))
        {
            try
            {
                ev = SrInference.EvaluateFolder(model, hr, sampling, seed, outDir, conv, maskFor, progress, !noVerify, maxImages,
                    scorer is null ? null : (name, sr, gt) => scorer.Add(name, gt, sr));
            }
            finally { progress.Finish(); }
            extra = scorer?.Finish();
        }
        if (json) MetricsCliOptions.ReportProblems(extra, ctx.Err, Name);   // the table has its own lines
        if (json) ctx.Out.WriteLine(ToJson(ev, extra));
        else Print(ev, ctx.Out, extra);
        return 0;
    }

    /// <summary>
    /// The <c>--json</c> object: set, scale, convention, sampler, images (name, psnr, ssim, lr_psnr, seconds and one key per
    /// available per-image metric), mean (psnr, ssim, lr_psnr, the per-image metric means and fid), then
    /// <c>unavailable</c>/<c>warnings</c> when non-empty. Non-finite numbers are written as the strings "Infinity"/"NaN".
    /// </summary>
    public static string ToJson(SrEvaluation ev, PerceptualSetScores? extra = null) => MetricsCliOptions.Json(j =>
    {
        j.WriteStartObject();
        j.WriteString("set", ev.Set);
        j.WriteNumber("scale", ev.Scale);
        j.WriteString("convention", ev.Convention.ToString());
        j.WriteString("sampler", ev.Sampler);
        j.WriteStartArray("images");
        for (int k = 0; k < ev.Images.Count; k++)
        {
            var i = ev.Images[k];
            j.WriteStartObject();
            j.WriteString("name", i.Name);
            MetricsCliOptions.Number(j, "psnr", i.Psnr);
            MetricsCliOptions.Number(j, "ssim", i.Ssim);
            MetricsCliOptions.Number(j, "lr_psnr", i.LrPsnr);
            MetricsCliOptions.Number(j, "seconds", i.Seconds);
            MetricsCliOptions.WriteImageJson(j, extra, k);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartObject("mean");
        MetricsCliOptions.Number(j, "psnr", ev.MeanPsnr);
        MetricsCliOptions.Number(j, "ssim", ev.MeanSsim);
        MetricsCliOptions.Number(j, "lr_psnr", ev.MeanLrPsnr);
        MetricsCliOptions.WriteMeanJson(j, extra);
        j.WriteEndObject();
        MetricsCliOptions.WriteSetJson(j, extra);
        j.WriteEndObject();
    });

    /// <summary>The table: one row per image, the mean row, then FID / warnings / unavailable metrics.</summary>
    public static void Print(SrEvaluation ev, TextWriter w, PerceptualSetScores? extra = null)
    {
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ev.Set} x{ev.Scale} ({ev.Convention}, {ev.Sampler})"));
        w.WriteLine($"{"image",-20} {"PSNR",8} {"SSIM",7} {"LR-PSNR",8} {"s",7}{MetricsCliOptions.HeaderCells(extra)}");
        for (int k = 0; k < ev.Images.Count; k++)
        {
            var i = ev.Images[k];
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i.Name,-20} {i.Psnr,8:F3} {i.Ssim,7:F4} {i.LrPsnr,8:F2} {i.Seconds,7:F1}") + MetricsCliOptions.ImageCells(extra, k));
        }
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"mean",-20} {ev.MeanPsnr,8:F3} {ev.MeanSsim,7:F4} {ev.MeanLrPsnr,8:F2} {ev.TotalSeconds,7:F1}") + MetricsCliOptions.MeanCells(extra));
        MetricsCliOptions.WriteTableFooter(w, extra);
    }
}
