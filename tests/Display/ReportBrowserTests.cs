using System.Text.RegularExpressions;
using SamDiffSR.Models;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Training;
using Xunit;
using Xunit.Abstractions;
using SamDiffSR.Pipelines;

namespace SamDiffSR.Tests.Display;

/// <summary>
/// The quickstart's report.html, written by <see cref="Quickstart.WriteReport"/> from a small fake result (two
/// 64×64 images, three short training logs), opened in headless Chromium with networking disabled.
/// The screenshot is kept at out/display/report.png.
/// </summary>
public class ReportBrowserTests(ITestOutputHelper output)
{
    [ChromiumFact]
    public void QuickstartReport_DrawsItsChartAndTablesOffline()
    {
        var dir = Path.Combine(TestPaths.RepoRoot, "out", "display", "fake-quickstart");
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        var evalSet = Path.Combine(dir, "eval");
        var rng = new Random(5);
        foreach (var name in new[] { "a.png", "b.png" })
        {
            var hr = new ImageU8(64, 64, 3);
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) for (int c = 0; c < 3; c++)
                hr.Data[(y * 64 + x) * 3 + c] = (byte)(x < 32 ? x * 4 + c * 20 : rng.Next(256));
            ImageIO.SavePng(hr, Path.Combine(evalSet, name));
            foreach (var m in new[] { "bicubic", "srdiff", "samdiffsr" })
            {
                var sr = hr.Clone();
                for (int i = 0; i < sr.Data.Length; i++) sr.Data[i] = (byte)Math.Clamp(sr.Data[i] + rng.Next(-20, 21), 0, 255);
                ImageIO.SavePng(sr, Path.Combine(dir, "sr", m, name));
            }
        }
        var runs = new Dictionary<string, string>();
        foreach (var run in new[] { "rrdb", "srdiff", "samdiffsr" })
        {
            Directory.CreateDirectory(Path.Combine(dir, run));
            using var log = CsvLog.Open(Path.Combine(dir, run, SrTrainer.LogFile), ["step", "loss", "lr", "seconds"]);
            for (int s = 1; s <= 20; s++) log.Append(s, 1.0 / s + run.Length * 0.01, 1e-3, s * 0.5);
            runs[run == "rrdb" ? "RRDB" : run == "srdiff" ? "SRDiff" : "SAM-DiffSR"] = Path.Combine(dir, run);
        }
        var opts = new QuickstartOptions(dir, Model: ModelConfig.Tiny, EvalSet: evalSet);
        var policy = new SamDiffSR.Diffusion.SamplingRecord("jump", 9, null, false, "100,99,97,92,80,55,22,5,1");
        var rows = new List<QuickstartRow>
        {
            new("Bicubic", 24.1, 0.71, double.NaN, 0, 0, 0, double.NaN, null),
            new("SRDiff", 24.9, 0.74, 44.2, 0.5, 60, 30, 0.05, policy),
            new("SAM-DiffSR", 25.2, 0.75, 44.9, 0.4, 61, 31, 0.049, policy),
        };
        var per = new Dictionary<string, IReadOnlyList<(string, double, double)>> { ["Bicubic"] = [("a.png", 24, 0.7), ("b.png", 24.2, 0.72)] };
        var srFolders = new Dictionary<string, string> { ["Bicubic"] = Path.Combine(dir, "sr", "bicubic"), ["SRDiff"] = Path.Combine(dir, "sr", "srdiff"), ["SAM-DiffSR"] = Path.Combine(dir, "sr", "samdiffsr") };
        var report = new QuickstartReport(opts, "fake masks", "test policy", rows, per, runs, srFolders, 123, "test machine");
        var comparison = Quickstart.ComparisonFor(opts);
        Quickstart.WriteReport(report, comparison);

        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.DoesNotMatch(new Regex("<script[^>]+src=", RegexOptions.IgnoreCase), html); // nothing to fetch
        var png = Path.Combine(TestPaths.RepoRoot, "out", "display", "report.png");
        var dom = Chromium.DumpDom(Path.Combine(dir, "report.html"), png);

        // plotly.js drew the training-loss chart: its SVG layers and one line per run (RRDB, SRDiff, SAM-DiffSR).
        int svgs = Chromium.Count(dom, "class=\"main-svg\""), lines = Chromium.Count(dom, "class=\"trace scatter trace");
        int tables = Chromium.Count(dom, "<table class=\"results\">"), cells = Chromium.Count(dom, "<td class=\"num\">");
        int images = Chromium.Count(dom, "<img ");
        output.WriteLine($"DOM after load: {svgs} plotly main-svg, {lines} scatter traces drawn, {tables} results table(s), {cells} numeric cells, {images} images; screenshot {png} ({new FileInfo(png).Length} bytes)");
        Assert.True(svgs >= 2, $"plotly drew no SVG ({svgs} main-svg)");
        Assert.Equal(3, lines);
        Assert.Equal(1, tables);
        Assert.Contains("<th>PSNR (Y)</th>", dom);
        Assert.DoesNotContain("|---|", dom);
        Assert.Equal(3 * 7 + 1, cells); // 3 rows × 7 numeric columns, plus bicubic's "–" sampler cell (a dash counts as numeric-aligned)
        // Per image: LR, Bicubic, SRDiff, SAM-DiffSR, HR full size, then HR with box + 5 crops.
        Assert.Equal(2 * (5 + 6), images);
        Assert.Contains("LR (×4 nearest)", dom);
        Assert.True(new FileInfo(png).Length > 10_000, "screenshot is empty");
    }
}

/// <summary>The four chart kinds the project uses, drawn by Plotly.NET in headless Chromium, offline.</summary>
public class ChartKindsBrowserTests(ITestOutputHelper output)
{
    [ChromiumFact]
    public void LineBarHeatmapAndErrorBars_DrawOffline()
    {
        var page = new SamDiffSR.Display.HtmlReport("chart kinds")
            .Figure(new SamDiffSR.Display.PlotlyFigure("line", "x", "y", logY: true).Line([1, 2, 3, 4], [1, 0.5, double.NaN, 0.1], "with a gap", markers: true))
            .Figure(new SamDiffSR.Display.PlotlyFigure("bars").Bar(["Set5", "Set14"], [30.1, 27.2], "PSNR", errorY: [0.2, 0.3]))
            .Figure(new SamDiffSR.Display.PlotlyFigure("heat").Heatmap([0, 1, 2, 3, 4, 5], 2, 3, "E", "RdBu", colorbarTitle: "E value"))
            .Figure(new SamDiffSR.Display.PlotlyFigure("scatter").Scatter([1, 2, 3], [2, 4, 3], "runs", errorY: [0.5, 0.4, 0.3], labels: ["a", "b", "c"]))
            .ToHtml();
        var file = Path.Combine(TestPaths.RepoRoot, "out", "display", "chart-kinds.html");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, page);
        var png = Path.ChangeExtension(file, ".png");
        var dom = Chromium.DumpDom(file, png, 1000, 1700);
        int svgs = Chromium.Count(dom, "class=\"main-svg\""), scatter = Chromium.Count(dom, "class=\"trace scatter trace"),
            bars = Chromium.Count(dom, "class=\"trace bars\""), heat = Chromium.Count(dom, "class=\"hm\""),
            colorbars = Chromium.Count(dom, "class=\"cbfill "), errorbars = Chromium.Count(dom, "class=\"errorbar\"");
        output.WriteLine($"DOM after load: {svgs} main-svg, {scatter} scatter traces, {bars} bar traces, {heat} heat maps, {colorbars} colour bars, {errorbars} error bars; screenshot {png}");
        Assert.True(svgs >= 8, $"{svgs} main-svg for 4 charts");
        Assert.Equal(2, scatter);     // the line and the scatter
        Assert.Equal(1, bars);
        Assert.Equal(1, heat);
        Assert.Equal(1, colorbars);
        Assert.Equal(2 + 3, errorbars); // 2 bars + 3 points
        Assert.Contains("E value", dom);
    }

    /// <summary>
    /// A notebook page: the setup cell's output holds plotly.js once, each chart output only its chart, which waits
    /// for plotly.js. Here the chart even comes first and plotly.js is added 300 ms later; it must still draw.
    /// </summary>
    [ChromiumFact]
    public void DeferredChart_DrawsOncePlotlyJsArrives()
    {
        var chart = SamDiffSR.Display.PlotlyNet.DeferUntilPlotlyJs(new SamDiffSR.Display.PlotlyFigure("late").Line([0, 1, 2], [1, 3, 2], "late").ToHtmlFragment());
        var js = System.Text.Json.JsonSerializer.Serialize(SamDiffSR.Display.PlotlyNet.PlotlyJs);
        var page = "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + chart
            + "<script>setTimeout(function () { var s = document.createElement('script'); s.text = " + js.Replace("</", "<\\/")
            + "; document.body.appendChild(s); }, 300);</script></body></html>";
        var file = Path.Combine(TestPaths.RepoRoot, "out", "display", "deferred-chart.html");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, page);
        var dom = Chromium.DumpDom(file);
        int svgs = Chromium.Count(dom, "class=\"main-svg\""), traces = Chromium.Count(dom, "class=\"trace scatter trace");
        output.WriteLine($"DOM after load: {svgs} main-svg, {traces} scatter traces");
        Assert.True(svgs >= 2, $"{svgs} main-svg");
        Assert.Equal(1, traces);
        var text = Regex.Replace(dom, @"<script[\s\S]*?</script>", ""); // the waiter's own source names the message
        Assert.DoesNotContain("plotly.js is not on this page", text);
    }
}
