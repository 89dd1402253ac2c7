namespace SamDiffSR.Metrics;

/// <summary>PSNR (dB; +∞ for identical images under the exact conventions) and SSIM (1 for identical images).</summary>
public readonly record struct QualityScore(double Psnr, double Ssim);
