using System.Text.RegularExpressions;
using Xunit;

namespace SamDiffSR.Tests.Repository;

/// <summary>
/// Every repository-relative path that a source comment, markdown file, notebook or script mentions must exist in
/// the repository, so that a user who clones it can follow every citation. Team notes outside the repository (the
/// team's shared folder and its research notes) are never valid targets; their facts live in <c>docs/</c>.
/// The literals below are split ("pe" + "ers.md") so that this file does not trip its own scan.
/// </summary>
public class DocReferenceTests
{
    // ---- The rules, in one place ----
    /// <summary>Folders and files that are scanned.</summary>
    private static readonly string[] ScanRoots = ["lib", "cli", "tests", "notebooks", "docs", "environment", "data", "README.md"];
    /// <summary>File kinds that are scanned (comments, markdown, notebooks, scripts).</summary>
    private static readonly string[] ScanExtensions = [".cs", ".md", ".ipynb", ".dib", ".sh"];
    /// <summary>A token that starts with one of these (at a word boundary) is a repository path.</summary>
    private static readonly Regex PathToken = new(
        @"(?<![\w./\-~$:@\\])((?:\.\./)*(?:lib|cli|tests|docs|notebooks|environment|data|research|shared)/[\w.\-/]*)",
        RegexOptions.Compiled);
    /// <summary>Paths into these are never allowed: team notes that a clone does not have. A path that starts with
    /// "../" is resolved from the mentioning file's folder and must stay inside the repository.</summary>
    private static readonly string[] OutsidePrefixes = ["research" + "/", "shared" + "/"];
    /// <summary>Bare names of the team's research notes (a citation must name the in-repository docs/ file).</summary>
    private static readonly Regex BareNoteName = new(
        @"(?<![\w./\-])(peers|data|reference|ecosystem|toolchain|modulated-few-step)\.md\b", RegexOptions.Compiled);
    /// <summary>Path segments a user creates (outputs, build products, user-supplied data sets): not checked.</summary>
    private static readonly HashSet<string> UserSegments = new(StringComparer.Ordinal)
    {
        "runs", "out", "artifacts", "bin", "obj", "DIV2K", "Flickr2K", "Urban100", "BSD100", "BSDS100", "Manga109", "General100",
    };
    /// <summary>A citation "docs/&lt;file&gt;.md §Heading": the text after § must start with a "## " heading of that file.</summary>
    private static readonly Regex SectionCitation = new(@"(docs/[\w\-]+\.md)`? §([^§,;:()""\n]+)", RegexOptions.Compiled);
    /// <summary>A path followed by one of these is a glob or template, not a file: not checked.</summary>
    private const string PatternFollowers = "*{<$[";

    [Fact]
    public void EveryMentionedRepositoryPath_Exists_AndNoneLeavesTheRepository()
    {
        var failures = Scan(TestPaths.RepoRoot);
        Assert.True(failures.Count == 0,
            $"{failures.Count} reference(s) to paths that are not in the repository:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Scanner_FlagsMissingAndOutsidePaths_AndAcceptsRealOnes()
    {
        // The rules themselves, on text that is not in the repository (so the scan above cannot pass by matching nothing).
        var root = TestPaths.RepoRoot;
        Assert.Empty(CheckLine(root, "see docs/paper-vs-code.md and lib/Data/MatlabResize.cs, tests/TestPaths.cs"));
        Assert.Empty(CheckLine(root, "built by `lib/Data/MatlabResize` (a type); outputs in runs/x/model.pt; data/benchmarks/*.png"));
        Assert.Empty(CheckLine(root, "SAM-DiffSR:data/sr/DF2K (another repository's path); facebookresearch/segment-anything"));
        Assert.Single(CheckLine(root, "(research" + "/pe" + "ers.md §3.2)"));
        Assert.Single(CheckLine(root, "copy it from ../sha" + "red/reference"));
        Assert.Single(CheckLine(root, "see do" + "cs/no-such-file.md"));
        Assert.Single(CheckLine(root, "(pe" + "ers.md §3.2)"));
        Assert.Empty(CheckLine(root, "(docs/data.md §Checksums)"));
        Assert.Single(CheckLine(root, "(docs/data.md " + "§No such heading)"));
        Assert.Empty(CheckLine(root, "[data](da" + "ta.md)", "docs"));
        Assert.Empty(CheckLine(root, "[layout](../da" + "ta/README.md)", "docs"));
        Assert.Single(CheckLine(root, "[layout](../do" + "cs/no-such.md)", "docs"));
    }

    private static List<string> Scan(string root)
    {
        var failures = new List<string>();
        foreach (var top in ScanRoots)
        {
            var full = Path.Combine(root, top);
            IEnumerable<string> files = File.Exists(full) ? [full]
                : Directory.Exists(full) ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories) : [];
            foreach (var file in files)
            {
                var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (!ScanExtensions.Contains(Path.GetExtension(file)) || rel.Split('/').Any(s => s is "bin" or "obj")) continue;
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                    foreach (var problem in CheckLine(root, lines[i], Path.GetDirectoryName(rel) ?? ""))
                        failures.Add($"{rel}:{i + 1}: {problem}");
            }
        }
        return failures;
    }

    private static List<string> CheckLine(string root, string line, string folder = "")
    {
        var problems = new List<string>();
        foreach (Match m in PathToken.Matches(line))
        {
            var end = m.Index + m.Length;
            if (end < line.Length && PatternFollowers.Contains(line[end])) continue;
            var token = m.Groups[1].Value.TrimEnd('.', ',', ';', ':', ')');
            if (token.StartsWith("../", StringComparison.Ordinal))
            {
                var resolved = Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(root, folder, token))).Replace('\\', '/');
                if (resolved.StartsWith("../", StringComparison.Ordinal))
                {
                    problems.Add($"'{token}' points outside the repository (team notes); cite the docs/ file instead");
                    continue;
                }
                token = resolved;
            }
            if (OutsidePrefixes.Any(token.StartsWith))
            {
                problems.Add($"'{token}' points outside the repository (team notes); cite the docs/ file instead");
                continue;
            }
            var segments = token.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Any(UserSegments.Contains)) continue;
            var path = Path.Combine(root, token);
            if (!File.Exists(path) && !Directory.Exists(path) && !File.Exists(path + ".cs"))
                problems.Add($"'{token}' does not exist in the repository");
        }
        foreach (Match m in SectionCitation.Matches(line))
        {
            var doc = Path.Combine(root, m.Groups[1].Value);
            if (File.Exists(doc) && !File.ReadLines(doc).Any(l => l.StartsWith("## ", StringComparison.Ordinal)
                    && m.Groups[2].Value.StartsWith(l[3..].Trim(), StringComparison.Ordinal)))
                problems.Add($"'{m.Groups[1].Value} §{m.Groups[2].Value.Trim()}' names no '## ' heading of that file");
        }
        foreach (Match m in BareNoteName.Matches(line))
            if (!File.Exists(Path.Combine(root, folder, m.Value))) // a link to a sibling file (from docs/ to its neighbours) is fine
                problems.Add($"'{m.Value}' names a team note, not a repository file; cite docs/<file>.md instead");
        return problems;
    }
}
