using System.Globalization;
using SamDiffSR.Masks;
using SamDiffSR.Training.Packs;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr pack</c>: build a training pack (uint8 HR + LR + compact SPE maps) once, for 'train --pack'.</summary>
public sealed class PackCommand : ICliCommand
{
    public string Name => "pack";

    public string Summary => "Pack a training set (HR folder or DIV2K/Flickr2K layout + SPE maps) into one file read by window; resumable.";

    public string Usage => """
        samdiffsr pack --hr <dir> --out <file.srpack> [--masks <dir of .npy>] [--scale 4] [--ready-lr] [--lr <dir>]
                       [--force] [--no-verify] [--check]
          --hr     a folder of HR images, DIV2K_train_HR, Flickr2K_HR, or a folder holding DIV2K_train_HR and/or
                   Flickr2K_HR (DF2K: DIV2K first). Inputs are only read.
          --masks  SPE maps (stem.npy, from 'samdiffsr masks generate'), stored losslessly as a palette + 1-2 bytes/pixel
          --ready-lr  use the ready-made LR folder found beside X_HR (X_LR_bicubic/X<scale>, files stem + x<scale>.png)
                   instead of computing LR = MATLAB-exact imresize(HR, 1/scale) as the official packer does; each
                   file is compared with the computed LR and the count of identical images is logged. --lr <dir>
                   names the folder (implies --ready-lr).
          --check  verify every record's SHA-256 of an existing pack and print its summary.
          An interrupted build resumes where it stopped; the file appears only when complete. 'train --hr' builds
          and reuses a pack by itself (in <run>/data-pack/); use this command to build one ahead, then 'train --pack'.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string outPath = args.Require("out");
        bool check = args.Flag("check");
        string? hr = check ? args.Get("hr") : args.Require("hr");
        string? masks = args.Get("masks"), lr = args.Get("lr");
        int scale = args.Int("scale", 4);
        bool force = args.Flag("force"), noVerify = args.Flag("no-verify"), readyLr = args.Flag("ready-lr") || lr is not null;
        args.EnsureAllUsed();
        if (scale is < 1 or > 8) throw new CliUsageException($"--scale must be 1..8, got {scale}");
        var progress = new ConsoleProgress(ctx);
        try
        {
            if (check)
            {
                using var p = TrainingPack.Open(outPath, verify: true, progress: progress);
                progress.Finish();
                PrintSummary(ctx, p, true);
                return 0;
            }
            var inputs = HrDatasetLayout.Resolve(hr!, scale, lr);
            foreach (var i in inputs)
                ctx.Err.WriteLine($"[pack] HR {i.HrDirectory}" + (i.LrDirectory is null ? ", LR = MATLAB-exact imresize"
                    : readyLr ? $", ready-made LR {i.LrDirectory}" : $", LR = MATLAB-exact imresize (ready-made {i.LrDirectory} not used; --ready-lr uses it)"));
            var store = masks is null ? null
                : new MaskStore(masks, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage), line => ctx.Err.WriteLine(line));
            var r = TrainingPackBuilder.Build(inputs, outPath, new TrainingPackOptions(scale, store, readyLr, !noVerify, force),
                                              line => ctx.Err.WriteLine("[pack] " + line), progress);
            progress.Finish();
            using var pack = TrainingPack.Open(r.Path, verify: !noVerify, progress: progress);
            progress.Finish();
            PrintSummary(ctx, pack, !noVerify);
        }
        finally { progress.Finish(); }
        return 0;
    }

    private static void PrintSummary(CliContext ctx, TrainingPack p, bool verified)
    {
        long px = p.HrPixels;
        int withMasks = Enumerable.Range(0, p.Count).Count(p.HasMask);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{p.Path}: {p.Count} images x{p.Scale}, {px / 1e6:F1} M HR pixels, {withMasks} with SPE maps, {p.FileLength / 1e6:F1} MB ({(double)p.FileLength / px:F2} bytes per HR pixel)") + (verified ? ", checksums OK" : ", checksums not checked"));
    }
}
