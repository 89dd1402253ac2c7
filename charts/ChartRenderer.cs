using System.Globalization;
using System.Text.Json;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using Plotly.NET.TraceObjects;
using Plotly.NET.CSharp;
using CChart = Plotly.NET.CSharp.Chart;
using Chart = Plotly.NET.Chart;

namespace SamDiffSR.Charts;

/// <summary>
/// Renders a figure with Plotly.NET. The surface is BCL-only (a JSON figure description in, an HTML fragment out)
/// so that a caller in another <see cref="System.Runtime.Loader.AssemblyLoadContext"/>, without Plotly.NET or
/// FSharp.Core, can bind it with <c>Delegate.CreateDelegate(typeof(Func&lt;string, string&gt;), ...)</c>.
/// The JSON is written by <c>SamDiffSR.Display.PlotlyFigure.ToSpecJson</c>; its fields are documented there.
/// </summary>
public static class ChartRenderer
{
    /// <summary>The version of plotly.js that <see cref="PlotlyJs"/> returns and <see cref="Render"/> targets.</summary>
    public static string PlotlyJsVersion() => Globals.PLOTLYJS_VERSION;

    /// <summary>The plotly.js bundle embedded in Plotly.NET.dll (minified, no network needed).</summary>
    public static string PlotlyJs()
    {
        var asm = typeof(GenericChart).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith($"plotly-{Globals.PLOTLYJS_VERSION}.min.js", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} missing from Plotly.NET");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>
    /// The chart as an HTML fragment (a div and a script calling <c>Plotly.newPlot</c>), with no reference to
    /// plotly.js: the caller puts <see cref="PlotlyJs"/> on the page once, before the fragment.
    /// </summary>
    public static string Render(string figureJson)
    {
        using var doc = JsonDocument.Parse(figureJson, new JsonDocumentOptions { AllowTrailingCommas = false });
        var fig = doc.RootElement;
        var traces = fig.GetProperty("traces").EnumerateArray().Select(Trace).ToList();
        if (traces.Count == 0) throw new ArgumentException("a figure needs at least one trace");
        var chart = traces.Count == 1 ? traces[0] : CChart.Combine(traces);

        int width = Int(fig, "width") ?? 0, height = Int(fig, "height") ?? 380;
        chart = width > 0 ? chart.WithSize(width, height) : chart.WithSize(Height: height);
        chart = Bool(fig, "logX") ? chart.WithXAxisStyle<double, double, string>(TitleText: Str(fig, "xTitle") ?? "", AxisType: StyleParam.AxisType.Log)
                                  : chart.WithXAxisStyle<double, double, string>(TitleText: Str(fig, "xTitle") ?? "");
        chart = Bool(fig, "logY") ? chart.WithYAxisStyle<double, double, string>(TitleText: Str(fig, "yTitle") ?? "", AxisType: StyleParam.AxisType.Log)
                                  : chart.WithYAxisStyle<double, double, string>(TitleText: Str(fig, "yTitle") ?? "");
        // What the typed C# surface of Plotly.NET does not offer is set on its own layout objects (DynamicObj properties).
        var layout = new Layout();
        if (Str(fig, "title") is string title) layout.SetProperty("title", TitleOf(title));
        var margin = new Margin();
        margin.SetProperty("l", 64); margin.SetProperty("r", 16); margin.SetProperty("t", Str(fig, "title") is null ? 16 : 48); margin.SetProperty("b", 48);
        layout.SetProperty("margin", margin);
        chart = Chart.withLayout(layout).Invoke(chart);
        if (Bool(fig, "reverseY"))
        {
            // Image rows grow downwards: keep the y axis's title and type and reverse its range.
            var y = GenericChart.getLayout(chart).TryGetPropertyValue("yaxis");
            if (y is not null && y.Value is LinearAxis ax) ax.SetProperty("autorange", "reversed");
        }
        if (width <= 0)
        {
            // Plotly.NET puts a default width of 600 px in the layout; without one the chart fills its container.
            var l = GenericChart.getLayout(chart);
            l.RemoveProperty("width");
            l.SetProperty("autosize", true);
        }
        var config = new Config();
        config.SetProperty("responsive", true);
        chart = Chart.withConfig(config).Invoke(chart);
        chart = Chart.withDisplayOptions(DisplayOptions.setPlotlyReference(PlotlyJSReference.NoReference).Invoke(new DisplayOptions())).Invoke(chart);
        return GenericChart.toChartHTML(chart);
    }

    private static GenericChart Trace(JsonElement t)
    {
        var kind = Str(t, "kind") ?? throw new ArgumentException("trace without 'kind'");
        var name = Str(t, "name") ?? "";
        switch (kind)
        {
            case "line":
            {
                var chart = CChart.Line<double, double, string>(Need(Doubles(t, "x"), "x"), Need(Doubles(t, "y"), "y"), ShowMarkers: Bool(t, "markers"), Name: name);
                return WithYError(chart, t);
            }
            case "scatter":
            {
                var labels = Strings(t, "labels");
                var chart = labels is null
                    ? CChart.Point<double, double, string>(Need(Doubles(t, "x"), "x"), Need(Doubles(t, "y"), "y"), Name: name)
                    : CChart.Point<double, double, string>(Need(Doubles(t, "x"), "x"), Need(Doubles(t, "y"), "y"), Name: name, MultiText: labels);
                return WithYError(chart, t);
            }
            case "bar":
            {
                var chart = CChart.Column<double, string, string>(Need(Doubles(t, "y"), "y"), Keys: Strings(t, "categories") ?? throw new ArgumentException("bar trace needs 'categories'"), Name: name);
                return WithYError(chart, t);
            }
            case "heatmap":
            {
                var z = t.GetProperty("z").EnumerateArray().Select(r => (IEnumerable<double>)r.EnumerateArray().Select(Num).ToArray()).ToArray();
                var colorBar = new ColorBar();
                if (Str(t, "colorbarTitle") is string cbt) colorBar.SetProperty("title", TitleOf(cbt));
                var scale = Str(t, "colorscale") switch
                {
                    null or "Viridis" => StyleParam.Colorscale.Viridis,
                    "Greys" => StyleParam.Colorscale.Greys,
                    "RdBu" => StyleParam.Colorscale.RdBu,
                    "Hot" => StyleParam.Colorscale.Hot,
                    "Electric" => StyleParam.Colorscale.Electric,
                    var other => throw new ArgumentException($"unknown colorscale '{other}' (Viridis, Greys, RdBu, Hot, Electric)"),
                };
                var xs = Doubles(t, "x"); var ys = Doubles(t, "y");
                var chart = xs is null || ys is null
                    ? CChart.Heatmap<double, double, double, string>(z, Name: name, ColorBar: colorBar, ColorScale: scale, ShowScale: true)
                    : CChart.Heatmap<double, double, double, string>(z, X: xs, Y: ys, Name: name, ColorBar: colorBar, ColorScale: scale, ShowScale: true);
                return chart;
            }
            default: throw new ArgumentException($"unknown trace kind '{kind}' (line, scatter, bar, heatmap)");
        }
    }

    private static GenericChart WithYError(GenericChart chart, JsonElement t)
    {
        var err = Doubles(t, "error");
        if (err is null) return chart;
        var e = new Error();
        e.SetProperty("type", "data"); e.SetProperty("array", err); e.SetProperty("visible", true);
        return Chart.withYError(e).Invoke(chart);
    }

    private static Title TitleOf(string text) { var t = new Title(); t.SetProperty("text", text); return t; }
    private static double[] Need(double[]? v, string what) => v ?? throw new ArgumentException($"trace needs '{what}'");
    private static string? Str(JsonElement e, string p) => e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    private static bool Bool(JsonElement e, string p) => e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.True;
    private static int? Int(JsonElement e, string p) => e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
    private static double Num(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.Null => double.NaN, // a gap
        JsonValueKind.String => double.Parse(v.GetString()!, CultureInfo.InvariantCulture), // "NaN", "Infinity"
        _ => throw new ArgumentException($"expected a number, got {v.ValueKind}"),
    };
    private static double[]? Doubles(JsonElement e, string p) =>
        e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(Num).ToArray() : null;
    private static string[]? Strings(JsonElement e, string p) =>
        e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : null;
}
