using SamDiffSR.Runtime;
namespace SamDiffSR.Masks;

/// <summary>
/// Which mask owns a pixel covered by several SAM masks (SAM masks may overlap; docs/paper-vs-code.md §Overlapping masks).
/// </summary>
public enum OverlapRule
{
    /// <summary>
    /// Masks are painted in list order and later masks overwrite earlier ones. This is what the official
    /// <c>merge_all_mask_to_one_RoPE</c> does (<c>torch.where(mask, value, merged)</c> per mask in JSON order);
    /// since SAM sorts by predicted IoU, the lowest-scored mask wins overlaps.
    /// </summary>
    [OptionName("later")]
    LaterOverwrites,

    /// <summary>
    /// The mask with the higher <see cref="MaskRecord.PredictedIou"/> wins; ties go to the later mask
    /// (a stable sort by ascending score, then painting as <see cref="LaterOverwrites"/>).
    /// </summary>
    [OptionName("score")]
    HigherScoreWins,
}
