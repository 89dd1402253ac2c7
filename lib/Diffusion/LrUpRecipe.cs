using System.Text.Json.Serialization;

namespace SamDiffSR.Diffusion;

/// <summary>How LR-up (the bicubic upsampling the residual is taken against) is computed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrUpRecipe>))]
public enum LrUpRecipe
{
    /// <summary>
    /// As SRDiff/SAM-DiffSR: imresize(LR/256, s) with their Python port (mirrored borders), float64, unclipped
    /// (docs/official-code.md §Residual mode and LR-up). Required to use the authors' released weights.
    /// </summary>
    Official,
    /// <summary>MATLAB-exact imresize(LR/255, s) in float64 (clamped borders, no /256 darkening).</summary>
    MatlabExact,
}
