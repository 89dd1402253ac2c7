using SamDiffSR.Runtime;
namespace SamDiffSR.Masks.Spe;

/// <summary>
/// Optional rules applied to a cropped training patch of the SPE map (Table 6 and the dataset flags of
/// tasks/srdiff_df2k_sam.py <c>sam_data_config</c>, docs/paper-vs-code.md §Reduce rule). Several may be combined; they run in the
/// official order AllSameToZero → ZScore → ZScoreMinus1, each testing the patch as left by the previous one.
/// </summary>
[Flags]
public enum SpeReduce
{
    /// <summary>No rule (the shipped official config: all flags false).</summary>
    [OptionName("none")]
    None = 0,

    /// <summary>
    /// Table 6 "Reduce": a patch with a single unique value (one segment, a non-informative mask) becomes all zeros
    /// (official flag <c>all_same_mask_to_zero</c>). The paper's best setting.
    /// </summary>
    [OptionName("zero")]
    AllSameToZero = 1,

    /// <summary>
    /// Official flag <c>normalize_01</c> (a z-score despite its name): if the patch has more than one unique value,
    /// E ← (E − mean) / std with the population std (NumPy's default ddof = 0); if std = 0, E ← E − mean.
    /// </summary>
    [OptionName("zscore")]
    ZScore = 2,

    /// <summary>Official flag <c>normalize_11</c>: as <see cref="ZScore"/>, then minus 1.</summary>
    ZScoreMinus1 = 4,
}
