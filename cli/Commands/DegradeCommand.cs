using SamDiffSR.Data;
using SamDiffSR.IO;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr degrade --hr DIR --scale S --out DIR</c>: writes the MATLAB-exact bicubic LR of every HR image
/// (HR modcropped to S, LR = imresize(HR, 1/S, 'bicubic') on uint8; docs/data.md §Bicubic degradation) as PNG, same file stem.
/// </summary>
public sealed class DegradeCommand : ICliCommand
{
    public string Name => "degrade";
    public string Summary => "Write MATLAB-exact bicubic LR PNGs (modcrop + imresize 1/s) for a folder of HR images.";
    public string Usage => "samdiffsr degrade --hr <dir> --scale <2|3|4> --out <dir> [--max-pixels N]";

    public int Run(CliArgs args, CliContext ctx)
    {
        var hr = args.Require("hr");
        var outDir = args.Require("out");
        int scale = ScaleOption.Parse(args);
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();

        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(hr, "--hr"));
        var folder = ImageFolder.Open(hr);
        folder.CheckAll();   // every input checked before the first output is written
        var clash = folder.Files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash != null)
            throw new InvalidDataException($"{string.Join(" and ", clash.Select(Path.GetFileName))} would both be written as {clash.Key}.png in --out; rename one of them");
        var progress = new ConsoleProgress(ctx);
        try
        {
            for (int i = 0; i < folder.Count; i++)
            {
                var name = folder.FileName(i);
                var gt = ImageOps.Modcrop(folder.Load(i), scale, folder.Files[i]);
                var lr = MatlabResize.Downscale(gt, scale);
                ImageIO.SavePng(lr, Path.Combine(outDir, Path.GetFileNameWithoutExtension(name) + ".png"));
                progress.Report(new Runtime.ProgressInfo("degrade", i + 1, folder.Count, name));
            }
        }
        finally { progress.Finish(); }
        ctx.Out.WriteLine($"wrote {folder.Count} LR images (x{scale}, MATLAB bicubic) to {Path.GetFullPath(outDir)}");
        return 0;
    }
}

/// <summary>Parses and checks <c>--scale</c> for the data commands.</summary>
internal static class ScaleOption
{
    public static int Parse(CliArgs args)
    {
        if (!args.Has("scale")) throw new CliUsageException("missing required option --scale");
        int s = args.Int("scale", 4);
        if (s is < 2 or > 8) throw new CliUsageException($"--scale must be an integer SR factor 2..8 (usually 2, 3 or 4), got {s}");
        return s;
    }
}
