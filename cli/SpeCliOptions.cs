using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Training;

namespace SamDiffSR.Cli;

/// <summary>Shared parsing of the SPE options (--variant, --mean, --overlap) used by several commands.</summary>
public static class SpeCliOptions
{
    public const string Help = """
          --recipe    paper (default): rope-transposed, mean image; released: rope, mean image (see 'train --help');
                      --variant/--mean/--overlap override it
          --variant   base map: rope (official RoPE, rows are positions), rope-transposed (paper's wording: the width
                      is the sequence), cosine / linear (working Table 5 grids)
          --mean      image: segment sum / (H*W) (official code, and eq. 6 read literally: the mean of x_RoPE*M_i over
                      the whole h*w map); segment: mean over the segment only
          --overlap   later: later masks overwrite (official, default); score: higher predicted_iou wins
        """;

    /// <summary>
    /// Reads --recipe, then --mean, --overlap and (unless <paramref name="variant"/> is given) --variant, each defaulting to
    /// the recipe's value (<see cref="TrainingRecipe.Spe"/>).
    /// </summary>
    public static SpeOptions Parse(CliArgs args, SpeVariant? variant = null)
    {
        var recipe = TrainingRecipe.Of(args.Enum("recipe", RecipeKind.Paper));
        variant ??= args.Enum("variant", recipe.Spe.Variant);
        var mean = args.Enum("mean", recipe.Spe.ValueRule);
        var overlap = args.Enum("overlap", recipe.Spe.Overlap);
        return new SpeOptions(variant.Value, mean, overlap);
    }
}
