using SamDiffSR.Runtime;
namespace SamDiffSR.Masks.Spe;

/// <summary>How the value assigned to a segment M_i is computed from the base map B (paper eq. 6).</summary>
public enum SegmentValueRule
{
    /// <summary>
    /// mean(B over the pixels of M_i) = Σ_{p∈M_i} B(p) / |M_i|: the paper's eq. (6) ("assign the average value of
    /// x_RoPE,i to the i-th segmentation area") and the maintainers' description (SAM-DiffSR issue #2). Default.
    /// </summary>
    [OptionName("segment")]
    SegmentMean,

    /// <summary>
    /// Σ_{p∈M_i} B(p) / (H·W): what the official code computes (<c>(mask_embed_ori * mask).mean()</c> over all
    /// pixels; docs/paper-vs-code.md §SPE value rule). Use it to reproduce the released checkpoint's training masks.
    /// </summary>
    [OptionName("image")]
    WholeImageDivisor,
}
