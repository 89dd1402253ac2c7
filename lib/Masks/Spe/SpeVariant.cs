using SamDiffSR.Runtime;
namespace SamDiffSR.Masks.Spe;

/// <summary>
/// The position-embedding map x_RoPE of paper §4.2 (eq. 6) and the Table 5 ablations. Each variant defines a base
/// map B ∈ ℝ^{H×W} (see <see cref="PositionBaseMap.Compute"/>); a segment's SPE value is then a mean of B over the
/// segment (<see cref="SegmentValueRule"/>).
/// </summary>
public enum SpeVariant
{
    /// <summary>
    /// The official construction (data_gen/merge_mask_to_one.py <c>merge_all_mask_to_one_RoPE</c>:
    /// <c>RotaryEmbedding(dim=W).rotate_queries_or_keys(ones(1,1,H,W))</c>, docs/paper-vs-code.md §RoPE orientation): rows are sequence
    /// positions p, column pairs select the frequency ω_k = 10000^(−2k/W); with θ = p·ω_k,
    /// B[p, 2k] = cos θ − sin θ and B[p, 2k+1] = cos θ + sin θ. For odd W the last column is left unrotated (= 1),
    /// as rotary-embedding-torch 0.5.3 does. A 1-D rotary code of the row index; values in [−√2, √2].
    /// </summary>
    [OptionName("rope")]
    RoPE,

    /// <summary>
    /// The paper's wording ("the width is considered the length of the sequence and the height is considered the
    /// embedding dimension"): the <see cref="RoPE"/> construction on the transposed image, i.e. columns are positions
    /// and rows select frequency (ω_k = 10000^(−2k/H)); B[2k, j] = cos θ − sin θ, B[2k+1, j] = cos θ + sin θ,
    /// θ = j·ω_k; for odd H the last row is 1.
    /// </summary>
    [OptionName("rope-transposed")]
    RoPETransposed,

    /// <summary>
    /// Table 5 "Cosine" as a working 2-D grid (the official ablation code is broken, docs/paper-vs-code.md §Ablation variants):
    /// B[i, j] = cos(π i / H) · cos(π j / W), values in [−1, 1], monotone along each axis.
    /// </summary>
    [OptionName("cosine")]
    CosineGrid,

    /// <summary>
    /// Table 5 "Linear" ("a linear function whose output ranges from 0 to 1") as a deterministic 2-D ramp in raster
    /// order: B[i, j] = (i·W + j) / (H·W − 1), from 0 at the top-left to 1 at the bottom-right (0 for a 1×1 map).
    /// </summary>
    [OptionName("linear")]
    LinearGrid,

    /// <summary>
    /// Reproduces the official <c>merge_all_mask_to_one</c> ablation (as intended, with boolean masks): the cosine
    /// similarity between an all-ones vector and the flattened mask, i.e. value = √(|M| / (H·W)) for every segment.
    /// B is all ones; <see cref="SegmentValueRule"/> is ignored.
    /// </summary>
    OfficialCosineSimilarity,

    /// <summary>
    /// Reproduces the official <c>merge_all_mask_to_one_sincos</c> ablation base map (square maps only; the official
    /// code does not broadcast otherwise): v_i = 1 / 0.001^(2i/H), B[r, c] = sin(v_c) · cos(sin(v_r)).
    /// (The official <c>merge_all_mask_to_one_linear</c> draws from NumPy's global RNG and is not reproduced.)
    /// </summary>
    OfficialSinCos,
}
