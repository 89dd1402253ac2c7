namespace SamDiffSR.Data;

/// <summary>
/// SRDiff / SAM-DiffSR input conventions kept for replication (docs/official-code.md §Residual mode and LR-up and §Data pipeline).
/// </summary>
public static class SrdiffPreprocess
{
    /// <summary>
    /// The bicubic "LR-up" that the residual x₀ = 2(HR − LR_up) is taken against: the official code upsamples
    /// <c>img_lr / 256</c> (not /255, a quirk inherited from SRDiff) as float64 with its Python port of MATLAB's imresize
    /// (mirrored borders, <see cref="ImresizeOptions.SrdiffPort"/>), unclipped. Values are on the [0, 1) scale;
    /// the network sees 2v − 1 (<c>ImageTensors.ToTensor(ImageF64, ...)</c> with
    /// <see cref="TensorRange.MinusOneToOne"/>).
    /// </summary>
    /// <param name="lr">LR image (uint8, gray or RGB).</param>
    /// <param name="scale">SR factor (4 in the paper).</param>
    /// <param name="options">Resize variant; default the official port. Pass <see cref="ImresizeOptions.Matlab"/> for MATLAB's borders.</param>
    public static ImageF64 LrUp(ImageU8 lr, int scale, ImresizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lr);
        if (scale < 1) throw new ArgumentException($"scale must be >= 1, got {scale}");
        return MatlabResize.Imresize(ImageF64.FromU8(lr, 256.0), scale, options ?? ImresizeOptions.SrdiffPort);
    }
}
