namespace SamDiffSR.Pipelines;

/// <summary>Summaries over seeds and paired differences with t-intervals (the replication study's statistics).</summary>
public static class Statistics
{
    /// <summary>
    /// t_{0.975, df}: the two-sided 95 % quantile of Student's t for df = 1..30 (standard tables, e.g. NIST/SEMATECH
    /// e-Handbook of Statistical Methods §1.3.6.7.2); 1.96 beyond 30 would understate it slightly, so df &gt; 30 uses the
    /// df = 30 value (conservative).
    /// </summary>
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>t_{0.975, df} for df ≥ 1.</summary>
    public static double TQuantile975(int df)
    {
        if (df < 1) throw new ArgumentOutOfRangeException(nameof(df), df, "degrees of freedom must be >= 1");
        return T975[Math.Min(df, T975.Length) - 1];
    }

    /// <summary>Mean and sample standard deviation (divisor n − 1; 0 for n = 1).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> x)
    {
        if (x.Count == 0) return (double.NaN, double.NaN);
        double m = x.Average();
        double ss = x.Sum(v => (v - m) * (v - m));
        return (m, x.Count > 1 ? Math.Sqrt(ss / (x.Count - 1)) : 0.0);
    }

    /// <summary>The paired difference a − b (same seeds, same order): mean, std, and the 95 % t-interval (null for n &lt; 2).</summary>
    public static (double Mean, double Std, double? Low, double? High) Paired(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired samples need equal lengths, got {a.Count} and {b.Count}");
        var d = a.Zip(b, (x, y) => x - y).ToList();
        var (m, s) = MeanStd(d);
        if (d.Count < 2) return (m, s, null, null);
        double half = TQuantile975(d.Count - 1) * s / Math.Sqrt(d.Count);
        return (m, s, m - half, m + half);
    }

    private static readonly (string Name, Func<ComparisonEval, double> Get)[] Metrics =
    [
        ("psnr", e => e.Psnr), ("ssim", e => e.Ssim), ("lr_psnr", e => e.LrPsnr), ("artifact", e => e.Artifact),
    ];

    /// <summary>Mean ± std over seeds for every method, set and metric.</summary>
    public static List<MetricSummary> Summaries(IReadOnlyList<ComparisonEval> evals)
    {
        var list = new List<MetricSummary>();
        foreach (var g in evals.GroupBy(e => (e.Method, e.Set)))
            foreach (var (name, get) in Metrics)
            {
                var (m, s) = MeanStd(g.Select(get).ToList());
                list.Add(new MetricSummary(g.Key.Method, g.Key.Set, name, g.Count(), m, s));
            }
        return list;
    }

    /// <summary>Paired differences (method − <paramref name="reference"/>) over the seeds both have, per set and metric.</summary>
    public static List<PairedDifference> PairedVs(IReadOnlyList<ComparisonEval> evals, string reference)
    {
        var list = new List<PairedDifference>();
        foreach (var set in evals.Select(e => e.Set).Distinct())
        {
            var refs = evals.Where(e => e.Set == set && e.Method == reference).ToDictionary(e => e.Seed);
            foreach (var method in evals.Where(e => e.Set == set && e.Method != reference).Select(e => e.Method).Distinct())
            {
                var rows = evals.Where(e => e.Set == set && e.Method == method && refs.ContainsKey(e.Seed)).OrderBy(e => e.Seed).ToList();
                if (rows.Count == 0) continue;
                foreach (var (name, get) in Metrics)
                {
                    var (m, s, lo, hi) = Paired(rows.Select(get).ToList(), rows.Select(r => get(refs[r.Seed])).ToList());
                    list.Add(new PairedDifference(method, set, name, rows.Count, m, s, lo, hi));
                }
            }
        }
        return list;
    }
}
