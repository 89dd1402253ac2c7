using SamDiffSR.Pipelines;
using Xunit;

namespace SamDiffSR.Tests.Pipelines;

public class StatisticsTests
{
    [Fact]
    public void PairedDifference_ThreeSeeds_MatchesHandComputedTInterval()
    {
        // d = a − b = [0.3, 0.4, 0.0]; mean 0.7/3; s² = ((0.3−m)² + (0.4−m)² + (0−m)²)/2 = 0.0433333…;
        // half width = t_{0.975,2}·s/√3 with t = 4.303 (2 degrees of freedom).
        double[] a = [30.1, 30.4, 29.9], b = [29.8, 30.0, 29.9];
        var (mean, std, lo, hi) = Statistics.Paired(a, b);
        double m = 0.7 / 3;
        // s² by hand: (0.0666667² + 0.1666667² + 0.2333333²)/2 = (0.00444444 + 0.02777778 + 0.05444444)/2 = 0.04333333
        double s = Math.Sqrt(0.04333333333333333);
        Assert.Equal(m, mean, 12);
        Assert.Equal(s, std, 9);
        Assert.Equal(0.208166599946613, std, 9);
        double half = 4.303 * s / Math.Sqrt(3);
        Assert.Equal(m - half, lo!.Value, 9);
        Assert.Equal(m + half, hi!.Value, 9);
        Assert.Equal(-0.2838229, lo.Value, 6);
        Assert.Equal(0.7504896, hi.Value, 6);
        Assert.Equal(4.303, Statistics.TQuantile975(2));
        Assert.Equal(12.706, Statistics.TQuantile975(1));
    }

    [Fact]
    public void PairedVs_ReportsIntervalsAndWhetherTheyContainZero()
    {
        ComparisonEval E(string method, long seed, double psnr) => new(method, seed, "Set5", psnr, 0.8, 40, 1, null, 0, []);
        var evals = new[]
        {
            E("SRDiff", 0, 27.0), E("SRDiff", 1, 27.2), E("SRDiff", 2, 26.9),
            E("X", 0, 27.5), E("X", 1, 27.8), E("X", 2, 27.3),    // +0.5, +0.6, +0.4: clearly positive
            E("Y", 0, 27.3), E("Y", 1, 27.0), E("Y", 2, 26.9),    // +0.3, −0.2, 0.0: contains 0
        };
        var d = Statistics.PairedVs(evals, "SRDiff").Where(x => x.Metric == "psnr").ToDictionary(x => x.Method);
        Assert.Equal(0.5, d["X"].Mean, 9);
        Assert.Equal(0.1, d["X"].Std, 9);
        Assert.False(d["X"].ContainsZero);
        Assert.Equal(0.5 - 4.303 * 0.1 / Math.Sqrt(3), d["X"].Low!.Value, 9);
        Assert.True(d["Y"].ContainsZero);
        Assert.Equal(3, d["Y"].N);
        var sums = Statistics.Summaries(evals).Single(x => x.Method == "X" && x.Metric == "psnr");
        Assert.Equal(27.5333333333, sums.Mean, 8);
        // one seed: no interval
        var one = Statistics.PairedVs([E("SRDiff", 0, 27), E("X", 0, 28)], "SRDiff").First(x => x.Metric == "psnr");
        Assert.Null(one.Low);
        Assert.Null(one.ContainsZero);
        Assert.Throws<ArgumentException>(() => Statistics.Paired([1.0, 2.0], [1.0]));
    }
}
