using System.Text.RegularExpressions;
using Xunit;

namespace SamDiffSR.Tests.Repository;

/// <summary>
/// The library's folders read as the pipeline, and no namespace depends on one later in it. README's "Architecture"
/// section lists the same order, one line per folder.
/// </summary>
public partial class ArchitectureTests
{
    /// <summary>The allowed order: a namespace may use itself and those before it, never those after it.</summary>
    public static readonly string[] PipelineOrder =
    [
        "Runtime", "IO", "Data",
        "Masks", "Masks.Formats", "Masks.Spe", "Masks.Segmenters", "Masks.Generation", "Masks.Sam",
        "Schedules", "Models", "Diffusion", "Training", "Training.Packs",
        "Metrics", "Metrics.Perceptual", "Inference", "Verification", "Display", "Pipelines",
    ];

    [GeneratedRegex(@"^namespace SamDiffSR\.([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"\bSamDiffSR\.((?:[A-Z]\w*\.)*[A-Z]\w*)")]
    private static partial Regex QualifiedName();

    /// <summary>Every namespace a source file names in code (using directives and qualified names; comments excluded).</summary>
    public static IEnumerable<string> ReferencedNamespaces(string source)
    {
        foreach (var raw in source.Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.StartsWith("//") || line.StartsWith("namespace ")) continue;
            int comment = line.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0) line = line[..comment];
            foreach (Match m in QualifiedName().Matches(line))
            {
                // the longest known prefix of the dotted name is the namespace (the rest are type/member names)
                var parts = m.Groups[1].Value.Split('.');
                for (int n = parts.Length; n >= 1; n--)
                {
                    var candidate = string.Join('.', parts[..n]);
                    if (Array.IndexOf(PipelineOrder, candidate) >= 0) { yield return candidate; break; }
                }
            }
        }
    }

    /// <summary>The violations in a set of (file, source) pairs: "file: A uses B (later in the pipeline)".</summary>
    public static List<string> Violations(IEnumerable<(string File, string Source)> files)
    {
        var bad = new List<string>();
        foreach (var (file, src) in files)
        {
            var m = NamespaceLine().Match(src);
            if (!m.Success) { bad.Add($"{file}: no file-scoped namespace"); continue; }
            var ns = m.Groups[1].Value;
            int own = Array.IndexOf(PipelineOrder, ns);
            if (own < 0) { bad.Add($"{file}: namespace SamDiffSR.{ns} is not in the pipeline order list"); continue; }
            foreach (var used in ReferencedNamespaces(src).Distinct())
                if (Array.IndexOf(PipelineOrder, used) > own)
                    bad.Add($"{file}: SamDiffSR.{ns} uses SamDiffSR.{used}, which comes later in the pipeline");
        }
        return bad;
    }

    private static IEnumerable<(string, string)> LibraryFiles() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "lib"), "*.cs", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(TestPaths.RepoRoot, f), File.ReadAllText(f)));

    [Fact]
    public void NoLibraryNamespaceUsesOneLaterInThePipeline()
    {
        var bad = Violations(LibraryFiles());
        Assert.True(bad.Count == 0, string.Join('\n', bad));
    }

    [Fact]
    public void EveryLibraryFolderIsInTheOrder_AndNamespacesFollowFolders()
    {
        foreach (var (file, src) in LibraryFiles())
        {
            var folder = Path.GetDirectoryName(file)!["lib".Length..].Trim(Path.DirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '.');
            var ns = NamespaceLine().Match(src).Groups[1].Value;
            Assert.True(folder == ns, $"{file}: namespace SamDiffSR.{ns} does not match its folder lib/{folder.Replace('.', '/')}");
        }
    }

    [Fact]
    public void TheGuardCatchesABackwardUse_ButNotAComment()
    {
        var backward = ("X.cs", "using SamDiffSR.Training;\nnamespace SamDiffSR.Data;\nclass X {}");
        var qualified = ("Y.cs", "namespace SamDiffSR.Data;\nclass Y { object o = SamDiffSR.Models.ModelConfig.Tiny; }");
        var comment = ("Z.cs", "namespace SamDiffSR.Data;\n/// see <see cref=\"SamDiffSR.Training.SrTrainer\"/>\nclass Z {} // SamDiffSR.Pipelines");
        var forward = ("W.cs", "using SamDiffSR.Data;\nusing SamDiffSR.Masks.Spe;\nnamespace SamDiffSR.Training;\nclass W {}");
        var bad = Violations([backward, qualified, comment, forward]);
        Assert.Equal(2, bad.Count);
        Assert.Contains("SamDiffSR.Data uses SamDiffSR.Training", bad[0]);
        Assert.Contains("SamDiffSR.Data uses SamDiffSR.Models", bad[1]);
    }

    [Fact]
    public void TheLibraryReferencesNoNotebookOrChartFramework()
    {
        // Plotly.NET lives in charts/ (its own project, loaded in a private load context), never as a reference of the library.
        var csproj = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "SamDiffSR.Lib.csproj"));
        var references = Regex.Matches(csproj, @"<(?:PackageReference|ProjectReference)\s+Include=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("TorchSharp", references);   // the scan sees the real references
        foreach (var banned in new[] { "Microsoft.DotNet.Interactive", "Plotly.NET", "FSharp.Core", "Charts" })
            Assert.DoesNotContain(references, r => r.Contains(banned, StringComparison.OrdinalIgnoreCase));
    }
}
