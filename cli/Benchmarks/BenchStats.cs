namespace SamDiffSR.Cli.Benchmarks;

/// <summary>Order statistics of a set of timings (seconds).</summary>
/// <param name="Count">Number of values.</param>
/// <param name="Median">The median (mean of the two middle values for an even count).</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
public sealed record SummaryStats(int Count, double Median, double Min, double Max)
{
    /// <summary>Statistics of <paramref name="values"/>, or null when there are none.</summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static SummaryStats? Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToArray();
        if (v.Length == 0) return null;
        foreach (var x in v)
            if (!double.IsFinite(x)) throw new ArgumentException($"timings must be finite numbers, got {x}", nameof(values));
        Array.Sort(v);
        int n = v.Length;
        double median = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        return new SummaryStats(n, median, v[0], v[^1]);
    }
}
