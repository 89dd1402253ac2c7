using SamDiffSR.Data;
using SamDiffSR.Runtime;

namespace SamDiffSR.Metrics;

/// <summary>
/// The bicubic baseline of every SR table: HR = modcrop(HR, s), LR = imresize(HR, 1/s), SR = imresize(LR, s), all with
/// MATLAB-exact bicubic on uint8 (docs/data.md §Bicubic degradation), then PSNR/SSIM under a <see cref="MetricConvention"/>.
/// </summary>
public static class BicubicBaseline
{
    /// <summary>Scores the bicubic re-upscale of one HR image.</summary>
    /// <param name="hr">HR image (any size ≥ scale; it is modcropped).</param>
    /// <param name="scale">SR factor s.</param>
    /// <param name="convention">Metric protocol.</param>
    /// <param name="name">File name for error messages.</param>
    public static QualityScore EvaluateImage(ImageU8 hr, int scale, MetricConvention convention = MetricConvention.YDouble, string? name = null) =>
        EvaluateImage(hr, scale, convention, name, out _, out _);

    /// <summary>Scores the bicubic re-upscale of one HR image and returns the pair that was scored.</summary>
    /// <param name="hr">HR image (any size ≥ scale; it is modcropped).</param>
    /// <param name="scale">SR factor s.</param>
    /// <param name="convention">Metric protocol.</param>
    /// <param name="name">File name for error messages.</param>
    /// <param name="groundTruth">modcrop(HR, s).</param>
    /// <param name="superResolved">imresize(imresize(GT, 1/s), s), same shape as <paramref name="groundTruth"/>.</param>
    public static QualityScore EvaluateImage(ImageU8 hr, int scale, MetricConvention convention, string? name,
                                             out ImageU8 groundTruth, out ImageU8 superResolved)
    {
        ArgumentNullException.ThrowIfNull(hr);
        if (scale < 1) throw new ArgumentException($"scale must be >= 1, got {scale}");
        var gt = ImageOps.Modcrop(hr, scale, name);
        var lr = MatlabResize.Downscale(gt, scale);
        var sr = MatlabResize.Upscale(lr, scale);
        groundTruth = gt;
        superResolved = sr;
        try
        {
            return QualityMetrics.Measure(sr, gt, scale, convention);
        }
        catch (ArgumentException ex) when (name is not null)
        {
            throw new ArgumentException($"'{name}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Scores every image of a folder (see <see cref="ImageFolder"/>) and averages. <paramref name="onImage"/>, when
    /// given, receives each scored pair — (file name, bicubic SR, modcropped GT) — for further metrics.
    /// </summary>
    public static SetEvaluation EvaluateFolder(ImageFolder folder, int scale, MetricConvention convention = MetricConvention.YDouble,
                                               IProgress<ProgressInfo>? progress = null, Action<string, ImageU8, ImageU8>? onImage = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var scores = new List<ImageScore>(folder.Count);
        for (int i = 0; i < folder.Count; i++)
        {
            var name = folder.FileName(i);
            var q = EvaluateImage(folder.Load(i), scale, convention, folder.Files[i], out var gt, out var sr);
            scores.Add(new ImageScore(name, q.Psnr, q.Ssim));
            onImage?.Invoke(name, sr, gt);
            progress?.Report(new ProgressInfo("bicubic", i + 1, folder.Count, name));
        }
        return new SetEvaluation(folder.Name, scale, convention, scores);
    }
}
