namespace SamDiffSR.Masks.Spe;

/// <summary>Applies <see cref="SpeReduce"/> rules to a cropped training patch (Table 6; docs/paper-vs-code.md §Reduce rule).</summary>
public static class SpeReducer
{
    /// <summary>The paper's setting (Table 6, "Reduce ✓" is best): single-valued patches become zeros.</summary>
    public const SpeReduce Paper = SpeReduce.AllSameToZero;

    /// <summary>The shipped official config (configs/sam/sam_diffsr_df2k4x.yaml): no rule.</summary>
    public const SpeReduce Official = SpeReduce.None;

    /// <summary>
    /// Applies the rules in the official order (AllSameToZero, ZScore, ZScoreMinus1). The unique-value test is
    /// exact float32 equality, as <c>len(np.unique(patch)) == 1</c>. Mean and population std (ddof = 0) are
    /// computed in float64.
    /// </summary>
    public static SpeMap Apply(SpeMap patch, SpeReduce rules)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var data = patch.ToArray();
        if (rules.HasFlag(SpeReduce.AllSameToZero) && SingleValued(data)) Array.Clear(data);
        if (rules.HasFlag(SpeReduce.ZScore) && !SingleValued(data)) ZScore(data, 0.0);
        if (rules.HasFlag(SpeReduce.ZScoreMinus1) && !SingleValued(data)) ZScore(data, 1.0);
        return SpeMap.Own(patch.Height, patch.Width, data);
    }

    /// <summary>True if every value equals the first (np.unique would return one value).</summary>
    public static bool SingleValued(ReadOnlySpan<float> values)
    {
        for (int i = 1; i < values.Length; i++)
            if (values[i] != values[0]) return false;
        return true;
    }

    private static void ZScore(float[] data, double minus)
    {
        double mean = 0;
        foreach (float v in data) mean += v;
        mean /= data.Length;
        double ss = 0;
        foreach (float v in data) ss += (v - mean) * (v - mean);
        double std = Math.Sqrt(ss / data.Length);
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(std == 0 ? data[i] - mean : (data[i] - mean) / std - minus);
    }
}
