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
        sb.AppendLine().AppendLine($"Sampling policy (every diffusion row): {r.PolicyDescription}. A row marked \"x0 clipped\" is the same trained model sampled with x0 clipping on the same schedule, a row marked \"released σ\" the SRDiff model sampled with the released code's jump sigma; every row is compared only with the SRDiff row of its clipping and sigma (the \"vs\" column). Loss and LR schedule are the base recipe's for every run, so the SAM-DiffSR rows differ from SRDiff only in modulation and SPE.");
        sb.AppendLine().AppendLine(string.Create(c, $"Machine: {r.Machine}. Total {r.TotalSeconds:F0} s for the stages this run computed (resumed stages: see below){(gitCommit is null ? "" : $", git commit {gitCommit}")}."));
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
                sb.AppendLine().AppendLine("Paired PSNR difference vs SRDiff under the same policy (same seed = same initial weights, batches, t and ε), 95 % t-interval over seeds:").AppendLine();
                sb.AppendLine("| method | vs | mean Δ (dB) | std | 95 % interval | contains 0? |").AppendLine("|---|---|---|---|---|---|");
                foreach (var d in diffs)
                    sb.AppendLine(string.Create(c, $"| {d.Method} | {ReferenceOf(d.Method)} | {d.Mean:+0.000;-0.000} | {d.Std:F3} | {(d.Low is { } lo ? $"[{lo:F3}, {d.High:F3}]" : "– (one seed)")} | {(d.ContainsZero is { } z ? (z ? "yes: no evidence of a difference" : "no") : "–")} |"));
            }
        }
        sb.AppendLine().AppendLine("## Where the time goes").AppendLine();
        sb.AppendLine("| part | seconds | share |").AppendLine("|---|---|---|");
        var parts = r.Stages.Where(s => !s.Resumed).GroupBy(s => PartOf(s.Stage)).Select(g => (g.Key, Seconds: g.Sum(s => s.Seconds))).ToList();
        double all = parts.Sum(p => p.Seconds);
        foreach (var (part, sec) in parts)
            sb.AppendLine(string.Create(c, $"| {part} | {sec:F0} | {(all > 0 ? 100 * sec / all : 0):F1} % |"));
        sb.AppendLine().AppendLine("Stages resumed from an earlier (killed) run count as 0 here; their own times are in results.json.").AppendLine();
        sb.AppendLine("| stage | seconds | resumed |").AppendLine("|---|---|---|");
        foreach (var s in r.Stages) sb.AppendLine(string.Create(c, $"| {s.Stage} | {s.Seconds:F1} | {(s.Resumed ? "yes" : "")} |"));
        return sb.ToString();
    }

    /// <summary>The row a paired difference is taken against (<see cref="Comparison.ReferenceOf"/>: SRDiff with the row's clipping and jump σ).</summary>
    public static string ReferenceOf(string method) =>
        Comparison.Label(Comparison.MethodOfLabel(method) is { } m ? Comparison.ReferenceOf(m) : ComparisonMethod.SrDiff);

    /// <summary>Which part of the study a stage belongs to (training, evaluation, learning curves, masks).</summary>
    public static string PartOf(string stage) =>
        stage.Contains(" eval ", StringComparison.Ordinal) ? "evaluation" : stage.Contains(" curve ", StringComparison.Ordinal) ? "learning curves"
        : stage.StartsWith("masks", StringComparison.Ordinal) ? "masks" : "training";

    /// <summary>The gallery's rows: LR (nearest-neighbour enlarged), the methods' SR crops, HR.</summary>
    public static readonly ComparisonMethod[] GalleryMethods =
    [
        ComparisonMethod.Bicubic, ComparisonMethod.Rrdb, ComparisonMethod.SrDiff, ComparisonMethod.SrDiffReleasedSigma, ComparisonMethod.SamDiffSRReleased,
        ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SamConcat, ComparisonMethod.SrDiffClipped, ComparisonMethod.SrDiffReleasedSigmaClipped,
        ComparisonMethod.SamDiffSRReleasedClipped, ComparisonMethod.SamConcatClipped,
    ];

    /// <summary>
    /// Writes <c>gallery/</c>: for the first image of every eval set (first seed), a <paramref name="crop"/>-px HR crop at the
    /// image's most detailed window (<see cref="Display.SrGallery.DetailBox"/>), the same crop of each method's SR image, and
    /// the LR crop enlarged by pixel repetition. Files are named <c>&lt;set&gt;-&lt;order&gt;-&lt;row&gt;.png</c>: small PNGs
    /// that can be committed with the results.
    /// </summary>
    public static IReadOnlyList<string> WriteGallery(ComparisonResult r, string outDir, int crop = 96)
    {
        var o = r.Options;
        string dir = Path.Combine(outDir, "gallery");
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        foreach (var set in o.EvalSets ?? [Data.DataPaths.Set5])
        {
            var folder = Data.ImageFolder.Open(set);
            string name = folder.FileName(0), setName = folder.Name;
            int s = o.Model.Scale;
            var hr = Data.ImageOps.Modcrop(folder.Load(0), s, name);
            int side = Math.Min(crop, Math.Min(hr.Height, hr.Width)) / s * s;
            var box = Display.SrGallery.DetailBox(hr, s);
            int cy = box.Y + box.H / 2, cx = box.X + box.W / 2;
            int y = Math.Clamp(cy - side / 2, 0, hr.Height - side) / s * s, x = Math.Clamp(cx - side / 2, 0, hr.Width - side) / s * s;
            void Save(Data.ImageU8 img, string label)
            {
                var path = Path.Combine(dir, $"{setName}-{label}.png");
                Data.ImageIO.SavePng(img, path);
                written.Add(path);
            }
            var lr = Data.MatlabResize.Downscale(hr, s).Crop(y / s, x / s, side / s, side / s);
            Save(Display.SrGallery.NearestUpscale(lr, s), "00-lr");
            int k = 1;
            foreach (var m in GalleryMethods.Where(o.Methods.Contains))
            {
                var png = Path.Combine(Comparison.SrDirectory(o.OutDirectory, m, o.Seeds[0], set), Path.ChangeExtension(name, ".png"));
                if (File.Exists(png)) Save(Data.ImageIO.Load(png).Crop(y, x, side, side), string.Create(CultureInfo.InvariantCulture, $"{k:D2}-{OptionNames.Of(m)}"));
                k++;
            }
            Save(hr.Crop(y, x, side, side), "99-hr");
        }
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
