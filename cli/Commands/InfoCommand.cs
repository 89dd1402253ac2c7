using SamDiffSR.Runtime;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr info</c>: backend, device and thread count (a quick native-load check).</summary>
public sealed class InfoCommand : ICliCommand
{
    public string Name => "info";
    public string Summary => "Print the Torch backend, device and thread count (checks that the natives load).";
    public string Usage => "samdiffsr info [--threads N]";

    public int Run(CliArgs args, CliContext ctx)
    {
        int threads = args.Int("threads", 0);
        args.EnsureAllUsed();
        TorchRuntime.Initialize(threads);
        ctx.Out.WriteLine(TorchRuntime.Describe());
        return 0;
    }
}
