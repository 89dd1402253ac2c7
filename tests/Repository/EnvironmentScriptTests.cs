using System.Diagnostics;
using System.Text.Json;
using SamDiffSR.Tests.Masks;
using Xunit;

namespace SamDiffSR.Tests.Repository;

/// <summary>
/// The test scripts run the Tiny profile whatever the environment says (the GPU dev container sets Paper), checked by
/// running environment/test.sh with SAMDIFFSR_PROFILE=Paper and a stand-in `dotnet` that records the profile each call
/// sees; and the GPU dev container's words agree with what it does.
/// </summary>
public class EnvironmentScriptTests
{
    private static string Root => TestPaths.RepoRoot;

    [Fact]
    public void TestSh_AndRunNotebooks_ForceTheTinyProfile_EvenWhenTheEnvironmentSaysPaper()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var dir = new TempDir();
        string bin = dir.Sub("bin"), log = dir.Sub("calls.log"), results = dir.Sub("results");
        Directory.CreateDirectory(bin);
        string fake = Path.Combine(bin, "dotnet");
        File.WriteAllText(fake, """
            #!/bin/bash
            echo "${SAMDIFFSR_PROFILE:-unset} $1" >> "$FAKE_DOTNET_LOG"
            [ "$1" = test ] && echo "Passed!  - Failed:     0, Passed:     1, Skipped:     0, Total:     1"
            exit 0
            """.Replace("\r", ""));
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var psi = new ProcessStartInfo("bash", [Path.Combine(Root, "environment", "test.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path,
        };
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["SAMDIFFSR_PROFILE"] = "Paper";
        psi.Environment["FAKE_DOTNET_LOG"] = log;
        psi.Environment["SAMDIFFSR_TEST_RESULTS"] = results;      // never the real out/test-results of an outer run
        psi.Environment["SAMDIFFSR_NOTEBOOKS"] = "no-such-notebook"; // the notebook loop runs, executes nothing
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "test.sh did not finish");
        Assert.True(p.ExitCode == 0, stdout + stderr);
        var calls = File.ReadAllLines(log);
        Assert.Contains("Tiny test", calls);      // the xunit run (test.sh)
        Assert.Equal(2, calls.Count(c => c == "Tiny tool"));   // test.sh restores the tools; run-notebooks.sh runs the pinned dotnet-repl
        Assert.All(calls, c => Assert.StartsWith("Tiny ", c));
        Assert.Contains("1 passed, 0 failed, 0 skipped", stdout);
    }

    [Fact]
    public void GpuDevContainer_SaysWhatItNeeds_AndTheCpuOneIsTheFallback()
    {
        string path = Path.Combine(Root, ".devcontainer", "gpu", "devcontainer.json");
        string text = File.ReadAllText(path);
        using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var runArgs = doc.RootElement.GetProperty("runArgs").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("--gpus=all", runArgs);
        // --gpus=all fails without the NVIDIA Container Toolkit, so the comment must say so and name the CPU container.
        Assert.Contains("NVIDIA Container Toolkit", text);
        Assert.Contains(".devcontainer/cpu", text);
        Assert.Contains("525.60.13", text);
        Assert.DoesNotContain("still opens", text);
        Assert.True(doc.RootElement.GetProperty("hostRequirements").GetProperty("gpu").GetBoolean());
        Assert.Equal("cuda", doc.RootElement.GetProperty("containerEnv").GetProperty("TorchBackend").GetString());
        using var cpu = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, ".devcontainer", "cpu", "devcontainer.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        Assert.False(cpu.RootElement.TryGetProperty("runArgs", out _));
    }
}
