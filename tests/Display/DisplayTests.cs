using System.Runtime.Loader;
using System.Text.Json;
using SamDiffSR.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SamDiffSR.Tests.Display;

public class DisplayTests
{
    [Fact]
    public void PlotlyFigure_DescribesTracesAsData()
    {
        var fig = new PlotlyFigure("loss", "step", "L1", logY: true)
            .Line([1, 2, 3], [0.5, 0.25, double.NaN], "train")
            .Bar(["a", "b"], [1, 2], "bars", errorY: [0.1, 0.2])
            .Scatter([1, 2], [3, 4], "pts", errorY: [0.5, 0.5], labels: ["p", "q"]);
        using var doc = JsonDocument.Parse(fig.ToSpecJson());
        var traces = doc.RootElement.GetProperty("traces");
        Assert.Equal(3, traces.GetArrayLength());
        Assert.Equal("line", traces[0].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, traces[0].GetProperty("y")[2].ValueKind); // NaN -> null (a gap), valid JSON
        Assert.Equal(0.2, traces[1].GetProperty("error")[1].GetDouble());
        Assert.True(doc.RootElement.GetProperty("logY").GetBoolean());
        Assert.False(doc.RootElement.GetProperty("reverseY").GetBoolean());
    }

    [Fact]
    public void PlotlyFigure_RejectsMismatchedData()
    {
        Assert.Throws<ArgumentException>(() => new PlotlyFigure().Heatmap([1, 2, 3], 2, 2, "z"));
        Assert.Throws<ArgumentException>(() => new PlotlyFigure().Line([1, 2], [1], "l"));
        Assert.Throws<ArgumentException>(() => new PlotlyFigure().Bar(["a"], [1], "b", errorY: [1, 2]));
        Assert.Throws<InvalidOperationException>(() => new PlotlyFigure("empty").ToHtmlFragment());
    }

    [Fact]
    public void PlotlyNet_RendersWithPlotlyNetInAPrivateLoadContext_AndTheLibraryDoesNotReferenceIt()
    {
        var html = new PlotlyFigure("t", "x", "y").Line([0, 1], [2, 3], "series-A").ToHtmlFragment();
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("series-A", html);
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);

        var ctx = AssemblyLoadContext.GetLoadContext(PlotlyNet.RendererAssembly)!;
        Assert.Equal(PlotlyNet.LoadContextName, ctx.Name);
        Assert.NotSame(AssemblyLoadContext.Default, ctx);
        var fsharp = ctx.Assemblies.Single(a => a.GetName().Name == "FSharp.Core").GetName().Version!;
        Assert.True(fsharp >= new Version(10, 1), $"FSharp.Core {fsharp} in the charts context");
        Assert.Contains(ctx.Assemblies, a => a.GetName().Name == "Plotly.NET");
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "Plotly.NET");
        var libRefs = typeof(PlotlyNet).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("FSharp.Core", libRefs);
        Assert.DoesNotContain("Plotly.NET", libRefs);
        Assert.Contains("Plotly.NET 6.0.0", PlotlyNet.Describe());
    }

    /// <summary>
    /// The notebook kernel's situation: an older FSharp.Core (the one dotnet-repl 0.3.259 ships, 10.0) is already loaded
    /// in the default context. Plotly.NET still renders, with its own FSharp.Core 10.1 beside it.
    /// </summary>
    [Fact]
    public void PlotlyNet_RendersBesideTheNotebookKernelsFSharpCore()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var kernelFsharp = Directory.Exists(Path.Combine(root, "dotnet-repl", "0.3.259"))
            ? Directory.GetFiles(Path.Combine(root, "dotnet-repl", "0.3.259"), "FSharp.Core.dll", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        Assert.True(kernelFsharp != null, $"dotnet-repl 0.3.259 (with its FSharp.Core.dll) not found under {root}: run 'dotnet tool restore' (environment/test.sh does)");
        var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == "FSharp.Core")
                     ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(kernelFsharp!);
        Assert.True(loaded.GetName().Version < new Version(10, 1), $"the kernel's FSharp.Core is {loaded.GetName().Version}");

        var html = new PlotlyFigure("beside the kernel").Bar(["a", "b"], [1, 2], "bars").ToHtmlFragment();
        Assert.Contains("Plotly.newPlot", html);
        var charts = AssemblyLoadContext.GetLoadContext(PlotlyNet.RendererAssembly)!;
        Assert.True(charts.Assemblies.Single(a => a.GetName().Name == "FSharp.Core").GetName().Version >= new Version(10, 1));
    }

    [Fact]
    public void PlotlyJs_IsPlotlyNetsEmbeddedBundle_DefinedOncePerPage()
    {
        Assert.Equal("2.28.0", PlotlyNet.PlotlyJsVersion);
        Assert.True(PlotlyNet.PlotlyJs.Length > 1_000_000, $"plotly.js is {PlotlyNet.PlotlyJs.Length} chars");
        var page = new HtmlReport("p").Figure(new PlotlyFigure("a").Line([0, 1], [0, 1], "a"))
            .Figure(new PlotlyFigure("b").Heatmap([1, 2, 3, 4], 2, 2, "h", colorbarTitle: "value")).ToHtml();
        Assert.Equal(1, Count(page, "typeof window.Plotly === 'undefined'"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page, @"renderPlotly_[0-9a-f]+ = function")); // Plotly.NET's script per chart
        var heat = new PlotlyFigure("h").Heatmap([1, 2, 3, 4], 2, 2, "h", colorbarTitle: "cb-title").ToHtmlFragment();
        Assert.Contains("\"type\":\"heatmap\"", heat);
        Assert.Contains("cb-title", heat);
        Assert.Contains("\"autorange\":\"reversed\"", heat); // image rows top to bottom
        Assert.DoesNotContain("\"width\":600", heat);          // fills its container
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex("<script[^>]+src=", System.Text.RegularExpressions.RegexOptions.IgnoreCase), page);
        // A notebook output carries the bundle itself, guarded so it runs once per page.
        Assert.Contains("typeof window.Plotly === 'undefined'", new PlotlyFigure("n").Line([0], [0], "n").ToHtml());
    }

    [Fact]
    public void DeferUntilPlotlyJs_ReplacesTheImmediateRenderCallWithAWaiter()
    {
        var fragment = new PlotlyFigure("d").Line([0, 1], [0, 1], "d").ToHtmlFragment();
        var fn = System.Text.RegularExpressions.Regex.Match(fragment, @"(renderPlotly_[0-9a-f]+) = function").Groups[1].Value;
        Assert.Matches($@"(?m)^{fn}\(\);\s*$", fragment);
        var deferred = PlotlyNet.DeferUntilPlotlyJs(fragment);
        Assert.DoesNotMatch($@"(?m)^{fn}\(\);\s*$", deferred);
        Assert.Contains("if (window.Plotly) { " + fn + "(); }", deferred);
        Assert.Throws<InvalidOperationException>(() => PlotlyNet.DeferUntilPlotlyJs("<div>no chart</div>"));
    }

    [Fact]
    public void HtmlReport_WritesMarkdownTablesAsHtmlTables()
    {
        var html = new HtmlReport("r").Table("| method | PSNR |\n|---|---|\n| Bicubic | 28.420 |\n| <b>x</b> | – |\n").ToHtml();
        Assert.Contains("<th>method</th><th>PSNR</th>", html);
        Assert.Contains("<td>Bicubic</td><td class=\"num\">28.420</td>", html);
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", html);
        Assert.DoesNotContain("|---|", html);
        Assert.Throws<FormatException>(() => HtmlReport.ParseMarkdownTable("| a | b |\n| c |\n"));
        Assert.Throws<FormatException>(() => HtmlReport.ParseMarkdownTable("| a | b |\n|---|---|\n| c |\n"));
    }

    [Fact]
    public void SrGallery_NearestUpscale_DrawBox_AndDetailBox()
    {
        var lr = new SamDiffSR.Data.ImageU8(1, 2, 1, [10, 200]);
        var up = SrGallery.NearestUpscale(lr, 2);
        Assert.Equal(new byte[] { 10, 10, 200, 200, 10, 10, 200, 200 }, up.Data);

        var img = new SamDiffSR.Data.ImageU8(8, 8, 1);
        var boxed = SrGallery.DrawBox(img, (2, 2, 4, 4), 1);
        Assert.Equal(3, boxed.Channels);
        Assert.Equal(255, boxed[2, 3, 0]); Assert.Equal(0, boxed[2, 3, 1]);   // on the outline: red
        Assert.Equal(0, boxed[3, 3, 0]);                                       // inside: untouched
        Assert.Equal(0, img.Data.Max());                                       // the input is not modified

        // Texture only in the bottom-right quadrant: the box lands there.
        var hr = new SamDiffSR.Data.ImageU8(64, 64, 1);
        for (int y = 32; y < 64; y++) for (int x = 32; x < 64; x++) hr.Data[y * 64 + x] = (byte)(((x + y) & 1) * 255);
        var b = SrGallery.DetailBox(hr, 4);
        Assert.Equal(16, b.H);
        Assert.True(b.Y >= 32 && b.X >= 32, $"box at {b}");
    }

    [Fact]
    public void EncodePng_RoundTripsPixels()
    {
        var px = new byte[] { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110 }; // 2×2 RGB
        var png = HtmlImage.EncodePng(px, 2, 2, 3);
        using var img = Image.Load<Rgb24>(png);
        Assert.Equal(new Rgb24(90, 100, 110), img[1, 1]);
        Assert.StartsWith("<img", HtmlImage.ImgTag(png));
        Assert.Contains("caption", HtmlImage.Gallery([(png, "caption")]));
    }

    [Fact]
    public void ToGray_MapsRangeLinearly_AndConstantToMidGray()
    {
        Assert.Equal(new byte[] { 0, 128, 255 }, HtmlImage.ToGray(new double[] { -1, 0, 1 }));
        Assert.Equal(new byte[] { 128, 128 }, HtmlImage.ToGray(new double[] { 3, 3 }));
        Assert.Equal(new byte[] { 0, 255 }, HtmlImage.ToGray(new double[] { -5, 5 }, 0, 1));
    }

    private static int Count(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
