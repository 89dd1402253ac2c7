using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr masks encode</c>: SAM amg.py JSON (one per image) → SPE maps (one float32 .npy per image),
/// the job of the official data_gen/merge_mask_to_one.py (paper §4.2, eq. 6).
/// </summary>
public sealed class MasksEncodeCommand : ICliCommand
{
    public string Name => "masks encode";

    public string Summary => "Encode SAM amg.py JSON masks into SPE maps (.npy per image, eq. 6).";

    public string Usage => $"""
        samdiffsr masks encode --amg <dir of SAM json> --out <dir> [--recipe paper|released]
                               [--variant rope|rope-transposed|cosine|linear] [--mean segment|image]
                               [--overlap later|score] [--force]
        {SpeCliOptions.Help}
          --force     rewrite existing .npy files (default: skip them, so an interrupted run resumes;
                      use --force after changing --recipe/--variant/--mean/--overlap)
        Official-code replication: --recipe released. Images without masks get no .npy.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string amg = args.Require("amg");
        string outDir = args.Require("out");
        var options = SpeCliOptions.Parse(args);
        bool force = args.Flag("force");
        args.EnsureAllUsed();
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(amg, "--amg"));

        var progress = new ConsoleProgress(ctx);
        SpeFolderResult result;
        try
        {
            result = SpeFolderEncoder.EncodeFolder(amg, outDir, options, force, progress, line => ctx.Err.WriteLine(line));
        }
        finally
        {
            progress.Finish();
        }
        ctx.Out.WriteLine($"wrote {result.Written}, skipped {result.Skipped} existing, {result.Empty} without masks -> {outDir} " +
                          $"(variant {options.Variant}, value {options.ValueRule}, overlap {options.Overlap})");
        return 0;
    }
}
