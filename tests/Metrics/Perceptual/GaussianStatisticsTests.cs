using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class GaussianStatisticsTests
{
    [Fact]
    public void MeanAndUnbiasedCovarianceByHand()
    {
        // Rows (1, 2), (3, 6), (5, 7): mean (3, 5); deviations (−2, −3), (0, 1), (2, 2);
        // cov = [[8, 10], [10, 14]] / 2 = [[4, 5], [5, 7]] (divisor N − 1 = 2, as np.cov).
        var s = GaussianStatistics.FromFeatures(new double[] { 1, 2, 3, 6, 5, 7 }, 3, 2);
        Assert.Equal(new[] { 3.0, 5.0 }, s.Mean.ToArray());
        Assert.Equal(new[] { 4.0, 5, 5, 7 }, s.Covariance.ToArray());
        Assert.Equal(3, s.Count);
        Assert.False(s.IsRankDeficient);
        Assert.Null(s.Warning);
    }

    [Fact]
    public void WarnsWhenCountDoesNotExceedDimension()
    {
        var rng = new Random(1);
        var f = Enumerable.Range(0, 5 * 8).Select(_ => (float)rng.NextDouble()).ToArray();
        var s = GaussianStatistics.FromFeatures(f, 5, 8);
        Assert.True(s.IsRankDeficient);
        Assert.Contains("rank at most 4", s.Warning);
        // The covariance really has rank N − 1 = 4: four positive eigenvalues.
        var values = SymmetricEigen.Eigenvalues(s.Covariance, 8);
        Assert.Equal(4, values.Count(v => v > 1e-12));
        // The FID result carries the warning.
        var fid = FrechetDistance.Compute(s, s);
        Assert.Equal(2, fid.Warnings.Count);
        Assert.Equal(0, fid.Distance, 10);
    }

    [Fact]
    public void RejectsBadFeatureMatrices()
    {
        Assert.Throws<ArgumentException>(() => GaussianStatistics.FromFeatures(new double[5], 2, 3));
        Assert.Throws<ArgumentException>(() => GaussianStatistics.FromFeatures(new double[3], 1, 3));
        Assert.Throws<ArgumentException>(() => GaussianStatistics.FromFeatures(new[] { 1.0, double.NaN, 0, 0 }, 2, 2));
    }
}
