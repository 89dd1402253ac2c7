using System.Reflection;
using System.Runtime.Loader;

namespace SamDiffSR.Display;

/// <summary>
/// Plotly.NET, loaded on first use from the <c>charts/</c> folder next to SamDiffSR.Lib.dll into a private
/// <see cref="AssemblyLoadContext"/>. Plotly.NET 6.0.0 needs FSharp.Core 10.1; the .NET Interactive kernel runs
/// FSharp.Core 10.0, so loading Plotly.NET next to the kernel fails ("Could not load file or assembly
/// 'FSharp.Core, Version=10.1.0.0'"). In its own context Plotly.NET gets its own FSharp.Core and the kernel keeps
/// its own. The library never references Plotly.NET or FSharp.Core: it calls <c>SamDiffSR.Charts.ChartRenderer</c>
/// (charts/SamDiffSR.Charts.csproj) through delegates of BCL types (a JSON figure in, HTML out).
/// </summary>
public static class PlotlyNet
{
    /// <summary>Name of the private load context.</summary>
    public const string LoadContextName = "SamDiffSR.Charts";

    /// <summary>Environment variable that overrides where the chart assemblies are looked for.</summary>
    public const string DirectoryVariable = "SAMDIFFSR_CHARTS_DIR";

    private sealed record Api(Assembly Renderer, Func<string, string> Render, string PlotlyJs, string PlotlyJsVersion);

    private static readonly Lazy<Api> _api = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The folder holding SamDiffSR.Charts.dll and its dependencies: <see cref="DirectoryVariable"/> if set,
    /// else <c>charts/</c> next to SamDiffSR.Lib.dll (where the library's build puts it).
    /// </summary>
    public static string ChartsDirectory =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } d ? Path.GetFullPath(d)
        : Path.Combine(Path.GetDirectoryName(typeof(PlotlyNet).Assembly.Location) is { Length: > 0 } libDir ? libDir : AppContext.BaseDirectory, "charts");

    /// <summary>The plotly.js bundle shipped inside Plotly.NET.dll (no network).</summary>
    public static string PlotlyJs => _api.Value.PlotlyJs;

    /// <summary>The plotly.js version of <see cref="PlotlyJs"/>.</summary>
    public static string PlotlyJsVersion => _api.Value.PlotlyJsVersion;

    /// <summary>The loaded SamDiffSR.Charts assembly (in its own load context; for diagnostics and tests).</summary>
    public static Assembly RendererAssembly => _api.Value.Renderer;

    /// <summary>
    /// A &lt;script&gt; element that defines <c>window.Plotly</c> from the embedded bundle unless the page already has it.
    /// The bundle runs with <c>define</c>/<c>module</c>/<c>exports</c> hidden, so a page with require.js (Jupyter)
    /// still gets a global <c>Plotly</c>.
    /// </summary>
    public static string PlotlyJsScriptTag() =>
        "<script type=\"text/javascript\">if (typeof window.Plotly === 'undefined') { (function(define, module, exports) {\n"
        + PlotlyJs.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)
        + "\n}).call(window); }</script>\n";

    /// <summary>
    /// True once <see cref="EmbedOncePerPage"/> put plotly.js on the page (notebooks/setup.dib does, in the setup
    /// cell's output): <see cref="PlotlyFigure.ToHtml"/> then writes only the chart, which waits for
    /// <c>window.Plotly</c>. A notebook is one page in VS Code (all outputs share one webview), so plotly.js
    /// travels once per notebook instead of once per chart (3.5 MB each).
    /// </summary>
    public static bool PlotlyJsOnPage { get; private set; }

    /// <summary>The plotly.js script tag for a notebook's setup cell; later charts of this process rely on it.</summary>
    public static string EmbedOncePerPage()
    {
        var tag = PlotlyJsScriptTag();
        PlotlyJsOnPage = true;
        return tag;
    }

    /// <summary>
    /// Plotly.NET's fragment with its final <c>renderPlotly_…()</c> call replaced by one that waits (up to 60 s) for
    /// <c>window.Plotly</c>, then says what is missing instead of failing silently.
    /// </summary>
    public static string DeferUntilPlotlyJs(string fragment)
    {
        var m = RenderCall.Match(fragment);
        if (!m.Success) throw new InvalidOperationException("charts: Plotly.NET's HTML has no final renderPlotly_…() call (changed Plotly.NET version?)");
        var fn = m.Groups[1].Value;
        var waiter = "(function (n) { var go = function () { if (window.Plotly) { " + fn + "(); } else if (n-- > 0) { setTimeout(go, 100); } "
            + "else { var d = document.currentScript && document.currentScript.parentNode; if (d) d.insertAdjacentText('afterbegin', "
            + "'plotly.js is not on this page: run the notebook from its first cell (setup.dib embeds it)'); } }; go(); })(600);";
        return fragment[..m.Groups[0].Index] + waiter + fragment[(m.Groups[0].Index + m.Groups[0].Length)..];
    }

    private static readonly System.Text.RegularExpressions.Regex RenderCall =
        new(@"^(renderPlotly_[0-9a-f]+)\(\);\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);

    /// <summary>Plotly.NET's HTML for a figure description (<see cref="PlotlyFigure.ToSpecJson"/>), without plotly.js.</summary>
    public static string RenderFragment(string figureJson) => _api.Value.Render(figureJson);

    /// <summary>One line: what is loaded from where (assembly versions, load context).</summary>
    public static string Describe()
    {
        var a = _api.Value;
        var ctx = AssemblyLoadContext.GetLoadContext(a.Renderer);
        // Loading through the context resolves from the charts folder, as Plotly.NET's own references do.
        string V(string name) => ctx?.LoadFromAssemblyName(new AssemblyName(name)).GetName().Version?.ToString() ?? "?";
        var host = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(x => x.GetName().Name == "FSharp.Core")?.GetName().Version;
        return $"Plotly.NET {V("Plotly.NET")} with FSharp.Core {V("FSharp.Core")}, plotly.js {a.PlotlyJsVersion}, in load context '{ctx?.Name}' from {ChartsDirectory}"
            + (host is null ? "" : $" (the host's own FSharp.Core {host} stays in the default context)");
    }

    private static Api Load()
    {
        var dir = ChartsDirectory;
        var path = Path.Combine(dir, "SamDiffSR.Charts.dll");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"charts: {path} is missing; build the library (dotnet build SamDiffSR.Lib.csproj, or dotnet publish for notebooks), which builds charts/SamDiffSR.Charts.csproj into that folder, or set {DirectoryVariable}", path);
        var ctx = new ChartsLoadContext(dir);
        var asm = ctx.LoadFromAssemblyPath(path);
        var type = asm.GetType("SamDiffSR.Charts.ChartRenderer", throwOnError: true)!;
        T Bind<T>(string method) where T : Delegate =>
            (T)Delegate.CreateDelegate(typeof(T), type.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
                ?? throw new MissingMethodException(type.FullName, method));
        var render = Bind<Func<string, string>>("Render");
        var js = Bind<Func<string>>("PlotlyJs")();
        var version = Bind<Func<string>>("PlotlyJsVersion")();
        return new Api(asm, render, js, version);
    }

    /// <summary>Resolves every assembly present in the charts folder from there (FSharp.Core 10.1, Plotly.NET, ...);
    /// everything else (the framework) comes from the default context.</summary>
    private sealed class ChartsLoadContext(string directory) : AssemblyLoadContext(LoadContextName, isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var p = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(p) ? LoadFromAssemblyPath(p) : null;
        }
    }
}
