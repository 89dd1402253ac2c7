using SamDiffSR.Runtime;
using System.Text.Json.Serialization;

namespace SamDiffSR.Data;

/// <summary>How LR-up (the bicubic upsampling the residual is taken against) is computed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrUpRecipe>))]
public enum LrUpRecipe
{
    /// <summary>
    /// As SRDiff/SAM-DiffSR: imresize(LR/256, s) with their Python port (mirrored borders), float64, unclipped
    /// (docs/official-code.md §Residual mode and LR-up). Required to use the authors' released weights.
    /// </summary>
    [OptionName("official")]
    Official,
    /// <summary>MATLAB-exact imresize(LR/255, s) in float64 (clamped borders, no /256 darkening).</summary>
    [OptionName("exact")]
    MatlabExact,
}

/// <summary>Computes LR-up per <see cref="LrUpRecipe"/>: the one place training and inference both call.</summary>
public static class LrUpRecipes
{
    /// <summary>LR-up of an LR image in [0, 1] units per <paramref name="recipe"/> (HR size = LR size × scale).</summary>
    public static ImageF64 Apply(LrUpRecipe recipe, ImageU8 lr, int scale) => recipe switch
    {
        LrUpRecipe.Official => SrdiffPreprocess.LrUp(lr, scale),
        LrUpRecipe.MatlabExact => MatlabResize.Imresize(ImageF64.FromU8(lr), scale, ImresizeOptions.Matlab),
        _ => throw new ArgumentOutOfRangeException(nameof(recipe)),
    };
}
