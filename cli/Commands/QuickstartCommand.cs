using SamDiffSR.IO;
using SamDiffSR.Models;
using System.Globalization;
using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Pipelines;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr quickstart</c>: the main job on the embedded data (masks, RRDB, SRDiff vs SAM-DiffSR vs bicubic).</summary>
public sealed class QuickstartCommand : ICliCommand
{
    public string Name => "quickstart";

    public string Summary => "Main job: T91 masks, Tiny RRDB, Tiny SRDiff vs SAM-DiffSR (same seed/budget), Set5 eval vs bicubic, report.";

    public string Usage => $"""
        samdiffsr quickstart [--out runs/quickstart] [--rrdb-steps 200] [--steps 200] [--batch 8] [--patch 64]
                             [--lr 1e-3] [--seed 0] [--modulation paper|official] [--preset tiny] [--threads 2]
                             [--sampler ddpm|ddim] [--steps-eval k] [--eta e] [--tile t] [--overlap o]
                             [--train <HR dir>] [--eval <HR dir>]
          Runs on the embedded data in about 10 minutes on 2 CPU cores and writes, under --out: masks/ (amg JSON +
          SPE .npy), rrdb/, srdiff/, samdiffsr/ (runs with checkpoints and log.csv), sr/<method>/*.png,
          report.json, report.md and report.html. Re-running resumes finished stages.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string outDir = args.GetOr("out", Path.Combine("runs", "quickstart"));
        int rrdbSteps = args.Int("rrdb-steps", 200), steps = args.Int("steps", 200), batch = args.Int("batch", 8), patch = args.Int("patch", 64);
        double lr = args.Double("lr", 1e-3);
        long seed = args.Int("seed", 0);
        var mod = args.Enum("modulation", ModulationMode.Paper, ModulationMode.Paper, ModulationMode.OfficialCode);
        var preset = args.GetOr("preset", "tiny");
        int threads = args.Int("threads", 2);
        var sampling = SamplingCliOptions.Parse(args, stepsOption: "steps-eval");
        string? train = args.Get("train"), eval = args.Get("eval");
        args.EnsureAllUsed();
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(train ?? "", "--train"), new PathGuard.Input(eval ?? "", "--eval"));
        ModelConfig model;
        try { model = ModelConfig.Preset(preset); } catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }

        TorchRuntime.Initialize(threads, seed);
        ctx.Err.WriteLine($"[quickstart] {TorchRuntime.Describe()}");
        var progress = new ConsoleProgress(ctx);
        QuickstartReport r;
        try
        {
            r = Quickstart.Run(new QuickstartOptions(outDir, model, rrdbSteps, steps, batch, patch, lr, seed, mod,
                sampling, train, eval), line => { progress.Finish(); ctx.Err.WriteLine("[quickstart] " + line); }, progress);
        }
        finally { progress.Finish(); }
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Set5 x{model.Scale}, PSNR/SSIM on Y; total {r.TotalSeconds:F0} s; report: {Path.Combine(outDir, "report.md")}"));
        ctx.Out.Write(Quickstart.Table(r));
        return 0;
    }
}
