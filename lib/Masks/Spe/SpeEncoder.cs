namespace SamDiffSR.Masks.Spe;

/// <summary>
/// Structural position encoding (paper §4.2, eq. 6): E_SAM = Σ_i M_SAM,i · v_i, where v_i is a mean of the base map
/// x_RoPE over segment i (<see cref="SegmentValueRule"/>), overlaps are resolved by <see cref="OverlapRule"/> and
/// pixels covered by no mask are 0. Each v_i is computed from the whole mask M_i, also where a later mask overwrites
/// part of it (as the official code does). Values are computed in float64 and stored as float32.
/// Thread-safe; the last base map is cached (one image size at a time).
/// </summary>
public sealed class SpeEncoder
{
    private readonly object _gate = new();
    private (int H, int W, double[] Base)? _cache;

    /// <summary>Creates an encoder.</summary>
    public SpeEncoder(SpeOptions? options = null) => Options = options ?? SpeOptions.Paper;

    /// <summary>The options in use.</summary>
    public SpeOptions Options { get; }

    /// <summary>Encodes SAM records (scores for <see cref="OverlapRule.HigherScoreWins"/> = predicted IoU).</summary>
    public SpeMap Encode(IReadOnlyList<MaskRecord> records, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(records);
        return Encode(records.Select(r => r.Segmentation).ToArray(), height, width, records.Select(r => r.PredictedIou).ToArray());
    }

    /// <summary>Encodes a label map: one mask per label ≥ 0 in ascending label order; −1 stays 0.</summary>
    public SpeMap Encode(LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var masks = labels.ToMasks();
        return Encode(masks, labels.Height, labels.Width, masks.Select(_ => 1.0).ToArray());
    }

    /// <summary>
    /// Encodes an ordered list of H×W masks. <paramref name="scores"/> is needed only for
    /// <see cref="OverlapRule.HigherScoreWins"/>. An empty list gives an all-zero map.
    /// </summary>
    public SpeMap Encode(IReadOnlyList<BinaryMask> masks, int height, int width, IReadOnlyList<double>? scores = null)
    {
        var winner = LabelMap.WinnerIndexColumnMajor(masks, height, width, Options.Overlap, scores);
        var values = RegionValues(masks, height, width);
        var outRm = new float[height * width];
        for (int c = 0; c < width; c++)
            for (int r = 0; r < height; r++)
            {
                int k = winner[c * height + r];
                if (k >= 0) outRm[r * width + c] = (float)values[k];
            }
        return SpeMap.Own(height, width, outRm);
    }

    /// <summary>The value v_i written into each mask (same order as <paramref name="masks"/>), in float64.</summary>
    public double[] RegionValues(IReadOnlyList<BinaryMask> masks, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var values = new double[masks.Count];
        if (masks.Count == 0) return values;
        var b = BaseColumnMajor(height, width);
        double n = (double)height * width;
        for (int k = 0; k < masks.Count; k++)
        {
            var m = masks[k];
            if (m.Height != height || m.Width != width)
                throw new ArgumentException($"mask {k} is {m.Height}×{m.Width}, expected {height}×{width}");
            if (m.Area == 0) { values[k] = 0; continue; } // paints nothing
            if (Options.Variant == SpeVariant.OfficialCosineSimilarity)
            {
                // cos(1, m) = (1·m) / (‖1‖·‖m‖) = |M| / (√N · √|M|)
                values[k] = m.Area / (Math.Sqrt(n) * Math.Sqrt(m.Area));
                continue;
            }
            double sum = 0;
            foreach (var (start, length) in m.ForegroundRuns())
                for (long p = start; p < start + length; p++) sum += b[p];
            values[k] = Options.ValueRule == SegmentValueRule.SegmentMean ? sum / m.Area : sum / n;
        }
        return values;
    }

    private double[] BaseColumnMajor(int height, int width)
    {
        lock (_gate)
        {
            if (_cache is { } c && c.H == height && c.W == width) return c.Base;
            var b = PositionBaseMap.ComputeColumnMajor(Options.Variant, height, width);
            _cache = (height, width, b);
            return b;
        }
    }
}
