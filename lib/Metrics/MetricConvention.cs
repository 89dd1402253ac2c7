using SamDiffSR.Runtime;
namespace SamDiffSR.Metrics;

/// <summary>
/// Which PSNR/SSIM protocol to apply. The literature's numbers differ by up to ~0.1 dB between these, so every table
/// names its convention (docs/data.md §PSNR and SSIM protocol, docs/official-code.md §Benchmark metrics).
/// </summary>
public enum MetricConvention
{
    /// <summary>
    /// Default; RCAN/EDSR-era tables (<c>Evaluate_PSNR_SSIM.m</c>): Y = <c>rgb2ycbcr(im2double(I))</c>·255 in double
    /// (gray: the value), <c>scale</c> pixels shaved from every border, PSNR with peak 255, SSIM = Wang's
    /// <c>ssim_index</c> (Gaussian 11×11, σ = 1.5, K = (0.01, 0.03), L = 255, 'valid').
    /// </summary>
    [OptionName("double")]
    YDouble,

    /// <summary>
    /// SelfExSR (<c>compute_difference.m</c>): as <see cref="YDouble"/> but Y from <c>rgb2ycbcr</c> on uint8, so rounded
    /// to integers. Reproduces the SelfExSR README values exactly (docs/data.md §SelfExSR values, §Reproduced values).
    /// </summary>
    [OptionName("uint8")]
    YUint8,

    /// <summary>
    /// SRDiff/SAM-DiffSR in-training <c>Measure</c> (docs/official-code.md §In-training metrics): skimage <c>peak_signal_noise_ratio</c> on the RGB
    /// uint8 images (data range 255) and <c>structural_similarity</c> with skimage defaults (7×7 uniform window, sample
    /// covariance N/(N−1), K = (0.01, 0.03), mean over the interior that the window fully covers, averaged over
    /// channels). Whole image, no shave.
    /// </summary>
    [OptionName("rgb")]
    Rgb,

    /// <summary>
    /// The SAM-DiffSR README's pyiqa metrics (docs/official-code.md §Benchmark metrics): 'psnr-Y' on unrounded Y in [0, 1] with
    /// PSNR = 10·log10(1 / (MSE + 1e-8)); 'ssim' on Y·255 rounded (half to even, torch.round), Gaussian 11×11 σ 1.5,
    /// 'valid', contrast-structure term clamped at ≥ 0. No border shave.
    /// </summary>
    [OptionName("pyiqa")]
    Pyiqa,
}
