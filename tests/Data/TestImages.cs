using System.Collections.Concurrent;
using SamDiffSR.Data;

namespace SamDiffSR.Tests.Data;

/// <summary>Decodes each embedded benchmark image once per test run (decoding dominates the resize tests otherwise).</summary>
internal static class TestImages
{
    private static readonly ConcurrentDictionary<string, ImageU8> Cache = new(StringComparer.Ordinal);

    public static ImageU8 Hr(string set, string file) =>
        Cache.GetOrAdd(set + "/" + file, _ => ImageIO.Load(TestPaths.Data("benchmarks", set, file)));

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "samdiffsr-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
