using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SamDiffSR.Display;

/// <summary>
/// An interactive chart as a plotly.js figure model (<c>{data: [...], layout: {...}}</c>) rendered to
/// self-contained HTML. This is how notebooks get interactive Plotly charts: Plotly.NET 6.0.0 needs
/// FSharp.Core 10.1 and cannot load in the final .NET Interactive kernels (FSharp.Core 10.0), so the library
/// writes the plotly.js JSON model itself and the notebook front end (VS Code) renders it with plotly.js.
/// The CLI, an ordinary .NET process, can use Plotly.NET directly; both produce the same plotly.js model.
/// </summary>
public sealed class PlotlyFigure
{
    /// <summary>plotly.js bundle used by <see cref="ToHtml"/> (loaded by the browser/webview, not by .NET).</summary>
    public const string PlotlyJsUrl = "https://cdn.plot.ly/plotly-2.35.2.min.js";

    private readonly JsonArray _data = new();
    private readonly JsonObject _layout = new();

    public PlotlyFigure(string? title = null, string? xTitle = null, string? yTitle = null, bool logY = false)
    {
        if (title != null) _layout["title"] = new JsonObject { ["text"] = title };
        var x = new JsonObject(); if (xTitle != null) x["title"] = new JsonObject { ["text"] = xTitle };
        var y = new JsonObject(); if (yTitle != null) y["title"] = new JsonObject { ["text"] = yTitle };
        if (logY) y["type"] = "log";
        _layout["xaxis"] = x; _layout["yaxis"] = y;
        _layout["margin"] = new JsonObject { ["t"] = 48, ["r"] = 16, ["b"] = 48, ["l"] = 64 };
    }

    /// <summary>Number of traces added so far.</summary>
    public int TraceCount => _data.Count;

    /// <summary>Adds a line (or markers) trace.</summary>
    public PlotlyFigure Line(IEnumerable<double> x, IEnumerable<double> y, string name, bool markers = false)
    {
        _data.Add(new JsonObject
        {
            ["type"] = "scatter",
            ["mode"] = markers ? "lines+markers" : "lines",
            ["name"] = name,
            ["x"] = ToArray(x),
            ["y"] = ToArray(y),
        });
        return this;
    }

    /// <summary>Adds a bar trace with category labels.</summary>
    public PlotlyFigure Bar(IEnumerable<string> categories, IEnumerable<double> values, string name)
    {
        _data.Add(new JsonObject
        {
            ["type"] = "bar",
            ["name"] = name,
            ["x"] = new JsonArray(categories.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["y"] = ToArray(values),
        });
        return this;
    }

    /// <summary>Adds a heat map (row-major values, <paramref name="rows"/> × <paramref name="cols"/>).</summary>
    public PlotlyFigure Heatmap(IReadOnlyList<double> values, int rows, int cols, string name, string colorscale = "Viridis")
    {
        if (values.Count != rows * cols) throw new ArgumentException($"heatmap needs {rows}×{cols} values, got {values.Count}");
        var z = new JsonArray();
        for (int r = 0; r < rows; r++) z.Add(ToArray(Enumerable.Range(0, cols).Select(c => values[r * cols + c])));
        _data.Add(new JsonObject { ["type"] = "heatmap", ["name"] = name, ["z"] = z, ["colorscale"] = colorscale });
        _layout["yaxis"]!["autorange"] = "reversed";
        return this;
    }

    /// <summary>The plotly.js figure model as JSON (what <c>Plotly.newPlot(div, data, layout)</c> takes).</summary>
    public string ToJson() => new JsonObject { ["data"] = _data.DeepClone(), ["layout"] = _layout.DeepClone() }
        .ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>
    /// HTML fragment: a div plus a script that loads plotly.js once (from <see cref="PlotlyJsUrl"/>) and draws
    /// the figure. Works in VS Code Polyglot Notebooks and in any browser; offline it shows the JSON model's
    /// title and a note instead of the chart.
    /// </summary>
    public string ToHtml(int height = 380)
    {
        var id = "samdiffsr-plot-" + Guid.NewGuid().ToString("N")[..12];
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<div id=\"{id}\" style=\"width:100%;height:{height}px\">");
        sb.Append("<noscript>interactive chart (needs JavaScript)</noscript></div>\n<script type=\"text/javascript\">\n(function(){\n");
        sb.Append("var fig = ").Append(ToJson()).Append(";\n");
        sb.Append(CultureInfo.InvariantCulture, $"var draw = function(){{ window.Plotly.newPlot('{id}', fig.data, fig.layout, {{responsive:true}}); }};\n");
        sb.Append("if (window.Plotly) { draw(); } else {\n");
        sb.Append(CultureInfo.InvariantCulture, $"  var s = document.createElement('script'); s.src = '{PlotlyJsUrl}'; s.onload = draw;\n");
        sb.Append(CultureInfo.InvariantCulture, $"  s.onerror = function(){{ document.getElementById('{id}').innerText = 'plotly.js could not be loaded (offline?)'; }};\n");
        sb.Append("  document.head.appendChild(s); }\n})();\n</script>");
        return sb.ToString();
    }

    /// <summary>A standalone HTML page (for reports written by the CLI).</summary>
    public string ToHtmlPage(string title) =>
        $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{System.Net.WebUtility.HtmlEncode(title)}</title></head><body>\n{ToHtml()}\n</body></html>\n";

    private static JsonArray ToArray(IEnumerable<double> v) =>
        new(v.Select(d => (JsonNode?)(double.IsFinite(d) ? JsonValue.Create(d) : null)).ToArray());
}
