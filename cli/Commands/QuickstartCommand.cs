using SamDiffSR.IO;
using SamDiffSR.Models;
using System.Globalization;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Pipelines;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr quickstart</c>: the main job on the embedded data (the one-seed case of the comparison pipeline).</summary>
public sealed class QuickstartCommand : ICliCommand
{
    public string Name => "quickstart";

    public string Summary => "Main job: T91 masks, Tiny RRDB, SRDiff vs SAM-DiffSR (common random numbers), Set5 eval under one sampling policy, report.";

    public string Usage => $"""
        samdiffsr quickstart [--out runs/quickstart] [--rrdb-steps {Quickstart.DefaultRrdbSteps}] [--steps {Quickstart.DefaultDiffusionSteps}] [--batch 8] [--patch 64]
                             [--lr {Quickstart.DefaultLr.ToString(CultureInfo.InvariantCulture)}] [--seed 0] [--recipe released|paper] [--both-recipes] [--ema D]
                             [--preset tiny] [--threads 2] [--parallel-runs {Quickstart.DefaultParallelRuns}] [--train <HR dir>] [--eval <HR dir>]
          Rows: bicubic; the RRDB encoder's own output (regression baseline, stage 1); SRDiff and SAM-DiffSR with
          --recipe (--both-recipes adds the other recipe's SAM-DiffSR). Every diffusion run is trained with the same
          seed, loss and LR schedule (same initial weights, batches, t and eps) and sampled with the exact jump sampler
          on the shared 9-jump schedule 100→99→97→92→80→55→22→5→1→0. The compared rows share one clipping, set by the
          recipe: released = x0 clipped (its x0 estimate allows it; plus SRDiff unclipped to show the effect), paper =
          no clipping (a Paper-mode x0 estimate contains kappa_t*E; plus "SRDiff, x0 clipped"), and one jump sigma:
          SRDiff takes the sigma of the SAM-DiffSR model it is compared with, so both run identical coefficients.
          Writes, under --out: masks-<recipe>/, runs/seed_0/<method>/ (checkpoints, log.csv),
          sr/..., eval/... (one JSON per row), results.json, report.json, report.md and report.html. Re-running
          resumes finished stages. Budget: about 10 minutes on 2 CPU cores (docs/quickstart-budget.md).
          --parallel-runs N trains N diffusion runs at once, every training run (RRDB included) on one thread, so the
          table does not depend on the number of cores; 1 trains them one after another on --threads threads (the
          table then depends on the thread count). Evaluation always uses --threads.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string outDir = args.GetOr("out", Path.Combine("runs", "quickstart"));
        int rrdbSteps = args.Int("rrdb-steps", Quickstart.DefaultRrdbSteps), steps = args.Int("steps", Quickstart.DefaultDiffusionSteps);
        int batch = args.Int("batch", 8), patch = args.Int("patch", 64);
        double lr = args.Double("lr", Quickstart.DefaultLr);
        long seed = args.Int("seed", 0);
        var recipe = args.Enum("recipe", Quickstart.DefaultRecipe);
        bool both = args.Flag("both-recipes");
        double? ema = args.Has("ema") ? args.Double("ema", 0) : null;
        var preset = args.GetOr("preset", "tiny");
        int threads = args.Int("threads", 2), parallelRuns = args.Int("parallel-runs", Quickstart.DefaultParallelRuns, min: 1);
        string? train = args.Get("train"), eval = args.Get("eval");
        args.EnsureAllUsed();
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(train ?? "", "--train"), new PathGuard.Input(eval ?? "", "--eval"));
        ModelConfig model;
        try { model = ModelConfig.Preset(preset); } catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        if (ema is <= 0 or >= 1) throw new CliUsageException($"--ema must be in (0, 1), got {ema}");

        TorchRuntime.Initialize(threads, seed);
        ctx.Err.WriteLine($"[quickstart] {TorchRuntime.Describe()}");
        var progress = new ConsoleProgress(ctx);
        QuickstartReport r;
        try
        {
            r = Quickstart.Run(new QuickstartOptions(outDir, model, rrdbSteps, steps, batch, patch, lr, seed, recipe, both, ema, train, eval, parallelRuns),
                line => { progress.Finish(); ctx.Err.WriteLine("[quickstart] " + line); }, progress);
        }
        finally { progress.Finish(); }
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Set5 x{model.Scale}, PSNR/SSIM on Y; total {r.TotalSeconds:F0} s; report: {Path.Combine(outDir, "report.md")}"));
        ctx.Out.WriteLine("Sampling policy: " + r.Policy);
        ctx.Out.Write(Quickstart.Table(r));
        return 0;
    }
}
