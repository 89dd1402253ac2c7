using System.Globalization;
using SamDiffSR.Display;
using SamDiffSR.Training;

namespace SamDiffSR.Pipelines;

/// <summary>
/// The charts of the quickstart and the replication study, one small function per chart, each returning a
/// <see cref="PlotlyFigure"/> (so a port to another chart library touches one function per chart).
/// </summary>
public static class ComparisonCharts
{
    /// <summary>Training loss per step of each run (log.csv), log y.</summary>
    public static PlotlyFigure TrainingLoss(IReadOnlyDictionary<string, string> runs)
    {
        var fig = new PlotlyFigure("Training loss", "step", "loss", logY: true);
        foreach (var (name, dir) in runs)
        {
            var path = Path.Combine(dir, SrTrainer.LogFile);
            if (!File.Exists(path)) continue;
            var (_, rows) = CsvLog.Read(path);
            fig.Line(rows.Select(x => x[0]), rows.Select(x => x[1]), name);
        }
        return fig;
    }

    /// <summary>Learning curves: PSNR of each checkpoint on the fixed subset, one line per method (mean over seeds, ± std as error bars).</summary>
    public static PlotlyFigure LearningCurves(IReadOnlyList<CurvePoint> points)
    {
        var fig = new PlotlyFigure("Learning curves (fixed Set5 subset, fixed sampling seed; mean ± std over seeds)", "training step", "PSNR (Y), dB");
        foreach (var g in points.GroupBy(p => p.Method))
        {
            var steps = g.GroupBy(p => p.Step).OrderBy(s => s.Key).Select(s => (Step: (double)s.Key, Stats: Statistics.MeanStd(s.Select(p => p.Psnr).ToList()))).ToList();
            fig.Line(steps.Select(s => s.Step), steps.Select(s => s.Stats.Mean), g.Key, markers: true,
                     errorY: steps.Select(s => double.IsFinite(s.Stats.Std) ? s.Stats.Std : 0));
        }
        return fig;
    }

    /// <summary>Mean PSNR per method on one set (bars).</summary>
    public static PlotlyFigure MeanPsnr(IReadOnlyList<MetricSummary> summaries, string set)
    {
        var rows = summaries.Where(s => s.Set == set && s.Metric == "psnr").ToList();
        return new PlotlyFigure($"{set}: mean PSNR (Y) over seeds", "method", "PSNR (Y), dB").Bar(rows.Select(r => r.Method), rows.Select(r => r.Mean), "mean");
    }

    /// <summary>Paired PSNR differences vs SRDiff: the mean difference per method with its 95 % t-interval as the error bar.</summary>
    public static PlotlyFigure PairedPsnr(IReadOnlyList<PairedDifference> diffs, string set)
    {
        var rows = diffs.Where(d => d.Set == set && d.Metric == "psnr").ToList();
        var fig = new PlotlyFigure($"{set}: PSNR difference vs SRDiff (paired over seeds, 95 % t-interval)", "method", "ΔPSNR, dB");
        return fig.Bar(rows.Select(r => r.Method), rows.Select(r => r.Mean), "mean difference",
                       errorY: rows.Select(r => r.High is double h ? h - r.Mean : double.NaN));
    }

    /// <summary>A standalone HTML page of several figures (plotly.js embedded once; opens offline).</summary>
    public static string Page(string title, IEnumerable<PlotlyFigure> figures)
    {
        var page = new HtmlReport(title);
        foreach (var f in figures) page.Figure(f);
        return page.ToHtml();
    }
}
