using SamDiffSR.Data;
using SamDiffSR.IO;
using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr masks generate</c>: segment a folder of images and write amg JSON + SPE maps per image.</summary>
public sealed class MasksGenerateCommand : ICliCommand
{
    public string Name => "masks generate";

    public string Summary => "Segment images (embedded Felzenszwalb or SAM via ONNX) and write amg JSON + SPE .npy per image.";

    public string Usage => $"""
        samdiffsr masks generate --images <dir> --out <dir> [--segmenter felzenszwalb|sam] [--model <sam json>]
                                 [--from hr|lr] [--scale 4] [--encode rope|rope-transposed|cosine|linear|none]
                                 [--recipe paper|released] [--mean segment|image] [--overlap later|score] [--max-pixels N]
                                 [--fz-scale 300] [--fz-sigma 0.8] [--fz-min-size 50] [--workers N] [--force] [--no-verify]
          --segmenter felzenszwalb (embedded, default, no weights) or sam (needs --model, see README "Real SAM")
          --from      hr: segment the HR image (default); lr: segment the MATLAB-bicubic x{"{scale}"} upsampled LR (Table 4 "Low")
          --encode    SPE base map of the .npy maps (default: the recipe's, paper = rope-transposed); none writes only the JSON
          --workers   images segmented in parallel, one segmenter each (default: all cores for felzenszwalb, 1 for
                      sam, whose every worker loads its own model); outputs are identical to a serial run
        {SpeCliOptions.Help}  Resumable: images whose outputs exist are skipped (use --force after changing options).
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string images = args.Require("images"), outDir = args.Require("out");
        var segName = args.Choice("segmenter", "felzenszwalb", "felzenszwalb", "sam");
        string? model = args.Get("model");
        var from = args.Enum("from", MaskFrom.Hr);
        int scale = args.Int("scale", 4);
        bool noEncode = args.Get("encode") == "none";   // "none" = masks only; otherwise a SPE variant
        var spe = SpeCliOptions.Parse(args, noEncode ? SpeVariant.RoPE : args.Has("encode") ? args.Enum("encode", SpeVariant.RoPE) : null);
        var fz = new FelzenszwalbOptions(args.Double("fz-scale", FelzenszwalbOptions.Default.Scale),
                                         args.Double("fz-sigma", FelzenszwalbOptions.Default.Sigma),
                                         args.Int("fz-min-size", FelzenszwalbOptions.Default.MinSize));
        bool force = args.Flag("force"), noVerify = args.Flag("no-verify");
        int workers = args.Int("workers", segName == "sam" ? 1 : Environment.ProcessorCount);
        args.NotWith("model", segName != "sam", "applies only to --segmenter sam (the embedded segmenter needs no model)");
        foreach (var fzOption in new[] { "fz-scale", "fz-sigma", "fz-min-size" })
            args.NotWith(fzOption, segName == "sam", "applies only to the embedded segmenter (--segmenter felzenszwalb)");
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();
        if (workers < 1) throw new CliUsageException($"--workers must be >= 1, got {workers}");
        if (scale is < 2 or > 8) throw new CliUsageException($"--scale must be 2..8, got {scale}");
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(images, "--images"), new PathGuard.Input(model ?? "", "--model"));
        ImageFolder.Open(images, !noVerify).CheckAll();   // every input checked before anything is written

        if (segName == "sam" && model is null) throw new CliUsageException("--segmenter sam needs --model <sam model json>");
        Func<IMaskRecordSource> factory = segName == "sam"
            ? () => SamSource.Create(model!, ctx)
            : () => new SegmenterRecordSource(new FelzenszwalbSegmenter(fz));
        IMaskRecordSource source = factory();
        int made = 0;
        IMaskRecordSource Next() => Interlocked.Increment(ref made) == 1 ? source : factory();
        var progress = new ConsoleProgress(ctx);
        MaskGenerationResult r;
        try
        {
            r = MaskGeneration.GenerateFolder(images, outDir, Next, workers,
                new MaskGenerationOptions(from, scale, noEncode ? null : spe, force), progress,
                line => ctx.Err.WriteLine(line), verifyChecksums: !noVerify);
        }
        finally { progress.Finish(); }
        ctx.Out.WriteLine($"{source.Name}, from {from}: {r.Generated} images segmented ({r.MeanMasksPerImage:F1} masks each), " +
                          $"{r.Skipped} already done, {r.Seconds:F1} s -> {outDir}");
        return 0;
    }
}
