using System.Globalization;
using System.Text;
using SamDiffSR.IO;
using SamDiffSR.Runtime;

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

    /// <summary>The gallery's rows: LR (nearest-neighbour enlarged), the methods' SR crops, HR.</summary>
    public static readonly ComparisonMethod[] GalleryMethods =
    [
        ComparisonMethod.Bicubic, ComparisonMethod.Rrdb, ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRReleased, ComparisonMethod.SamDiffSRPaper,
    ];

    /// <summary>
    /// Writes <c>gallery/</c>: a <paramref name="crop"/>-px HR crop at the centre of the first image of the first eval set
    /// (first seed), the same crop of each method's SR image, and the LR crop enlarged by pixel repetition. Small PNGs that
    /// can be committed with the results.
    /// </summary>
    public static IReadOnlyList<string> WriteGallery(ComparisonResult r, string outDir, int crop = 96)
    {
        var o = r.Options;
        var set = (o.EvalSets ?? [Data.DataPaths.Set5])[0];
        var folder = Data.ImageFolder.Open(set);
        string name = folder.FileName(0);
        int s = o.Model.Scale;
        var hr = Data.ImageOps.Modcrop(folder.Load(0), s, name);
        crop = Math.Min(crop, Math.Min(hr.Height, hr.Width)) / s * s;
        int y = (hr.Height - crop) / 2 / s * s, x = (hr.Width - crop) / 2 / s * s;
        string dir = Path.Combine(outDir, "gallery");
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        void Save(Data.ImageU8 img, string label)
        {
            var path = Path.Combine(dir, label + ".png");
            Data.ImageIO.SavePng(img, path);
            written.Add(path);
        }
        var lr = Data.MatlabResize.Downscale(hr, s).Crop(y / s, x / s, crop / s, crop / s);
        var lrBig = new byte[crop * crop * lr.Channels];
        for (int yy = 0; yy < crop; yy++)
            for (int xx = 0; xx < crop; xx++)
                for (int c = 0; c < lr.Channels; c++)
                    lrBig[(yy * crop + xx) * lr.Channels + c] = lr.Data[((yy / s) * lr.Width + xx / s) * lr.Channels + c];
        Save(new Data.ImageU8(crop, crop, lr.Channels, lrBig), "0-lr");
        int k = 1;
        foreach (var m in GalleryMethods.Where(o.Methods.Contains))
        {
            var png = Path.Combine(Comparison.SrDirectory(o.OutDirectory, m, o.Seeds[0], set), Path.ChangeExtension(name, ".png"));
            if (File.Exists(png)) Save(Data.ImageIO.Load(png).Crop(y, x, crop, crop), $"{k}-{OptionNames.Of(m)}");
            k++;
        }
        Save(hr.Crop(y, x, crop, crop), "9-hr");
        return written;
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
