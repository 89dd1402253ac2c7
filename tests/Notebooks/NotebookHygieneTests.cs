using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace SamDiffSR.Tests.Notebooks;

/// <summary>Static checks of notebooks, the shared setup file and the dev containers (no kernel needed).</summary>
public class NotebookHygieneTests
{
    private static string Nb(params string[] p) => Path.Combine([TestPaths.RepoRoot, "notebooks", .. p]);

    public static IEnumerable<object[]> Notebooks() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "notebooks"), "*.ipynb", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + ".executed"))
            .OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetRelativePath(TestPaths.RepoRoot, f) });

    [Fact]
    public void ThereAreNotebooks() => Assert.NotEmpty(Notebooks());

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_IsCommittedWithoutOutputs_AndImportsTheSetupFirst(string rel)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, rel)));
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
        var code = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.NotEmpty(code);
        foreach (var c in code)
        {
            Assert.True(!c.TryGetProperty("outputs", out var o) || o.GetArrayLength() == 0, $"{rel}: a code cell has outputs");
            Assert.True(!c.TryGetProperty("execution_count", out var n) || n.ValueKind == JsonValueKind.Null, $"{rel}: execution_count set");
            var src = Source(c);
            Assert.DoesNotMatch(new Regex(@"^\s*#r\s", RegexOptions.Multiline), src);
        }
        Assert.StartsWith("#!import setup.dib", Source(code[0]).TrimStart());
        Assert.Contains("csharp", doc.RootElement.GetProperty("metadata").GetRawText());
        // Every notebook starts with a title and ends with a summary/exercises section.
        Assert.StartsWith("# ", Source(cells[0]).TrimStart());
        Assert.Contains(cells.Where(c => c.GetProperty("cell_type").GetString() == "markdown").Select(Source),
            s => s.Contains("Exercises", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void SetupFile_PackageVersions_MatchCentralVersions()
    {
        var setup = File.ReadAllText(Nb("setup.dib"));
        var central = XDocument.Load(Path.Combine(TestPaths.RepoRoot, "Directory.Packages.props"));
        var versions = central.Descendants("PackageVersion").ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        var refs = Regex.Matches(setup, @"#r\s+""nuget:\s*([^,""]+),\s*([^""]+)""");
        Assert.NotEmpty(refs);
        foreach (Match m in refs)
        {
            var id = m.Groups[1].Value.Trim();
            Assert.True(versions.ContainsKey(id), $"setup.dib references {id}, which Directory.Packages.props does not pin");
            Assert.Equal(versions[id], m.Groups[2].Value.Trim());
        }
        Assert.Contains("#r \"../artifacts/lib/SamDiffSR.Lib.dll\"", setup);
    }

    public static IEnumerable<object[]> DevContainers() => new[] { "gpu", "cpu" }.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(DevContainers))]
    public void DevContainer_Parses_AndNamesExistingFiles(string kind)
    {
        var path = Path.Combine(TestPaths.RepoRoot, ".devcontainer", kind, "devcontainer.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        Assert.StartsWith("mcr.microsoft.com/devcontainers/dotnet:10.0-noble", root.GetProperty("image").GetString());
        Assert.Equal(kind == "gpu" ? "cuda" : "cpu", root.GetProperty("containerEnv").GetProperty("TorchBackend").GetString());
        var post = root.GetProperty("postCreateCommand").GetString()!;
        foreach (Match m in Regex.Matches(post, @"[\w./-]+\.sh"))
            Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, m.Value)), $"{path}: {m.Value} does not exist");
        var ext = root.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", ext);
        // The GPU container passes --gpus=all, so it needs a GPU (and the NVIDIA Container Toolkit): required, not optional.
        if (kind == "gpu") Assert.True(root.GetProperty("hostRequirements").GetProperty("gpu").GetBoolean());
    }

    private static string Source(JsonElement cell) => cell.GetProperty("source").ValueKind == JsonValueKind.Array
        ? string.Concat(cell.GetProperty("source").EnumerateArray().Select(s => s.GetString()))
        : cell.GetProperty("source").GetString() ?? "";
}
