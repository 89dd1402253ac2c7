using System.Text.Json.Nodes;

namespace SamDiffSR.Display;

/// <summary>
/// A chart as plain data (traces and axis settings, BCL types only), drawn by Plotly.NET (<see cref="PlotlyNet"/>).
/// This is the one chart API of the project: notebooks, the CLI and reports build a figure here and Plotly.NET
/// renders it; the figure never writes plotly.js JSON itself. It exists because the library cannot reference
/// Plotly.NET (FSharp.Core 10.1 clashes with the notebook kernel's 10.0), so the figure crosses into Plotly.NET's
/// load context as a small JSON description (<see cref="ToSpecJson"/>).
/// </summary>
public sealed class PlotlyFigure
{
    private readonly JsonArray _traces = new();

    /// <summary>A figure with optional title, axis titles and log axes.</summary>
    public PlotlyFigure(string? title = null, string? xTitle = null, string? yTitle = null, bool logY = false, bool logX = false)
    {
        Title = title; XTitle = xTitle; YTitle = yTitle; LogY = logY; LogX = logX;
    }

    /// <summary>Chart title.</summary>
    public string? Title { get; }
    /// <summary>x axis title.</summary>
    public string? XTitle { get; }
    /// <summary>y axis title.</summary>
    public string? YTitle { get; }
    /// <summary>Logarithmic y axis.</summary>
    public bool LogY { get; }
    /// <summary>Logarithmic x axis.</summary>
    public bool LogX { get; }
    /// <summary>True once a heat map was added (image rows grow downwards, so the y axis is reversed).</summary>
    public bool ReverseY { get; private set; }

    /// <summary>Number of traces added so far.</summary>
    public int TraceCount => _traces.Count;

    /// <summary>Adds a line (or lines with markers) trace; <paramref name="errorY"/> adds symmetric error bars.</summary>
    public PlotlyFigure Line(IEnumerable<double> x, IEnumerable<double> y, string name, bool markers = false, IEnumerable<double>? errorY = null)
    {
        var (xs, ys) = (x.ToArray(), y.ToArray());
        SameLength(xs.Length, ys.Length, "x", "y", name);
        var t = new JsonObject { ["kind"] = "line", ["name"] = name, ["x"] = Numbers(xs), ["y"] = Numbers(ys), ["markers"] = markers };
        AddError(t, errorY, ys.Length, name);
        _traces.Add(t);
        return this;
    }

    /// <summary>Adds a scatter (markers only) trace, optionally with symmetric y error bars and point labels.</summary>
    public PlotlyFigure Scatter(IEnumerable<double> x, IEnumerable<double> y, string name, IEnumerable<double>? errorY = null, IEnumerable<string>? labels = null)
    {
        var (xs, ys) = (x.ToArray(), y.ToArray());
        SameLength(xs.Length, ys.Length, "x", "y", name);
        var t = new JsonObject { ["kind"] = "scatter", ["name"] = name, ["x"] = Numbers(xs), ["y"] = Numbers(ys) };
        AddError(t, errorY, ys.Length, name);
        if (labels != null)
        {
            var ls = labels.ToArray();
            SameLength(ls.Length, ys.Length, "labels", "y", name);
            t["labels"] = Strings(ls);
        }
        _traces.Add(t);
        return this;
    }

    /// <summary>Adds a bar trace with category labels, optionally with symmetric error bars.</summary>
    public PlotlyFigure Bar(IEnumerable<string> categories, IEnumerable<double> values, string name, IEnumerable<double>? errorY = null)
    {
        var (cs, vs) = (categories.ToArray(), values.ToArray());
        SameLength(cs.Length, vs.Length, "categories", "values", name);
        var t = new JsonObject { ["kind"] = "bar", ["name"] = name, ["categories"] = Strings(cs), ["y"] = Numbers(vs) };
        AddError(t, errorY, vs.Length, name);
        _traces.Add(t);
        return this;
    }

    /// <summary>
    /// Adds a heat map with a colour bar (row-major values, <paramref name="rows"/> × <paramref name="cols"/>;
    /// row 0 at the top, as in an image). Colour scales: Viridis, Greys, RdBu, Hot, Electric.
    /// </summary>
    public PlotlyFigure Heatmap(IReadOnlyList<double> values, int rows, int cols, string name, string colorscale = "Viridis", string? colorbarTitle = null)
    {
        if (rows <= 0 || cols <= 0 || values.Count != rows * cols)
            throw new ArgumentException($"heatmap '{name}' needs {rows}×{cols} values, got {values.Count}");
        var z = new JsonArray();
        for (int r = 0; r < rows; r++) z.Add(Numbers(Enumerable.Range(0, cols).Select(c => values[r * cols + c])));
        var t = new JsonObject { ["kind"] = "heatmap", ["name"] = name, ["z"] = z, ["colorscale"] = colorscale };
        if (colorbarTitle != null) t["colorbarTitle"] = colorbarTitle;
        _traces.Add(t);
        ReverseY = true;
        return this;
    }

    /// <summary>
    /// The figure description that <c>SamDiffSR.Charts.ChartRenderer.Render</c> turns into Plotly.NET calls:
    /// <c>{title, xTitle, yTitle, logX, logY, reverseY, height, traces: [{kind: line|scatter|bar|heatmap, name,
    /// x, y, markers, error, labels, categories, z, colorscale, colorbarTitle}]}</c>; NaN/∞ are written as null (a gap).
    /// </summary>
    public string ToSpecJson(int height = 380)
    {
        var o = new JsonObject();
        if (Title != null) o["title"] = Title;
        if (XTitle != null) o["xTitle"] = XTitle;
        if (YTitle != null) o["yTitle"] = YTitle;
        o["logX"] = LogX; o["logY"] = LogY; o["reverseY"] = ReverseY; o["height"] = height;
        o["traces"] = _traces.DeepClone();
        return o.ToJsonString();
    }

    /// <summary>Plotly.NET's div and script for this figure, without plotly.js (for a page that includes it once,
    /// see <see cref="HtmlReport"/>).</summary>
    public string ToHtmlFragment(int height = 380)
    {
        if (_traces.Count == 0) throw new InvalidOperationException($"figure '{Title}' has no traces");
        return PlotlyNet.RenderFragment(ToSpecJson(height));
    }

    /// <summary>
    /// HTML for a notebook output or any page. In a notebook whose setup cell put plotly.js on the page
    /// (<see cref="PlotlyNet.EmbedOncePerPage"/>), just the chart, which waits for <c>window.Plotly</c>; elsewhere
    /// self-contained: Plotly.NET's embedded plotly.js (guarded, so it runs once per page) and the chart.
    /// </summary>
    public string ToHtml(int height = 380) => PlotlyNet.PlotlyJsOnPage
        ? PlotlyNet.DeferUntilPlotlyJs(ToHtmlFragment(height))
        : PlotlyNet.PlotlyJsScriptTag() + ToHtmlFragment(height);

    /// <summary>A standalone HTML page with plotly.js embedded once (no network needed).</summary>
    public string ToHtmlPage(string title) => new HtmlReport(title).Figure(this).ToHtml();

    private static void AddError(JsonObject t, IEnumerable<double>? errorY, int n, string name)
    {
        if (errorY == null) return;
        var e = errorY.ToArray();
        SameLength(e.Length, n, "errorY", "y", name);
        t["error"] = Numbers(e);
    }

    private static void SameLength(int a, int b, string an, string bn, string name)
    {
        if (a != b) throw new ArgumentException($"trace '{name}': {an} has {a} values but {bn} has {b}");
    }

    private static JsonArray Numbers(IEnumerable<double> v) =>
        new(v.Select(d => (JsonNode?)(double.IsFinite(d) ? JsonValue.Create(d) : null)).ToArray());

    private static JsonArray Strings(IEnumerable<string> v) => new(v.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());

}
