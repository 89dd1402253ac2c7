namespace SamDiffSR.Metrics;

/// <summary>PSNR/SSIM of one image of a set.</summary>
/// <param name="Name">File name.</param>
/// <param name="Psnr">PSNR in dB.</param>
/// <param name="Ssim">SSIM.</param>
public sealed record ImageScore(string Name, double Psnr, double Ssim);
