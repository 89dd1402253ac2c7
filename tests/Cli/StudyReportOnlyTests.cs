using SamDiffSR.Tests.Masks;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary><c>study --report-only</c>: rewrites the report from an existing results.json, computes nothing.</summary>
public class StudyReportOnlyTests
{
    [Fact]
    public void ReportOnly_RewritesTheReportFromResultsJson_AndLeavesTheResultsAlone()
    {
        using var dir = new TempDir();
        var outDir = dir.Sub("study");
        Directory.CreateDirectory(outDir);
        var results = Path.Combine(outDir, "results.json");
        File.Copy(Path.Combine(TestPaths.RepoRoot, "docs", "results", "smoke", "results.json"), results);
        File.WriteAllText(Path.Combine(outDir, "run-info.json"), """{ "profile": "smoke", "git_commit": "abc1234" }""");
        var before = File.ReadAllBytes(results);

        var (code, stdout, stderr) = CliRunner.Run("study", "--report-only", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("report rewritten", stdout);
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("# SAM-DiffSR replication study", md);
        Assert.Contains("git commit abc1234", md);            // the commit that made the numbers
        Assert.Equal(before, File.ReadAllBytes(results));      // results untouched
        Assert.False(Directory.Exists(Path.Combine(outDir, "runs")));   // nothing trained

        var missing = CliRunner.Run("study", "--report-only", "--out", dir.Sub("empty"));
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("--report-only", missing.Err);
        Assert.DoesNotContain("   at ", missing.Err);
    }
}
