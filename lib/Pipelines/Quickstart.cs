using SamDiffSR.Models;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Display;
using SamDiffSR.Inference;
using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Metrics;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Pipelines;

/// <summary>Budget and choices of the quickstart (defaults: fits 10 minutes on 2 CPU cores).</summary>
/// <param name="OutDirectory">Everything goes here (masks, runs, SR images, report).</param>
/// <param name="Model">Network sizes (default <see cref="ModelConfig.Tiny"/>).</param>
/// <param name="RrdbSteps">Stage-1 steps.</param>
/// <param name="DiffusionSteps">Stage-2 steps, the same for SRDiff and SAM-DiffSR.</param>
/// <param name="BatchSize">Batch size of both stages.</param>
/// <param name="Patch">HR patch side.</param>
/// <param name="Lr">Base learning rate (cosine decay to 0 over each stage).</param>
/// <param name="Seed">One seed for everything (initialisation, batches, noise, sampling).</param>
/// <param name="Modulation">SAM-DiffSR modulation (paper by default).</param>
/// <param name="Sampling">Sampler for the evaluation (default DDPM, all 100 steps, as the paper).</param>
/// <param name="TrainSet">HR training images (default: embedded T91).</param>
/// <param name="EvalSet">HR evaluation images (default: embedded Set5).</param>
public sealed record QuickstartOptions(
    string OutDirectory,
    ModelConfig? Model = null,
    int RrdbSteps = 200,
    int DiffusionSteps = 200,
    int BatchSize = 8,
    int Patch = 64,
    double Lr = 1e-3,
    long Seed = 0,
    ModulationMode Modulation = ModulationMode.Paper,
    SamplingOptions? Sampling = null,
    string? TrainSet = null,
    string? EvalSet = null);

/// <summary>One row of the comparison table.</summary>
public sealed record QuickstartRow(string Method, double Psnr, double Ssim, double LrPsnr, double TrainSeconds, double EvalSeconds, double FinalLoss);

/// <summary>The quickstart's results (also written to report.json / report.md / report.html).</summary>
public sealed record QuickstartReport(QuickstartOptions Options, string Masks, IReadOnlyList<QuickstartRow> Rows,
                                      IReadOnlyDictionary<string, IReadOnlyList<(string Name, double Psnr, double Ssim)>> PerImage,
                                      double TotalSeconds, string Machine);

/// <summary>
/// The main job: on the embedded data only, make SPE masks for T91 with the embedded segmenter, pretrain a Tiny
/// RRDB, train Tiny SRDiff and Tiny SAM-DiffSR with the same seed and budget, evaluate both and bicubic on Set5
/// (PSNR/SSIM on Y, x4), and write the SR images and a report. Each stage resumes if its outputs exist.
/// The numbers are what they are: a few hundred steps of a tiny model are far from the paper's 400k steps at paper size.
/// </summary>
public static class Quickstart
{
    public static QuickstartReport Run(QuickstartOptions o, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                       CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var model = o.Model ?? ModelConfig.Tiny;
        var sampling = o.Sampling ?? SamplingOptions.Official;
        string trainSet = o.TrainSet ?? DataPaths.T91, evalSet = o.EvalSet ?? DataPaths.Set5;
        Directory.CreateDirectory(o.OutDirectory);
        string masksDir = Path.Combine(o.OutDirectory, "masks");

        // 1. SPE masks (paper encoding: RoPE, segment mean) from the embedded segmenter.
        var fz = FelzenszwalbOptions.Default;
        log($"[1/5] masks for {trainSet} with the embedded segmenter {fz.Describe()} (stand-in for SAM, which needs weights)");
        var mr = MaskGeneration.GenerateFolder(trainSet, masksDir, new SegmenterRecordSource(new FelzenszwalbSegmenter(fz)),
            new MaskGenerationOptions(MaskFrom.Hr, model.Scale, SpeOptions.Paper), progress, log, cancellationToken: cancellationToken);

        var patch = new PatchOptions(o.Patch, Flips: true, Rotations: true);
        int trimmed = 0;
        var store = new MaskStore(masksDir, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage),
            line => { if (line.Contains("trimmed", StringComparison.Ordinal)) trimmed++; else log(line); });
        var data = SrPatchDataset.Load(trainSet, model.Scale, patch, LrUpRecipe.Official, store, log: log);
        log($"      {data.Count} training images, {data.Skipped.Count} skipped (smaller than {o.Patch} px), {mr.MeanMasksPerImage:F0} masks per image, " +
            $"{trimmed} maps trimmed to the image modcropped to x{model.Scale}");

        TrainConfig Cfg(TrainingStage stage, DiffusionOptions d, int steps) => new(stage, model, d, patch, steps, o.BatchSize,
            new LearningRateSchedule(LrScheduleKind.Cosine, o.Lr, TotalSteps: steps), GradClipNorm: 1.0, Seed: o.Seed,
            CheckpointEvery: Math.Max(1, steps / 4), KeepCheckpoints: 1, LogEvery: 1);

        // 2. Stage 1: RRDB.
        log($"[2/5] RRDB pretraining ({o.RrdbSteps} steps)");
        var rrdbRun = Path.Combine(o.OutDirectory, "rrdb");
        var rrdb = SrTrainer.Run(Cfg(TrainingStage.Rrdb, DiffusionOptions.SrDiff, o.RrdbSteps), data, rrdbRun, resume: true,
            log: log, progress: progress, cancellationToken: cancellationToken);

        // 3-4. Stage 2: SRDiff and SAM-DiffSR, same seed and budget.
        var runs = new List<(string Name, string Dir, TrainResult R)>();
        foreach (var (name, opts) in new[] { ("SRDiff", DiffusionOptions.SrDiff), ("SAM-DiffSR", DiffusionOptions.SamDiffSRPaper with { Modulation = o.Modulation }) })
        {
            log($"[{3 + runs.Count}/5] {name} ({o.DiffusionSteps} steps, {opts.EffectiveModulation} modulation)");
            var dir = Path.Combine(o.OutDirectory, name.ToLowerInvariant().Replace("-", ""));
            var r = SrTrainer.Run(Cfg(TrainingStage.Diffusion, opts, o.DiffusionSteps), data, dir, resume: true, rrdbWeights: rrdbRun,
                log: log, progress: progress, cancellationToken: cancellationToken);
            runs.Add((name, dir, r));
        }

        // 5. Evaluation on Set5 (x4, Y double, shave = scale).
        log($"[5/5] evaluation on {evalSet} ({sampling.Sampler}{(sampling.Sampler == SamplerKind.Ddim ? $" {sampling.Steps} steps" : "")})");
        var rows = new List<QuickstartRow>();
        var perImage = new Dictionary<string, IReadOnlyList<(string, double, double)>>();
        var bic = BicubicBaseline.EvaluateFolder(ImageFolder.Open(evalSet), model.Scale, MetricConvention.YDouble);
        rows.Add(new QuickstartRow("Bicubic", bic.MeanPsnr, bic.MeanSsim, double.NaN, 0, 0, double.NaN));
        perImage["Bicubic"] = bic.Images.Select(i => (i.Name, i.Psnr, i.Ssim)).ToList();
        SaveBicubic(evalSet, model.Scale, Path.Combine(o.OutDirectory, "sr", "bicubic"));
        foreach (var (name, dir, r) in runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var m = SrDiffusionModel.Load(dir);
            var exact = ModulatedJumpSampler.ExactSamplingFor(sampling, m.Schedule, m.Options.EffectiveModulation);   // DDIM is biased for modulated models
            if (exact != sampling) log($"      {name}: {sampling.Sampler} is not exact for {m.Options.EffectiveModulation} modulation; sampling with {exact.Sampler} ({(exact.Steps == 0 ? "fewest feasible jumps" : $"{exact.Steps} steps")}) instead (docs/few-step-sampling.md)");
            var ev = SrInference.EvaluateFolder(m, evalSet, exact, o.Seed, Path.Combine(o.OutDirectory, "sr", name.ToLowerInvariant().Replace("-", "")),
                MetricConvention.YDouble, progress: progress);
            rows.Add(new QuickstartRow(name, ev.MeanPsnr, ev.MeanSsim, ev.MeanLrPsnr, TrainSecondsFromLog(dir), ev.TotalSeconds, LastLogValue(dir, 1)));
            perImage[name] = ev.Images.Select(i => (i.Name, i.Psnr, i.Ssim)).ToList();
        }
        var report = new QuickstartReport(o with { Model = model, Sampling = sampling }, fz.Describe(), rows, perImage, clock.Elapsed.TotalSeconds, TorchRuntime.Describe());
        WriteReport(report, o.OutDirectory, rrdbRun, runs.Select(x => (x.Name, x.Dir)).ToList(), evalSet);
        return report;
    }

    private static double TrainSecondsFromLog(string runDir) => LastLogValue(runDir, 3);

    private static double LastLogValue(string runDir, int column)
    {
        var (_, rows) = CsvLog.Read(Path.Combine(runDir, SrTrainer.LogFile));
        return rows.Count == 0 ? double.NaN : rows[^1][column];
    }

    private static void SaveBicubic(string evalSet, int scale, string outDir)
    {
        foreach (var (name, img) in ImageFolder.Open(evalSet).ReadAll())
        {
            var hr = ImageOps.Modcrop(img, scale, name);
            ImageIO.SavePng(MatlabResize.Upscale(MatlabResize.Downscale(hr, scale), scale), Path.Combine(outDir, Path.ChangeExtension(name, ".png")));
        }
    }

    /// <summary>The comparison table as Markdown.</summary>
    public static string Table(QuickstartReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| method | PSNR (Y) | SSIM (Y) | LR-PSNR | train s | eval s | final loss |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var row in r.Rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Method} | {row.Psnr:F3} | {row.Ssim:F4} | {Num(row.LrPsnr, "F2")} | {Num(row.TrainSeconds, "F0")} | {Num(row.EvalSeconds, "F0")} | {Num(row.FinalLoss, "F4")} |"));
        return sb.ToString();
    }

    private static string Num(double v, string f) => double.IsFinite(v) && v != 0 ? v.ToString(f, CultureInfo.InvariantCulture) : "–";

    /// <summary>Writes report.json, report.md and report.html (tables, training-loss chart, per-image gallery) into <paramref name="outDir"/>.</summary>
    public static void WriteReport(QuickstartReport r, string outDir, string rrdbRun, IReadOnlyList<(string Name, string Dir)> runs, string evalSet)
    {
        var o = r.Options;
        var json = new
        {
            options = new
            {
                model = o.Model!.ToString(), o.RrdbSteps, o.DiffusionSteps, o.BatchSize, o.Patch, o.Lr, o.Seed,
                modulation = o.Modulation.ToString(), sampler = o.Sampling!.Sampler.ToString(), samplerSteps = o.Sampling.Steps,
                train = o.TrainSet ?? "data/train/T91", eval = o.EvalSet ?? "data/benchmarks/Set5",
            },
            masks = r.Masks,
            rows = r.Rows.Select(x => new { method = x.Method, psnr = x.Psnr, ssim = x.Ssim, lr_psnr = x.LrPsnr, train_seconds = x.TrainSeconds, eval_seconds = x.EvalSeconds, final_loss = x.FinalLoss }),
            per_image = r.PerImage.ToDictionary(k => k.Key, k => k.Value.Select(i => new { name = i.Name, psnr = i.Psnr, ssim = i.Ssim })),
            total_seconds = r.TotalSeconds,
            machine = r.Machine,
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(json,
            new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        var md = new StringBuilder();
        md.AppendLine("# SamDiffSR.NET quickstart report").AppendLine();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Set5 x{o.Model!.Scale}, PSNR/SSIM on Y (MATLAB rgb2ycbcr, {o.Model.Scale} px shaved). Model {o.Model}; RRDB {o.RrdbSteps} steps, diffusion {o.DiffusionSteps} steps each, batch {o.BatchSize}, patch {o.Patch}, seed {o.Seed}; masks: {r.Masks} on T91 (SAM stand-in); sampler {o.Sampling!.Sampler}. Total {r.TotalSeconds:F0} s on {r.Machine}.");
        md.AppendLine(summary);
        md.AppendLine().Append(Table(r)).AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"These are {o.DiffusionSteps:N0} diffusion steps of the {o.Model} model, not the paper's 400k steps of the paper-size networks: they show the pipeline working end to end, not the paper's numbers."));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), md.ToString());

        var fig = new PlotlyFigure("Training loss", "step", "loss", logY: true);
        foreach (var (name, dir) in new[] { ("RRDB (L1 on HR)", rrdbRun) }.Concat(runs))
        {
            var (_, rows) = CsvLog.Read(Path.Combine(dir, SrTrainer.LogFile));
            fig.Line(rows.Select(x => x[0]), rows.Select(x => x[1]), name);
        }
        var results = new[] { ("Bicubic", "bicubic"), ("SRDiff", "srdiff"), ("SAM-DiffSR", "samdiffsr") }
            .Select(x => (x.Item1, Path.Combine(outDir, "sr", x.Item2))).ToList();
        var html = new HtmlReport("SamDiffSR.NET quickstart").Paragraph(summary).Table(Table(r))
            .Figure(fig).Heading($"Results on {Path.GetFileName(Path.TrimEndingDirectorySeparator(evalSet))} (×{o.Model.Scale})")
            .Html(SrGallery.FromFolders(evalSet, o.Model.Scale, results));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.html"), html.ToHtml());
    }
}
