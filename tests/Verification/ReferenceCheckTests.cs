using System.Text.Json.Nodes;
using SamDiffSR.Cli;
using SamDiffSR.Runtime;
using SamDiffSR.Verification;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Verification;

/// <summary>
/// <see cref="ReferenceCheck"/> (what <c>samdiffsr verify</c> runs): every official reference comparison passes on the
/// CPU, a corrupted reference value makes exactly its check fail, and missing files are named.
/// </summary>
public class ReferenceCheckTests(ITestOutputHelper log)
{
    [Fact]
    public void AllChecksPass_OnCpu_WithinTheCpuTolerance()
    {
        TorchRuntime.Initialize(threads: 1);
        using var check = new ReferenceCheck(CPU, TestPaths.Reference(""));
        var results = check.RunAll();
        foreach (var r in results) log.WriteLine(r.ToString());
        Assert.Equal(ReferenceCheck.CpuTolerance, check.Tolerance);
        // rrdb output + features, 3 U-Net cases, loss + prediction + Adam weights, sampling
        Assert.Equal(9, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
        // Ours reach about 5e-7 against the official float32 numbers; the tolerance is not what makes them pass.
        Assert.All(results, r => Assert.True(r.MaxAbsDifference < 2e-6, r.ToString()));
    }

    [Fact]
    public void CorruptedReferenceValue_FailsExactlyItsCheck()
    {
        TorchRuntime.Initialize(threads: 1);
        var dir = CopyReference();
        try
        {
            var io = Path.Combine(dir, "tiny_denoiser_io.json");
            var root = JsonNode.Parse(File.ReadAllText(io))!;
            var arr = root["outputs"]!["denoise_fn"]![1]!["noise_pred"]!.AsArray();
            arr[5] = arr[5]!.GetValue<double>() + 0.01;
            File.WriteAllText(io, root.ToJsonString());
            using var check = new ReferenceCheck(CPU, dir);
            var results = check.RunAll();
            var failed = results.Where(r => !r.Passed).ToList();
            var only = Assert.Single(failed);
            Assert.StartsWith("unet noise_pred t=", only.Name);
            Assert.InRange(only.MaxAbsDifference, 0.009, 0.011);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MissingFile_IsNamed()
    {
        var dir = CopyReference();
        try
        {
            File.Delete(Path.Combine(dir, "tiny_sampling_noise.pt"));
            var e = Assert.Throws<FileNotFoundException>(() => new ReferenceCheck(CPU, dir));
            Assert.Contains("tiny_sampling_noise.pt", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MaxAbsDiff_PropagatesNaN_AndChecksLengths()
    {
        using var a = tensor(new[] { 1f, float.NaN });
        Assert.True(double.IsNaN(ReferenceCheck.MaxAbsDiff(a, [1f, 2f])));
        Assert.False(new ReferenceCheckResult("x", double.NaN, 1, 0).Passed);
        Assert.Throws<InvalidDataException>(() => ReferenceCheck.MaxAbsDiff(a, [1f]));
    }

    [Fact]
    public void VerifyCommand_PrintsTheTally_AndExitsZero()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(["verify", "--device", "cpu", "--threads", "1", "--reference", TestPaths.Reference("")], o, e, interactive: false);
        Assert.True(code == 0, o + "\n" + e);
        Assert.Contains("9 passed, 0 failed", o.ToString());
        Assert.Equal(2, CliApp.Run(["verify", "--device", "tpu"], new StringWriter(), new StringWriter(), interactive: false));
    }

    private static string CopyReference()
    {
        var dir = Path.Combine(Path.GetTempPath(), "samdiffsr-ref-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var f in new[] { "tiny_denoiser.pt", "tiny_denoiser_io.json", "tiny_denoiser_after_adam_step.pt", "tiny_sampling_noise.pt" })
            File.Copy(TestPaths.Reference(f), Path.Combine(dir, f));
        return dir;
    }
}
