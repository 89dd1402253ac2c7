using System.Net;
using System.Text;

namespace SamDiffSR.Display;

/// <summary>
/// A self-contained HTML page (reports written by the CLI and the quickstart): headings, text, HTML tables,
/// Plotly.NET charts and image galleries. plotly.js is embedded once in the page's head, from Plotly.NET's own
/// bundle, and only when the page has a chart: the page needs no network.
/// </summary>
public sealed class HtmlReport(string title)
{
    private readonly StringBuilder _body = new();
    private bool _hasFigure;

    /// <summary>A heading (h1..h4).</summary>
    public HtmlReport Heading(string text, int level = 2)
    {
        level = Math.Clamp(level, 1, 4);
        _body.Append("<h").Append(level).Append('>').Append(WebUtility.HtmlEncode(text)).Append("</h").Append(level).Append(">\n");
        return this;
    }

    /// <summary>A paragraph of plain text (HTML-encoded).</summary>
    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(WebUtility.HtmlEncode(text)).Append("</p>\n");
        return this;
    }

    /// <summary>An HTML table; every cell is HTML-encoded, numbers are right-aligned.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        _body.Append("<table class=\"results\">");
        if (caption != null) _body.Append("<caption>").Append(WebUtility.HtmlEncode(caption)).Append("</caption>");
        _body.Append("<thead><tr>");
        foreach (var h in headers) _body.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        _body.Append("</tr></thead><tbody>\n");
        int n = 0;
        foreach (var row in rows)
        {
            if (row.Count != headers.Count) throw new ArgumentException($"table row {n + 1} has {row.Count} cells, the header has {headers.Count}");
            _body.Append("<tr>");
            foreach (var cell in row)
                _body.Append(LooksNumeric(cell) ? "<td class=\"num\">" : "<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            _body.Append("</tr>\n");
            n++;
        }
        _body.Append("</tbody></table>\n");
        return this;
    }

    /// <summary>
    /// An HTML table from a GitHub-style Markdown pipe table (header row, <c>|---|</c> row, body rows), so a report
    /// keeps one formatting of its numbers for report.md and report.html.
    /// </summary>
    public HtmlReport Table(string markdownTable, string? caption = null)
    {
        var (headers, rows) = ParseMarkdownTable(markdownTable);
        return Table(headers, rows, caption);
    }

    /// <summary>A Plotly.NET chart.</summary>
    public HtmlReport Figure(PlotlyFigure figure, int height = 380)
    {
        _body.Append("<div class=\"figure\">").Append(figure.ToHtmlFragment(height)).Append("</div>\n");
        _hasFigure = true;
        return this;
    }

    /// <summary>Trusted HTML from this library (e.g. <see cref="HtmlImage.Gallery"/>, <see cref="SrGallery"/>).</summary>
    public HtmlReport Html(string html)
    {
        _body.Append(html).Append('\n');
        return this;
    }

    /// <summary>The page.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>")
            .Append("body{font-family:sans-serif;margin:16px 24px;color:#222}")
            .Append("table.results{border-collapse:collapse;margin:8px 0}")
            .Append("table.results th,table.results td{border:1px solid #bbb;padding:3px 8px}")
            .Append("table.results th{background:#eee}table.results td.num{text-align:right;font-variant-numeric:tabular-nums}")
            .Append("</style>\n");
        if (_hasFigure) sb.Append(PlotlyNet.PlotlyJsScriptTag());
        sb.Append("</head><body>\n<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n").Append(_body).Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Parses a Markdown pipe table into header cells and rows (cells trimmed).</summary>
    /// <exception cref="FormatException">Not a pipe table, or rows of different widths.</exception>
    public static (string[] Headers, List<string[]> Rows) ParseMarkdownTable(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count < 2 || !lines.All(l => l.StartsWith('|') && l.EndsWith('|')))
            throw new FormatException("not a Markdown pipe table: every line must start and end with '|'");
        static string[] Cells(string l) => l[1..^1].Split('|').Select(c => c.Trim()).ToArray();
        var headers = Cells(lines[0]);
        var sep = Cells(lines[1]);
        if (sep.Length != headers.Length || !sep.All(c => c.Length > 0 && c.Trim(':').Length > 0 && c.Trim(':').All(ch => ch == '-')))
            throw new FormatException("not a Markdown pipe table: the second line must be |---|---|... with one cell per column");
        var rows = new List<string[]>();
        foreach (var l in lines.Skip(2))
        {
            var c = Cells(l);
            if (c.Length != headers.Length) throw new FormatException($"Markdown table row '{l}' has {c.Length} cells, the header has {headers.Length}");
            rows.Add(c);
        }
        return (headers, rows);
    }

    private static bool LooksNumeric(string s) =>
        s.Length > 0 && (double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) || s == "–");
}
