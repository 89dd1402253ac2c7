using System.Globalization;
using System.Text;
using SamDiffSR.IO;

namespace SamDiffSR.Pipelines;

/// <summary>The replication study's written outputs: results.json (by <see cref="Comparison"/>), report.md and charts.html.</summary>
public static class StudyReport
{
    /// <summary>Markdown: configuration, policy, mean ± std tables per set, paired differences vs SRDiff, stage times.</summary>
    public static string Markdown(ComparisonResult r, string? gitCommit = null)
    {
        var c = CultureInfo.InvariantCulture;
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# SAM-DiffSR replication study").AppendLine();
        sb.AppendLine(string.Create(c, $"Model {o.Model}; seeds {string.Join(", ", o.Seeds)}; RRDB {o.RrdbSteps} steps (regression row: {(o.RrdbBaselineSteps is int rb ? rb.ToString(c) : o.RrdbSteps.ToString(c))} steps); diffusion {o.DiffusionSteps} steps per method; batch {o.BatchSize}, patch {o.Patch}, lr {o.Lr}, EMA {(o.EmaDecay is double ema ? ema.ToString(c) : "none")}; base recipe {o.Recipe}."));
        sb.AppendLine().AppendLine($"Masks: {r.Masks}. Every table below uses these masks: they stand in for SAM's, which need weights this repository does not ship.");
        sb.AppendLine().AppendLine($"Sampling policy (every diffusion row): {r.PolicyDescription}. \"SRDiff, x0 clipped\" is the SRDiff model with x0 clipping on the same schedule.");
        sb.AppendLine().AppendLine(string.Create(c, $"Machine: {r.Machine}. Total {r.TotalSeconds:F0} s{(gitCommit is null ? "" : $", git commit {gitCommit}")}."));
        foreach (var set in r.Summaries.Select(s => s.Set).Distinct())
        {
            sb.AppendLine().AppendLine($"## {set} x{o.Model.Scale} (Y channel, scale shaved; mean ± std over {o.Seeds.Count} seed(s))").AppendLine();
            sb.AppendLine("| method | PSNR | SSIM | LR-PSNR | artifact (LDL, lower is better) |").AppendLine("|---|---|---|---|---|");
            foreach (var method in r.Summaries.Where(s => s.Set == set).Select(s => s.Method).Distinct())
            {
                string Cell(string metric, string f)
                {
                    var s = r.Summaries.Single(x => x.Set == set && x.Method == method && x.Metric == metric);
                    return double.IsFinite(s.Mean) ? $"{s.Mean.ToString(f, c)} ± {s.Std.ToString(f, c)}" : "–";
                }
                sb.AppendLine($"| {method} | {Cell("psnr", "F3")} | {Cell("ssim", "F4")} | {Cell("lr_psnr", "F2")} | {Cell("artifact", "F3")} |");
            }
            var diffs = r.Differences.Where(d => d.Set == set && d.Metric == "psnr").ToList();
            if (diffs.Count > 0)
            {
                sb.AppendLine().AppendLine("Paired PSNR difference vs SRDiff (same seed = same initial weights, batches, t and ε), 95 % t-interval over seeds:").AppendLine();
                sb.AppendLine("| method | mean Δ (dB) | std | 95 % interval | contains 0? |").AppendLine("|---|---|---|---|---|");
                foreach (var d in diffs)
                    sb.AppendLine(string.Create(c, $"| {d.Method} | {d.Mean:+0.000;-0.000} | {d.Std:F3} | {(d.Low is { } lo ? $"[{lo:F3}, {d.High:F3}]" : "– (one seed)")} | {(d.ContainsZero is { } z ? (z ? "yes: no evidence of a difference" : "no") : "–")} |"));
            }
        }
        sb.AppendLine().AppendLine("## Where the time goes").AppendLine().AppendLine("| stage | seconds | resumed |").AppendLine("|---|---|---|");
        foreach (var s in r.Stages) sb.AppendLine(string.Create(c, $"| {s.Stage} | {s.Seconds:F1} | {(s.Resumed ? "yes" : "")} |"));
        return sb.ToString();
    }

    /// <summary>Writes report.md and charts.html next to results.json.</summary>
    public static void Write(ComparisonResult r, string outDir, string? gitCommit = null)
    {
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(r, gitCommit));
        var figs = new List<Display.PlotlyFigure>();
        foreach (var set in r.Summaries.Select(s => s.Set).Distinct())
        {
            figs.Add(ComparisonCharts.MeanPsnr(r.Summaries, set));
            if (r.Differences.Any(d => d.Set == set)) figs.Add(ComparisonCharts.PairedPsnr(r.Differences, set));
        }
        if (r.Curves.Count > 0) figs.Add(ComparisonCharts.LearningCurves(r.Curves));
        AtomicFile.WriteAllText(Path.Combine(outDir, "charts.html"), ComparisonCharts.Page("SAM-DiffSR replication study", figs));
    }
}
