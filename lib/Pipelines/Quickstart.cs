using System.Globalization;
using System.Text;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Display;
using SamDiffSR.IO;
using SamDiffSR.Metrics;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Training;

namespace SamDiffSR.Pipelines;

/// <summary>Budget and choices of the quickstart (defaults: fit 10 minutes on 2 CPU cores; see docs/quickstart-budget.md).</summary>
/// <param name="OutDirectory">Everything goes here (masks, runs, SR images, report).</param>
/// <param name="Model">Network sizes (default <see cref="ModelConfig.Tiny"/>).</param>
/// <param name="RrdbSteps">Stage-1 steps (the RRDB encoder, also the regression row).</param>
/// <param name="DiffusionSteps">Stage-2 steps, the same for every diffusion row.</param>
/// <param name="BatchSize">Batch size of both stages.</param>
/// <param name="Patch">HR patch side.</param>
/// <param name="Lr">Base learning rate of every run (the recipe's schedule decays it).</param>
/// <param name="Seed">One seed for everything (initialisation, batches, t, ε; sampling uses seed·1000 + image index).</param>
/// <param name="Recipe">Default recipe: SAM-DiffSR's row, and the loss and LR schedule of SRDiff and the RRDB.</param>
/// <param name="OtherRecipe">Also train SAM-DiffSR with the other recipe (one more diffusion run).</param>
/// <param name="EmaDecay">EMA of the diffusion weights (null = none); when set, the diffusion rows sample with the EMA weights.</param>
/// <param name="TrainSet">HR training images (default: embedded T91).</param>
/// <param name="EvalSet">HR evaluation images (default: embedded Set5).</param>
/// <param name="ParallelRuns">Diffusion runs trained side by side, each on one thread (<see cref="ComparisonOptions.ParallelRuns"/>;
/// default 2: the two runs of the default table at once, and a table that does not depend on the core count).</param>
public sealed record QuickstartOptions(
    string OutDirectory,
    ModelConfig? Model = null,
    int RrdbSteps = Quickstart.DefaultRrdbSteps,
    int DiffusionSteps = Quickstart.DefaultDiffusionSteps,
    int BatchSize = 8,
    int Patch = 64,
    double Lr = Quickstart.DefaultLr,
    long Seed = 0,
    RecipeKind Recipe = Quickstart.DefaultRecipe,
    bool OtherRecipe = false,
    double? EmaDecay = null,
    string? TrainSet = null,
    string? EvalSet = null,
    int ParallelRuns = Quickstart.DefaultParallelRuns);

/// <summary>One row of the comparison table (sampling: what the row was sampled with; null for bicubic and RRDB).</summary>
public sealed record QuickstartRow(string Method, double Psnr, double Ssim, double LrPsnr, double Artifact, double TrainSeconds,
                                   double EvalSeconds, double FinalLoss, Diffusion.SamplingRecord? Sampling);

/// <summary>The quickstart's results (also written to report.json / report.md / report.html).</summary>
public sealed record QuickstartReport(QuickstartOptions Options, string Masks, string Policy, IReadOnlyList<QuickstartRow> Rows,
                                      IReadOnlyDictionary<string, IReadOnlyList<(string Name, double Psnr, double Ssim)>> PerImage,
                                      IReadOnlyDictionary<string, string> Runs, IReadOnlyDictionary<string, string> SrFolders,
                                      double TotalSeconds, string Machine);

/// <summary>
/// The main job on the embedded data: the one-seed case of <see cref="Comparison"/>. Masks for T91 from the embedded
/// segmenter, a Tiny RRDB (stage 1; its own output is the regression row), Tiny SRDiff and SAM-DiffSR (default recipe;
/// optionally the other recipe) with common random numbers, every diffusion row sampled with the exact jumps, the
/// compared rows with the recipe's clipping and one SRDiff row with the other (<see cref="MethodsFor"/>); Set5 x4 PSNR/SSIM on Y, LR-PSNR,
/// LDL artifact score; SR images and a report. Each stage resumes if its outputs exist.
/// </summary>
public static class Quickstart
{
    /// <summary>Default budget (measured: docs/quickstart-budget.md).</summary>
    public const int DefaultRrdbSteps = 200, DefaultDiffusionSteps = 1600;

    /// <summary>
    /// Default recipe: released, because its models allow x̂0 clipping, so the compared rows are sampled the way the
    /// authors' code samples them and give clean images at this budget; a Paper-mode model cannot be clipped (its x̂0
    /// contains κ_t·E) and its unclipped table is <c>--recipe paper</c> (docs/quickstart-budget.md).
    /// </summary>
    public const RecipeKind DefaultRecipe = RecipeKind.Released;

    /// <summary>Default base learning rate.</summary>
    public const double DefaultLr = 2e-3;

    /// <summary>Default number of diffusion runs trained side by side, one thread each (docs/quickstart-budget.md).</summary>
    public const int DefaultParallelRuns = 2;

    /// <summary>The comparison options the quickstart runs.</summary>
    public static ComparisonOptions ComparisonFor(QuickstartOptions o) =>
        new(o.OutDirectory, o.Model ?? ModelConfig.Tiny, MethodsFor(o.Recipe, o.OtherRecipe), [o.Seed], o.RrdbSteps, o.DiffusionSteps,
            null, o.BatchSize, o.Patch, o.Lr, o.EmaDecay, o.Recipe, [o.EvalSet ?? DataPaths.Set5], CurvePoints: 0, ArtifactScore: true,
            TrainSet: o.TrainSet, ParallelRuns: o.ParallelRuns);

    /// <summary>
    /// The quickstart's rows. The table's policy follows the recipe: the released recipe's models allow x̂0 clipping, so its
    /// table samples every diffusion row clipped (plus SRDiff unclipped, to show what the policy does); a Paper-mode model
    /// cannot be clipped, so the paper recipe's table samples every row unclipped (plus SRDiff clipped). The SRDiff rows
    /// take the jump σ of the recipe's SAM-DiffSR model (<see cref="Comparison.SigmaOf"/>), so SRDiff and SAM-DiffSR run
    /// identical sampler coefficients; the other recipe's SAM-DiffSR row brings its own SRDiff row with its σ.
    /// </summary>
    public static IReadOnlyList<ComparisonMethod> MethodsFor(RecipeKind recipe, bool otherRecipe)
    {
        var methods = new List<ComparisonMethod> { ComparisonMethod.Bicubic, ComparisonMethod.Rrdb };
        if (recipe == RecipeKind.Released)
        {
            methods.AddRange([ComparisonMethod.SrDiffReleasedSigmaClipped, ComparisonMethod.SamDiffSRReleasedClipped, ComparisonMethod.SrDiffReleasedSigma]);
            if (otherRecipe) methods.AddRange([ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRPaper]);
        }
        else
        {
            methods.AddRange([ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SrDiffClipped]);
            if (otherRecipe) methods.AddRange([ComparisonMethod.SrDiffReleasedSigma, ComparisonMethod.SamDiffSRReleased]);
        }
        return methods;
    }

    public static QuickstartReport Run(QuickstartOptions o, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                       CancellationToken cancellationToken = default)
    {
        var c = ComparisonFor(o);
        var r = Comparison.Run(c, log, progress, cancellationToken);
        var rows = new List<QuickstartRow>();
        var perImage = new Dictionary<string, IReadOnlyList<(string, double, double)>>();
        var runs = new Dictionary<string, string>();
        var sr = new Dictionary<string, string>();
        foreach (var m in c.Methods)
        {
            var ev = r.Evaluations.Single(e => e.Method == Comparison.Label(m));
            string? run = m switch
            {
                ComparisonMethod.Bicubic => null,
                ComparisonMethod.Rrdb => Comparison.RunDirectory(c.OutDirectory, o.Seed, "rrdb"),
                _ => Comparison.RunDirectory(c.OutDirectory, o.Seed, OptionNames.Of(Comparison.BaseOf(m))),
            };
            bool clipped = Comparison.IsClipped(m);
            if (run != null && !clipped) runs[ev.Method] = run;
            sr[ev.Method] = Comparison.SrDirectory(c.OutDirectory, m, o.Seed, c.EvalSets![0]);
            rows.Add(new QuickstartRow(ev.Method, ev.Psnr, ev.Ssim, ev.LrPsnr, ev.Artifact, run is null || clipped ? double.NaN : LastLogValue(run, 3),
                ev.Seconds, run is null ? double.NaN : LastLogValue(run, 1), ev.Sampling));
            perImage[ev.Method] = ev.Images.Select(i => (i.Name, i.Psnr, i.Ssim)).ToList();
        }
        var report = new QuickstartReport(o with { Model = c.Model }, r.Masks, r.PolicyDescription, rows, perImage, runs, sr, r.TotalSeconds, r.Machine);
        WriteReport(report, c, r.Stages);
        return report;
    }

    private static double LastLogValue(string runDir, int column)
    {
        var path = Path.Combine(runDir, SrTrainer.LogFile);
        if (!File.Exists(path)) return double.NaN;
        var (_, rows) = CsvLog.Read(path);
        return rows.Count == 0 ? double.NaN : rows[^1][column];
    }

    /// <summary>The table's policy in words: which clipping the compared rows share and which row shows the other choice.</summary>
    public static string PolicySentence(QuickstartReport r) => "Sampling: " + r.Policy + ". " + (r.Options.Recipe == RecipeKind.Released
        ? "The compared rows (SRDiff and SAM-DiffSR released) are all sampled with x0 clipping, which the released code's forward process allows, and with the sigma of the released code's jump, so they run identical coefficients; the row \"SRDiff (released σ)\" is the same SRDiff model without clipping, to show what the policy does."
        : "The compared rows (SRDiff and SAM-DiffSR paper) are all sampled without x0 clipping, because a Paper-mode model's x0 estimate contains kappa_t*E and cannot be clipped, and with the sigma of the Paper-mode jump; the row \"SRDiff, x0 clipped\" is the same SRDiff model with clipping, to show what the policy costs.");

    /// <summary>The comparison table as Markdown (one policy for every diffusion row, said in the header).</summary>
    public static string Table(QuickstartReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| method | PSNR (Y) | SSIM (Y) | LR-PSNR | artifact | sampler, steps, eta, clip, σ | train s | eval s | final loss |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var row in r.Rows)
        {
            string samp = row.Sampling is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.Sampler}, {s.Steps}, {(s.Eta is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-")}, {(s.Clip ? "on" : "off")}, {s.Sigma ?? "-"}") : "–";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Method} | {row.Psnr:F3} | {row.Ssim:F4} | {Num(row.LrPsnr, "F2")} | {Num(row.Artifact, "F3")} | {samp} | {Num(row.TrainSeconds, "F0")} | {Num(row.EvalSeconds, "F0")} | {Num(row.FinalLoss, "F4")} |"));
        }
        return sb.ToString();
    }

    private static string Num(double v, string f) => double.IsFinite(v) && v != 0 ? v.ToString(f, CultureInfo.InvariantCulture) : "–";

    /// <summary>
    /// Why a SAM-DiffSR row may differ: the measured RMS of its training SPE maps and, from it, E's share of x_t and of the
    /// training target at a few steps (<see cref="Diffusion.ModulationStrength"/>). Markdown.
    /// </summary>
    public static string ModulationEvidence(ComparisonOptions c)
    {
        var sb = new StringBuilder();
        var schedule = Schedules.DiffusionSchedule.Cosine(100);
        foreach (var m in c.Methods.Select(Comparison.BaseOf).Distinct().Where(m => m is ComparisonMethod.SamDiffSRPaper or ComparisonMethod.SamDiffSRReleased))
        {
            var recipe = Comparison.RecipeFor(m, c.Recipe);
            var dir = Path.Combine(c.OutDirectory, "masks-" + recipe.Name);
            if (!Directory.Exists(dir)) continue;
            double sum = 0; long n = 0;
            foreach (var f in Directory.EnumerateFiles(dir, "*.npy"))
                foreach (var v in Masks.Formats.NpyFile.Read(f).Values.ToArray()) { sum += (double)v * v; n++; }
            if (n == 0) continue;
            double rms = Math.Sqrt(sum / n);
            var rows = Diffusion.ModulationStrength.Table(schedule, recipe.Modulation, rms, [10, 50, 90, 100]);
            var ic = CultureInfo.InvariantCulture;
            string steps = string.Join("; ", rows.Select(x => string.Create(ic, $"t = {x.PaperStep}: {x.StateRatio:G3} / {x.TargetRatio:G3}")));
            sb.AppendLine(string.Create(ic, $"{Comparison.Label(m)}: training SPE maps RMS |E| = {rms:G3} ({recipe.Name} recipe, {recipe.Modulation} modulation). ") +
                "E's share of x_t against its noise, P_t|E|/sqrt(1-abar_t), and of the target against eps, k_t|E|: " + steps + ".");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Writes report.json, report.md and report.html (policy header, table, training-loss chart, per-image gallery) into the comparison's folder.</summary>
    public static void WriteReport(QuickstartReport r, ComparisonOptions c, IReadOnlyList<StageTime>? stages = null)
    {
        var o = r.Options;
        var json = new
        {
            options = new
            {
                model = o.Model!.ToString(), o.RrdbSteps, o.DiffusionSteps, o.BatchSize, o.Patch, o.Lr, o.Seed, o.EmaDecay, o.ParallelRuns,
                recipe = OptionNames.Of(o.Recipe), other_recipe = o.OtherRecipe,
                train = o.TrainSet ?? "data/train/T91", eval = o.EvalSet ?? "data/benchmarks/Set5",
            },
            policy = r.Policy,
            masks = r.Masks,
            rows = r.Rows.Select(x => new
            {
                method = x.Method, psnr = x.Psnr, ssim = x.Ssim, lr_psnr = x.LrPsnr, artifact = x.Artifact, train_seconds = x.TrainSeconds,
                eval_seconds = x.EvalSeconds, final_loss = x.FinalLoss,
                sampler = x.Sampling?.Sampler, steps = x.Sampling?.Steps, eta = x.Sampling?.Eta, clip = x.Sampling?.Clip, timesteps = x.Sampling?.Timesteps,
            }),
            per_image = r.PerImage.ToDictionary(k => k.Key, k => k.Value.Select(i => new { name = i.Name, psnr = i.Psnr, ssim = i.Ssim })),
            stages = stages ?? [],
            total_seconds = r.TotalSeconds,
            machine = r.Machine,
        };
        AtomicFile.WriteAllText(Path.Combine(c.OutDirectory, "report.json"), JsonSerializer.Serialize(json,
            new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        var md = new StringBuilder();
        md.AppendLine("# SamDiffSR.NET quickstart report").AppendLine();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"Set5 x{o.Model!.Scale}, PSNR/SSIM on Y (MATLAB rgb2ycbcr, {o.Model.Scale} px shaved). Model {o.Model}; RRDB {o.RrdbSteps} steps, diffusion {o.DiffusionSteps} steps each, batch {o.BatchSize}, patch {o.Patch}, lr {o.Lr}, seed {o.Seed} (same initial weights, batches, t and ε for every diffusion row); " +
            $"base recipe {OptionNames.Of(o.Recipe)}: every run uses its loss and LR schedule, each SAM-DiffSR row its own recipe's modulation and SPE; masks: {r.Masks}. Total {r.TotalSeconds:F0} s on {r.Machine}.");
        md.AppendLine(summary);
        var policy = PolicySentence(r);
        md.AppendLine().AppendLine(policy);
        md.AppendLine().Append(Table(r)).AppendLine();
        md.Append(ModulationEvidence(c));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"These are {o.DiffusionSteps:N0} diffusion steps of the {o.Model} model, not the paper's 400k steps of the paper-size networks: they show the pipeline working end to end, not the paper's numbers."));
        AtomicFile.WriteAllText(Path.Combine(c.OutDirectory, "report.md"), md.ToString());


        var evalSet = c.EvalSets![0];
        var gallery = r.SrFolders.Where(kv => Directory.Exists(kv.Value)).Select(kv => (kv.Key, kv.Value)).ToList();
        var html = new HtmlReport("SamDiffSR.NET quickstart").Paragraph(summary).Paragraph(policy).Table(Table(r))
            .Figure(ComparisonCharts.TrainingLoss(r.Runs))
            .Heading($"Results on {Path.GetFileName(Path.TrimEndingDirectorySeparator(evalSet))} (×{o.Model.Scale})")
            .Html(SrGallery.FromFolders(evalSet, o.Model.Scale, gallery));
        AtomicFile.WriteAllText(Path.Combine(c.OutDirectory, "report.html"), html.ToHtml());
    }
}
