namespace SamDiffSR.Metrics;

/// <summary>Per-image scores of a set and their means (the literature averages per image, then over the set).</summary>
/// <param name="Set">Set name (the folder name, e.g. "Set5").</param>
/// <param name="Scale">SR factor.</param>
/// <param name="Convention">Metric protocol.</param>
/// <param name="Images">Scores in file order.</param>
public sealed record SetEvaluation(string Set, int Scale, MetricConvention Convention, IReadOnlyList<ImageScore> Images)
{
    /// <summary>Mean PSNR over images (dB).</summary>
    public double MeanPsnr => Images.Count == 0 ? double.NaN : Images.Average(i => i.Psnr);

    /// <summary>Mean SSIM over images.</summary>
    public double MeanSsim => Images.Count == 0 ? double.NaN : Images.Average(i => i.Ssim);
}
