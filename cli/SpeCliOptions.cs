using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Cli;

/// <summary>Shared parsing of the SPE options (--variant, --mean, --overlap) used by several commands.</summary>
public static class SpeCliOptions
{
    public const string Help = """
          --variant   base map: rope (official RoPE, default), rope-transposed (paper's wording),
                      cosine / linear (working Table 5 grids)
          --mean      segment: mean over the segment (paper, default); image: segment sum / (H*W) (official code)
          --overlap   later: later masks overwrite (official, default); score: higher predicted_iou wins
        """;

    /// <summary>Reads --mean, --overlap and (unless <paramref name="variant"/> is given) --variant.</summary>
    public static SpeOptions Parse(CliArgs args, SpeVariant? variant = null)
    {
        variant ??= args.Enum("variant", SpeVariant.RoPE);
        var mean = args.Enum("mean", SegmentValueRule.SegmentMean);
        var overlap = args.Enum("overlap", OverlapRule.LaterOverwrites);
        return new SpeOptions(variant.Value, mean, overlap);
    }
}
