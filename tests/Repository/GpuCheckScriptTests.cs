using System.Diagnostics;
using System.Text.Json;
using SamDiffSR.Tests.Masks;
using Xunit;
using Xunit.Abstractions;

namespace SamDiffSR.Tests.Repository;

/// <summary>
/// environment/gpu-check.sh: its CPU dry run executes every stage with tiny sizes and writes the one JSON file whose
/// schema the GPU run shares (asserted here), and the GPU run's settings are the paper sizes.
/// </summary>
public class GpuCheckScriptTests(ITestOutputHelper log)
{
    private static readonly string[] Stages =
        ["device", "pytorch_check", "verify", "train_step", "reverse_step", "peak_memory", "cudnn_benchmark", "training_run", "notebooks"];

    private static (int Code, string Out) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepoRoot };
        psi.Environment.Remove("SAMDIFFSR_CLI");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(240_000), "gpu-check did not finish in 240 s");
        return (p.ExitCode, stdout + stderr.Result);
    }

    [Fact]
    public void GpuRunSettings_AreThePaperSizes_WithAllThreePrecisions()
    {
        var (code, output) = Run("python3", "environment/gpu-check.py", "--out", "unused", "--settings-only");
        Assert.True(code == 0, output);
        using var doc = JsonDocument.Parse(output);
        var s = doc.RootElement;
        Assert.Equal((16, 160, 512), (s.GetProperty("train_batch").GetInt32(), s.GetProperty("train_patch").GetInt32(), s.GetProperty("sample_size").GetInt32()));
        Assert.Equal("samdiffsrpaperx4", s.GetProperty("preset").GetString());
        Assert.Equal("cuda", s.GetProperty("device").GetString());
        Assert.Equal(["fp32", "bf16", "fp16"], s.GetProperty("precisions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void DryRun_RunsEveryStage_AndWritesTheSchema()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(File.Exists(Path.Combine(TestPaths.RepoRoot, "cli", "bin", "Release", "net10.0", "linux-x64", "samdiffsr.dll")),
            "build the solution in Release first (environment/test.sh does)");
        using var dir = new TempDir();
        var sw = Stopwatch.StartNew();
        var (code, output) = Run("bash", "environment/gpu-check.sh", "dry-run", dir.Path);
        log.WriteLine($"dry run {sw.Elapsed.TotalSeconds:F1} s\n{output}");
        Assert.True(code == 0, output);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "gpu-check.json")));
        var r = doc.RootElement;
        Assert.Equal("samdiffsr-gpu-check/1", r.GetProperty("schema").GetString());
        Assert.Equal("dry-run", r.GetProperty("mode").GetString());
        Assert.Equal(0, r.GetProperty("errors").GetArrayLength());
        foreach (var stage in Stages)
            Assert.Contains(r.GetProperty(stage).GetProperty("status").GetString(), new[] { "ok", "failed", "skipped" });
        // Stages that need neither a GPU nor PyTorch ran for real.
        foreach (var stage in new[] { "device", "verify", "train_step", "reverse_step", "cudnn_benchmark", "training_run" })
            Assert.Equal("ok", r.GetProperty(stage).GetProperty("status").GetString());
        Assert.Equal("9 passed, 0 failed", r.GetProperty("verify").GetProperty("summary").GetString());

        var precisions = r.GetProperty("settings").GetProperty("precisions").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(["fp32", "bf16"], precisions);
        foreach (var key in new[] { "train_step", "reverse_step" })
        {
            var per = r.GetProperty(key).GetProperty("per_precision");
            foreach (var p in precisions)
            {
                var e = per.GetProperty(p);
                Assert.True(e.GetProperty("ours_s").GetDouble() > 0, $"{key} {p}");
                foreach (var field in new[] { "pytorch_s", "ratio_ours_to_pytorch", "wall_s" }) Assert.True(e.TryGetProperty(field, out _), $"{key} {p} {field}");
            }
            Assert.True(per.GetProperty("bf16").TryGetProperty("speedup_vs_fp32_ours", out _));
            Assert.False(r.GetProperty(key).GetProperty("pytorch_transcription_checked").GetBoolean() && r.GetProperty("pytorch_check").GetProperty("status").GetString() != "ok");
            var mem = r.GetProperty("peak_memory").GetProperty("per_stage").GetProperty(key);
            foreach (var p in precisions) Assert.True(mem.GetProperty(p).TryGetProperty("ours", out _) && mem.GetProperty(p).TryGetProperty("pytorch", out _));
        }
        foreach (var p in precisions)
        {
            var t = r.GetProperty("training_run").GetProperty("per_precision").GetProperty(p);
            Assert.True(t.GetProperty("median_step_s").GetDouble() > 0);
            Assert.InRange(t.GetProperty("median_data_wait_s").GetDouble(), 0, t.GetProperty("median_step_s").GetDouble());
            Assert.InRange(t.GetProperty("data_wait_fraction").GetDouble(), 0, 1);
            Assert.True(double.IsFinite(t.GetProperty("last_loss").GetDouble()));
        }
        Assert.True(r.GetProperty("cudnn_benchmark").GetProperty("train_step_ours_s").GetDouble() > 0);
        Assert.True(r.GetProperty("total_seconds").GetDouble() > 0);
    }
}
