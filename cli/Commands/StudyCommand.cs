using System.Diagnostics;
using System.Globalization;
using SamDiffSR.Pipelines;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr study</c>: the replication study (methods × seeds, paired statistics, learning curves), resumable.</summary>
public sealed class StudyCommand : ICliCommand
{
    public string Name => "study";

    public string Summary => "Replication study: bicubic, RRDB, SRDiff, SAM-DiffSR released/paper, SAM+SRDiff over 3 seeds; paired statistics; resumable.";

    public string Usage => """
        samdiffsr study [--profile smoke|cpu|gpu] [--out runs/study] [--threads 2] [--parallel-runs 1] [--report-only]
          Trains and evaluates every method of the grid with common random numbers per seed (same initial weights,
          batches, t and eps), samples every diffusion row with the exact jumps on the shared 9-jump schedule, with
          and without x0 clipping (no clipping only for the paper's modulation), each SAM-DiffSR row compared with an
          SRDiff row that runs its jump sigma and clipping, evaluates Set5 and Set14 x4 (PSNR/SSIM on Y, LR-PSNR, LDL
          artifact score) and learning curves, then writes results.json, report.md and charts.html under --out.
          A killed study continues where it stopped when run again with the same options.
          Profiles: smoke (minutes, numbers mean nothing), cpu (about 90 min on 2 CPU cores), gpu (about 8 min on one
          GPU, untried). Sizing: lib/Pipelines/StudyProfile.cs.
          --parallel-runs N trains N diffusion runs of a seed at once, each on one thread (faster for small networks on
          a CPU; every run is then a one-thread run). The default 1 trains them one after another on --threads threads,
          as the committed docs/results/study-cpu was made. Resume a study with the setting it started with.
          --report-only rewrites report.md, charts.html and gallery/ from the results.json already in --out (after a
          change to the reports); it trains and evaluates nothing and leaves results.json and run-info.json as they are.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        var profile = args.Enum("profile", StudyProfile.Cpu);
        string outDir = args.GetOr("out", Path.Combine("runs", "study"));
        int threads = args.Int("threads", 2), parallelRuns = args.Int("parallel-runs", 1, min: 1);
        bool reportOnly = args.Flag("report-only");
        args.EnsureAllUsed();
        if (reportOnly)
        {
            var file = Path.Combine(outDir, Comparison.ResultsFile);
            if (!File.Exists(file)) throw new CliUsageException($"--report-only: {file} not found; run the study first (or point --out at its folder)");
            var done = Comparison.Load(file);
            string? infoCommit = null;
            var info = Path.Combine(outDir, "run-info.json");
            if (File.Exists(info))
                try { infoCommit = System.Text.Json.JsonDocument.Parse(File.ReadAllText(info)).RootElement.GetProperty("git_commit").GetString(); }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { }
            StudyReport.Write(done, outDir, infoCommit);   // the commit that computed the numbers, not today's
            StudyReport.WriteGallery(done, outDir);
            ctx.Out.WriteLine($"report rewritten from {file}: {Path.Combine(outDir, "report.md")}, {Path.Combine(outDir, "charts.html")}");
            return 0;
        }
        TorchRuntime.Initialize(threads, 0);
        ctx.Err.WriteLine($"[study] {TorchRuntime.Describe()}; profile {OptionNames.Of(profile)}");
        var options = StudyProfiles.For(profile, outDir) with { ParallelRuns = parallelRuns };
        var progress = new ConsoleProgress(ctx);
        ComparisonResult r;
        try { r = Comparison.Run(options, line => { progress.Finish(); ctx.Err.WriteLine("[study] " + line); }, progress); }
        finally { progress.Finish(); }
        var commit = GitCommit();
        StudyReport.Write(r, outDir, commit);
        SamDiffSR.IO.AtomicFile.WriteAllText(Path.Combine(outDir, "run-info.json"), System.Text.Json.JsonSerializer.Serialize(new
        {
            profile = OptionNames.Of(profile), git_commit = commit, dotnet = Environment.Version.ToString(),
            os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, processors = Environment.ProcessorCount,
            torch = TorchRuntime.Describe(), finished_utc = DateTime.UtcNow.ToString("O"),
        }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        StudyReport.WriteGallery(r, outDir);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"study done in {r.TotalSeconds:F0} s: {Path.Combine(outDir, "report.md")}, {Path.Combine(outDir, "charts.html")}"));
        return 0;
    }

    /// <summary>The repository's git commit, or null when git is not available.</summary>
    public static string? GitCommit()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return null;
            var s = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? s : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
