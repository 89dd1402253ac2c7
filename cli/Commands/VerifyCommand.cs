using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Runtime;
using SamDiffSR.Verification;
using TorchSharp;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr verify [--device auto|cpu|cuda] [--reference DIR] [--threads N] [--json]</c>: replays the official
/// reference vectors (data/reference) on the chosen device and prints one line per comparison; exit code 1 when one fails.
/// </summary>
public sealed class VerifyCommand : ICliCommand
{
    public string Name => "verify";
    public string Summary => "Check this machine (CPU or GPU) against the official code's reference outputs (networks, training step, 100-step sampling).";
    public string Usage =>
        "samdiffsr verify [--device auto|cpu|cuda] [--reference data/reference] [--threads N] [--json]\n" +
        "  Loads the official Tiny weights and replays the RRDB, three U-Net predictions, one training step with an Adam\n" +
        $"  update and the 100-step DDPM chain; tolerance {ReferenceCheck.CpuTolerance:0e+0} on CPU, {ReferenceCheck.CudaTolerance:0e+0} on CUDA (TF32 off).\n" +
        "  Exit code 0 when every check passes, 1 otherwise.";

    public int Run(CliArgs args, CliContext ctx)
    {
        var deviceName = args.Choice("device", "auto", "auto", "cpu", "cuda");
        var folder = args.Get("reference");
        int threads = args.Int("threads", 0);
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        var chosen = TorchRuntime.Initialize(threads, preferCuda: deviceName != "cpu");
        if (deviceName == "cuda" && chosen.type != DeviceType.CUDA)
            throw new CliUsageException("--device cuda: no CUDA device is available (build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU, see README); use --device cpu");
        ctx.Err.WriteLine($"[verify] {TorchRuntime.Describe()}");
        using var check = new ReferenceCheck(chosen, folder);
        var results = check.RunAll(new ConsoleProgress(ctx));
        int failed = results.Count(r => !r.Passed);
        if (json)
        {
            var o = new JsonObject
            {
                ["device"] = chosen.type.ToString(),
                ["runtime"] = TorchRuntime.Describe(),
                ["reference"] = check.Folder,
                ["passed"] = results.Count - failed,
                ["failed"] = failed,
                ["checks"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
                {
                    ["name"] = r.Name,
                    ["max_abs_difference"] = double.IsFinite(r.MaxAbsDifference) ? r.MaxAbsDifference : null,
                    ["tolerance"] = r.Tolerance,
                    ["passed"] = r.Passed,
                    ["seconds"] = r.Seconds,
                    ["detail"] = r.Detail,
                })]),
            };
            ctx.Out.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            ctx.Out.WriteLine($"official reference on {chosen.type} ({check.Folder}):");
            foreach (var r in results) ctx.Out.WriteLine("  " + r);
            ctx.Out.WriteLine($"{results.Count - failed} passed, {failed} failed");
        }
        return failed == 0 ? 0 : 1;
    }
}
