using SamDiffSR.Data;
using SamDiffSR.IO;
using SamDiffSR.Diffusion;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr sample</c>: super-resolve LR images with a trained model.</summary>
public sealed class SampleCommand : ICliCommand
{
    public string Name => "sample";

    public string Summary => "Super-resolve LR images (a file or a folder) with a trained model (DDPM or DDIM).";

    public string Usage => $"""
        samdiffsr sample --checkpoint <run|model folder> --input <image|dir> --out <dir> [--seed 0] [--threads T] [--max-pixels N]
                         [--sampler ddpm|ddim] [--steps k] [--eta 0] [--tile 0] [--overlap 8] [--ema]
        {SamplingCliOptions.Help}  --ema       sample with the EMA of the U-Net weights that a run trained with --ema D kept (ema.pt)
          The inputs are LR images; outputs are <name>.png at x<scale> in --out. No SAM is needed
          (except for SAM+SRDiff models, which segment the bicubic-upsampled input with the embedded segmenter).
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        string ckpt = args.Require("checkpoint"), input = args.Require("input"), outDir = args.Require("out");
        long seed = args.Int("seed", 0);
        int threads = args.Int("threads", 0, min: 0);
        bool ema = args.Flag("ema");
        var sampling = SamplingCliOptions.Parse(args);
        bool cudnnBenchmark = PrecisionCliOptions.CudnnBenchmark(args);
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(input, "--input"), new PathGuard.Input(ckpt, "--checkpoint"));
        var files = File.Exists(input) ? [Path.GetFullPath(input)]
            : Directory.Exists(input) ? Directory.EnumerateFiles(input).Where(ImageIO.IsImagePath).Order(StringComparer.Ordinal).ToList()
            : throw new FileNotFoundException($"input not found: {input} (give an LR image file or a folder of images)");
        if (files.Count == 0) throw new InvalidDataException($"{input}: no PNG/JPEG/BMP images found");
        foreach (var f in files) ImageIO.Check(f);   // every input checked before anything is written
        var stems = files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (stems != null)
            throw new InvalidDataException($"{string.Join(" and ", stems.Select(Path.GetFileName))} would both be written as {stems.Key}.png in --out; rename one of them");
        TorchRuntime.Initialize(threads);
        if (cudnnBenchmark) CudnnSettings.Benchmark = true;
        using var model = SrDiffusionModel.Load(ckpt, line => ctx.Err.WriteLine("[sample] " + line), ema: ema);
        var seg = new FelzenszwalbSegmenter();
        var progress = new ConsoleProgress(ctx);
        Directory.CreateDirectory(outDir);
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                var lr = ImageIO.Load(files[i]);
                SpeMap? mask = null;
                if (model.Options.Method == SrMethod.SamConcat)
                {
                    var up = MatlabResize.Upscale(lr.ToRgb(), model.Scale);
                    var r = seg.Segment(new SegmentationImage(up.Height, up.Width, 3, up.Data));
                    mask = new SpeEncoder().Encode(new LabelMap(r.Height, r.Width, r.Labels));
                }
                var sr = SrInference.SuperResolve(model, lr, sampling, seed + i, mask, progress);
                var dst = Path.Combine(outDir, Path.GetFileNameWithoutExtension(files[i]) + ".png");
                ImageIO.SavePng(lr.Channels == 1 ? SrInference.ChannelMean(sr) : sr, dst);
                ctx.Out.WriteLine($"{Path.GetFileName(files[i])} {lr.Width}x{lr.Height} -> {dst} {sr.Width}x{sr.Height}");
            }
        }
        finally { progress.Finish(); }
        return 0;
    }
}
