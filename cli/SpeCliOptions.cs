using SamDiffSR.Masks;

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

    public static SpeVariant Variant(string v) => v switch
    {
        "rope-transposed" => SpeVariant.RoPETransposed,
        "cosine" => SpeVariant.CosineGrid,
        "linear" => SpeVariant.LinearGrid,
        "rope" => SpeVariant.RoPE,
        _ => throw new CliUsageException($"unknown SPE variant '{v}'"),
    };

    /// <summary>Reads --mean, --overlap and (unless <paramref name="variant"/> is given) --variant.</summary>
    public static SpeOptions Parse(CliArgs args, SpeVariant? variant = null)
    {
        variant ??= Variant(args.Choice("variant", "rope", "rope", "rope-transposed", "cosine", "linear"));
        var mean = args.Choice("mean", "segment", "segment", "image") == "image"
            ? SegmentValueRule.WholeImageDivisor : SegmentValueRule.SegmentMean;
        var overlap = args.Choice("overlap", "later", "later", "score") == "score"
            ? OverlapRule.HigherScoreWins : OverlapRule.LaterOverwrites;
        return new SpeOptions(variant.Value, mean, overlap);
    }
}
