using System.Diagnostics;
using Xunit;

namespace SamDiffSR.Tests.Display;

/// <summary>Headless Chromium with networking disabled, for checking that generated pages draw offline.</summary>
public static class Chromium
{
    /// <summary>The browser on PATH (Debian's package installs /usr/bin/chromium), or null.</summary>
    public static string? Path { get; } = new[] { "chromium", "chromium-browser", "google-chrome" }
        .SelectMany(n => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => System.IO.Path.Combine(d, n)))
        .FirstOrDefault(File.Exists);

    public const string MissingReason = "chromium is not installed (Debian: apt-get install -y chromium; environment/setup.sh installs it for CI)";

    /// <summary>
    /// Loads <paramref name="file"/> and returns the DOM after scripts ran; with <paramref name="screenshot"/> also
    /// writes a PNG. Networking is off twice over: every host resolves to nothing and all traffic goes to a closed
    /// local proxy port, so a page that needed a CDN would fail to draw.
    /// </summary>
    public static string DumpDom(string file, string? screenshot = null, int width = 1280, int height = 2000)
    {
        var profile = Directory.CreateTempSubdirectory("samdiffsr-chromium-");
        try
        {
            var common = new List<string>
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=" + profile.FullName,
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw",
                $"--window-size={width},{height}",
            };
            if (screenshot != null)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(screenshot)!);
                Run([.. common, "--screenshot=" + screenshot, new Uri(file).AbsoluteUri]);
            }
            return Run([.. common, "--dump-dom", new Uri(file).AbsoluteUri]);
        }
        finally { try { profile.Delete(true); } catch (IOException) { } }
    }

    private static string Run(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException(MissingReason))
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 120 s"); }
        Assert.True(p.ExitCode == 0, $"chromium exit {p.ExitCode}: {stderr.Result}");
        return stdout;
    }

    /// <summary>Occurrences of <paramref name="what"/> in <paramref name="s"/>.</summary>
    public static int Count(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}

/// <summary>A fact that is skipped, with the reason, when Chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null) Skip = Chromium.MissingReason;
    }
}
