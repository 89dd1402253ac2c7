using System.Globalization;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Metrics;
using SamDiffSR.Runtime;
using SamDiffSR.Training;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr eval</c>: super-resolve the MATLAB-exact LR of each HR image and report PSNR/SSIM (Y).</summary>
public sealed class EvalCommand : ICliCommand
{
    public string Name => "eval";

    public string Summary => "Evaluate a model on HR images: MATLAB-exact LR -> SR, PSNR/SSIM (Y) + LR consistency; writes SR PNGs.";

    public string Usage => $"""
        samdiffsr eval --checkpoint <run|model folder> --hr <dir> [--scale 4] [--out <dir for SR PNGs>] [--json]
                       [--y-convention double|uint8|rgb|pyiqa] [--seed 0] [--threads T] [--max-images N]
                       [--sampler ddpm|ddim] [--steps k] [--eta 0] [--tile 0] [--overlap 8] [--no-verify]
        {SamplingCliOptions.Help}  --scale must equal the model's scale (checked). --json prints one object:
          {"{"}"set","scale","convention","sampler","images":[{"{"}"name","psnr","ssim","lr_psnr","seconds"{"}"}...],"mean":{"{"}"psnr","ssim","lr_psnr"{"}"}{"}"}
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string ckpt = args.Require("checkpoint"), hr = args.Require("hr");
        int scale = args.Int("scale", 4), threads = args.Int("threads", 0), maxImages = args.Int("max-images", int.MaxValue);
        string? outDir = args.Get("out");
        bool json = args.Flag("json"), noVerify = args.Flag("no-verify");
        long seed = args.Int("seed", 0);
        var conv = args.Choice("y-convention", "double", "double", "uint8", "rgb", "pyiqa") switch
        {
            "uint8" => MetricConvention.YUint8,
            "rgb" => MetricConvention.Rgb,
            "pyiqa" => MetricConvention.Pyiqa,
            _ => MetricConvention.YDouble,
        };
        var sampling = SamplingCliOptions.Parse(args);
        args.EnsureAllUsed();
        if (!Directory.Exists(hr)) throw new DirectoryNotFoundException($"HR folder not found: {hr}");
        TorchRuntime.Initialize(threads);
        using var model = SrModelFolder.Load(ckpt, line => ctx.Err.WriteLine("[eval] " + line));
        if (model.Scale != scale) throw new ArgumentException($"--scale {scale} differs from the model's scale x{model.Scale} ({ckpt})");
        var seg = new FelzenszwalbSegmenter();
        Func<ImageU8, SpeMap>? maskFor = model.Options.Method == SrMethod.SamConcat
            ? up => { var r = seg.Segment(new SegmentationImage(up.Height, up.Width, 3, up.Data)); return new SpeEncoder().Encode(new LabelMap(r.Height, r.Width, r.Labels)); }
            : null;
        var progress = new ConsoleProgress(ctx);
        SrEvaluation ev;
        try { ev = SrInference.EvaluateFolder(model, hr, sampling, seed, outDir, conv, maskFor, progress, !noVerify, maxImages); }
        finally { progress.Finish(); }
        if (json) ctx.Out.WriteLine(ToJson(ev));
        else Print(ev, ctx.Out);
        return 0;
    }

    public static string ToJson(SrEvaluation ev) => JsonSerializer.Serialize(new
    {
        set = ev.Set, scale = ev.Scale, convention = ev.Convention.ToString(), sampler = ev.Sampler,
        images = ev.Images.Select(i => new { name = i.Name, psnr = i.Psnr, ssim = i.Ssim, lr_psnr = i.LrPsnr, seconds = i.Seconds }),
        mean = new { psnr = ev.MeanPsnr, ssim = ev.MeanSsim, lr_psnr = ev.MeanLrPsnr },
    }, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    public static void Print(SrEvaluation ev, TextWriter w)
    {
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ev.Set} x{ev.Scale} ({ev.Convention}, {ev.Sampler})"));
        w.WriteLine($"{"image",-20} {"PSNR",8} {"SSIM",7} {"LR-PSNR",8} {"s",7}");
        foreach (var i in ev.Images)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i.Name,-20} {i.Psnr,8:F3} {i.Ssim,7:F4} {i.LrPsnr,8:F2} {i.Seconds,7:F1}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"mean",-20} {ev.MeanPsnr,8:F3} {ev.MeanSsim,7:F4} {ev.MeanLrPsnr,8:F2} {ev.TotalSeconds,7:F1}"));
    }
}
