using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Metrics;
using SamDiffSR.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Inference;

/// <summary>One evaluated image.</summary>
/// <param name="Name">File name.</param>
/// <param name="Psnr">PSNR (dB) of SR vs the modcropped HR under the report's convention.</param>
/// <param name="Ssim">SSIM under the report's convention.</param>
/// <param name="LrPsnr">LR consistency: RGB PSNR between imresize(SR, 1/s) and the input LR (SRDiff's LR_PSNR).</param>
/// <param name="Seconds">Wall time of the super-resolution.</param>
public sealed record SrImageResult(string Name, double Psnr, double Ssim, double LrPsnr, double Seconds);

/// <summary>Per-image and mean results of <see cref="SrInference.EvaluateFolder"/>.</summary>
public sealed record SrEvaluation(string Set, int Scale, MetricConvention Convention, string Sampler, IReadOnlyList<SrImageResult> Images)
{
    public double MeanPsnr => Images.Average(i => i.Psnr);
    public double MeanSsim => Images.Average(i => i.Ssim);
    public double MeanLrPsnr => Images.Average(i => i.LrPsnr);
    public double TotalSeconds => Images.Sum(i => i.Seconds);
}

/// <summary>
/// Super-resolution of 8-bit images with a trained model, and evaluation against HR images: HR is modcropped to
/// the scale, LR = MATLAB-exact imresize(HR, 1/s), SR is converted to 8-bit as the official <c>tensor2img</c>
/// (round((x+1)·127.5), clipped), metrics as <see cref="QualityMetrics"/>.
/// </summary>
public static class SrInference
{
    /// <summary>Super-resolves one 8-bit LR image (gray is replicated to RGB). Returns the 8-bit SR image.</summary>
    /// <param name="model">Loaded model.</param>
    /// <param name="lr">LR image.</param>
    /// <param name="sampling">Sampler options.</param>
    /// <param name="seed">Seed of x_T and the per-step noise.</param>
    /// <param name="mask">SPE map at HR size; only for SAM+SRDiff models.</param>
    /// <param name="progress">Per-step progress.</param>
    public static ImageU8 SuperResolve(SrDiffusionModel model, ImageU8 lr, SamplingOptions? sampling = null, long seed = 0,
                                       SpeMap? mask = null, IProgress<ProgressInfo>? progress = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rgb = lr.ToRgb();
        var dev = model.Device;
        var tLr = ImageTensors.ToTensor(rgb, TensorRange.MinusOneToOne, device: dev);
        var up = LrUpRecipes.Apply(model.Options.LrUp, rgb, model.Scale);
        var tUp = ImageTensors.ToTensor(up, TensorRange.MinusOneToOne, device: dev);
        Tensor? tMask = mask is null ? null : tensor(mask.ToArray(), [1, 1, mask.Height, mask.Width]).to(dev);
        using var gen = new Generator((ulong)seed);
        var sr = model.SuperResolve(tLr, tUp, sampling, gen, tMask, progress);
        return ImageTensors.ToImage(sr[0].ClampTo(-1, 1), TensorRange.MinusOneToOne);
    }

    /// <summary>
    /// Evaluates a model on a folder of HR images; writes the SR PNGs to <paramref name="outDirectory"/> (if given).
    /// SAM+SRDiff models need <paramref name="maskFor"/> (an SPE map for the LR-up image, from a segmenter).
    /// <paramref name="onImage"/>, when given, receives each image as it is scored — (file name, SR, modcropped HR), the
    /// exact pair behind PSNR/SSIM (SR is gray for gray HR) — so that further metrics need not re-read the PNGs; its
    /// time is not counted in <see cref="SrImageResult.Seconds"/>.
    /// </summary>
    public static SrEvaluation EvaluateFolder(SrDiffusionModel model, string hrDirectory, SamplingOptions? sampling = null,
                                              long seed = 0, string? outDirectory = null, MetricConvention convention = MetricConvention.YDouble,
                                              Func<ImageU8, SpeMap>? maskFor = null, IProgress<ProgressInfo>? progress = null,
                                              bool verifyChecksums = true, int maxImages = int.MaxValue,
                                              Action<string, ImageU8, ImageU8>? onImage = null)
    {
        int s = model.Scale;
        var folder = ImageFolder.Open(hrDirectory, verifyChecksums);
        if (folder.Files.Count == 0) throw new InvalidDataException($"{hrDirectory}: no images found");
        model.Options.RequireMasks(maskFor is not null, atInference: true, "a segmenter, maskFor");
        var results = new List<SrImageResult>();
        int n = Math.Min(maxImages, folder.Files.Count);
        // Every image is checked (intact, within the pixel limit, large enough to measure) before the first is processed.
        var sizes = folder.CheckAll(n);
        for (int i = 0; i < n; i++) QualityMetrics.RequireMeasurable(folder.Files[i], sizes[i].Width, sizes[i].Height, s, convention);
        progress?.Report(new ProgressInfo("eval", 0, n, folder.FileName(0)));
        for (int i = 0; i < n; i++)
        {
            var name = folder.FileName(i);
            var hr = ImageOps.Modcrop(folder.Load(i), s, name);
            if (hr.Height < s || hr.Width < s) throw new InvalidDataException($"{name}: {hr.Width}x{hr.Height} is smaller than the scale {s}");
            var lr = MatlabResize.Downscale(hr, s);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            SpeMap? mask = null;
            if (maskFor != null && model.Options.Method == SrMethod.SamConcat)
                mask = maskFor(MatlabResize.Upscale(lr.ToRgb(), s));
            var sr = SuperResolve(model, lr, sampling, seed + i, mask);
            double secs = clock.Elapsed.TotalSeconds;
            // Gray HR (Set14 bridge.png) is measured as gray (docs/data.md §Pitfalls): the model sees the LR replicated to RGB,
            // and its output is brought back to one channel as the mean of R, G and B.
            var srCmp = hr.Channels == 1 ? ChannelMean(sr) : sr;
            var q = QualityMetrics.Measure(srCmp, hr, s, convention);
            var lrBack = MatlabResize.Downscale(sr, s);
            double lrPsnr = QualityMetrics.Psnr(ImageF64.FromU8(lrBack, 1.0), ImageF64.FromU8(lr.ToRgb(), 1.0), 255.0);
            results.Add(new SrImageResult(name, q.Psnr, q.Ssim, lrPsnr, secs));
            if (outDirectory != null) ImageIO.SavePng(srCmp, Path.Combine(outDirectory, Path.ChangeExtension(name, ".png")));
            onImage?.Invoke(name, srCmp, hr);
            progress?.Report(new ProgressInfo("eval", i + 1, n, $"{name} {q.Psnr:F2} dB"));
        }
        return new SrEvaluation(folder.Name, s, convention, DescribeSampling(model, sampling), results);
    }

    /// <summary>What a model is sampled with under <paramref name="sampling"/>: sampler, network calls, η, clipping (and jump timesteps).</summary>
    public static SamplingRecord SamplingFor(SrDiffusionModel model, SamplingOptions? sampling)
    {
        sampling ??= SamplingOptions.Official;
        return SamplingPolicy.Record(sampling, model.Schedule, model.Options.EffectiveModulation, model.ClipFor(sampling));
    }

    /// <summary>One line for table headers, e.g. "jump, 9 steps 100→99→…→0, eta -, clip off, sigma paper".</summary>
    public static string DescribeSampling(SrDiffusionModel model, SamplingOptions? sampling)
    {
        var r = SamplingFor(model, sampling);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{r.Sampler}, {r.Steps} steps{(r.Timesteps is null ? "" : " " + r.Timesteps)}, eta {(r.Eta is { } e ? e.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "-")}, clip {(r.Clip ? "on" : "off")}{(r.Sigma is null ? "" : ", sigma " + r.Sigma)}");
    }

    /// <summary>One-channel image as the rounded mean of R, G and B (how gray inputs get a gray SR output).</summary>
    public static ImageU8 ChannelMean(ImageU8 rgb)
    {
        var d = new byte[rgb.Height * rgb.Width];
        for (int i = 0; i < d.Length; i++) d[i] = (byte)Math.Round((rgb.Data[3 * i] + rgb.Data[3 * i + 1] + rgb.Data[3 * i + 2]) / 3.0, MidpointRounding.AwayFromZero);
        return new ImageU8(rgb.Height, rgb.Width, 1, d);
    }
}
