namespace SamDiffSR.Masks.Spe;

/// <summary>
/// How a list of SAM masks becomes the structural position encoding E_SAM (paper eq. 6).
/// Uncovered pixels are always 0.
/// </summary>
/// <param name="Variant">Base map (x_RoPE); default the official RoPE construction.</param>
/// <param name="ValueRule">Per-segment value; default the paper's segment mean.</param>
/// <param name="Overlap">Which mask owns overlapping pixels; default later masks overwrite (official).</param>
public sealed record SpeOptions(
    SpeVariant Variant = SpeVariant.RoPE,
    SegmentValueRule ValueRule = SegmentValueRule.SegmentMean,
    OverlapRule Overlap = OverlapRule.LaterOverwrites)
{
    /// <summary>The paper's SPE: RoPE base, mean over each segment, later masks overwrite.</summary>
    public static SpeOptions Paper { get; } = new();

    /// <summary>
    /// What the official code computes (reproduces data/reference/spe_cases.json <c>rope_output</c>): RoPE base,
    /// segment sum divided by H·W, later masks overwrite.
    /// </summary>
    public static SpeOptions Official { get; } = new(SpeVariant.RoPE, SegmentValueRule.WholeImageDivisor, OverlapRule.LaterOverwrites);
}
