using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class FrechetDistanceTests
{
    [Fact]
    public void IdenticalGaussiansGiveZero()
    {
        const int n = 30;
        var s = La.RandomSpd(n, 11);
        var mu = Enumerable.Range(0, n).Select(i => Math.Sin(i)).ToArray();
        var r = FrechetDistance.Compute(mu, s, mu, s, n);
        Assert.Equal(0.0, r.Distance, 9);
        Assert.Equal(La.Trace(s, n), r.TraceSqrtProduct, 9);
        Assert.False(r.OffsetApplied);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void DiagonalCovariancesMatchClosedForm()
    {
        // d² = |Δμ|² + Σ (√a_i − √b_i)² for Σ1 = diag(a), Σ2 = diag(b).
        double[] a = [4, 1, 0.25, 9, 2];
        double[] b = [1, 1, 1, 0.5, 3];
        double[] mu1 = [0, 1, 2, 3, 4];
        double[] mu2 = [1, 1, 0, 3, 4.5];
        var n = a.Length;
        var expected = 1 + 4 + 0.25;
        for (var i = 0; i < n; i++) expected += Math.Pow(Math.Sqrt(a[i]) - Math.Sqrt(b[i]), 2);
        var r = FrechetDistance.Compute(mu1, Diag(a), mu2, Diag(b), n);
        Assert.Equal(expected, r.Distance, 12);
        Assert.Equal(5.25, r.MeanTerm, 14);
    }

    [Fact]
    public void OneDimensionalCase()
    {
        // N(m1, s1²) vs N(m2, s2²): (m1 − m2)² + (s1 − s2)².
        var r = FrechetDistance.Compute([1.5], [9.0], [-0.5], [4.0], 1);
        Assert.Equal(4 + 1, r.Distance, 13);
    }

    [Theory]
    [InlineData(CovarianceFactorization.SquareRoot)]
    [InlineData(CovarianceFactorization.Eigen)]
    public void CommutingMatricesIncludingSingular(CovarianceFactorization factorization)
    {
        var options = new FrechetOptions(Factorization: factorization);
        // Σ1 = Q diag(a) Qᵀ and Σ2 = Q diag(b) Qᵀ commute: d² = Σ (√a − √b)² even when a has zeros (rank-deficient Σ1).
        const int n = 16;
        var q = La.RandomOrthogonal(n, 5);
        var a = Enumerable.Range(0, n).Select(i => i < 6 ? 0.0 : 0.3 * i).ToArray();
        var b = Enumerable.Range(0, n).Select(i => 1.0 + (i % 4)).ToArray();
        var expected = a.Zip(b, (x, y) => Math.Pow(Math.Sqrt(x) - Math.Sqrt(y), 2)).Sum();
        var mu = new double[n];
        var r = FrechetDistance.Compute(mu, La.WithSpectrum(q, a, n), mu, La.WithSpectrum(q, b, n), n, options);
        Assert.Equal(expected, r.Distance, 9);
        // Swapping the arguments gives the same value (tr((Σ1Σ2)^½) = tr((Σ2Σ1)^½)).
        var swapped = FrechetDistance.Compute(mu, La.WithSpectrum(q, b, n), mu, La.WithSpectrum(q, a, n), n, options);
        Assert.Equal(expected, swapped.Distance, 9);
    }

    [Theory]
    [InlineData(CovarianceFactorization.SquareRoot)]
    [InlineData(CovarianceFactorization.Eigen)]
    public void RandomSpdAgreesWithDenmanBeaversSquareRoot(CovarianceFactorization factorization)
    {
        // Independent check: the principal square root of the non-symmetric Σ1Σ2 by Denman–Beavers (no eigensolver).
        const int n = 20;
        var s1 = La.RandomSpd(n, 21);
        var s2 = La.RandomSpd(n, 22, shift: 0.5);
        var product = La.MatMul(s1, s2, n);
        var root = La.DenmanBeaversSqrt(product, n);
        Assert.True(La.MaxAbsDiff(La.MatMul(root, root, n), product) < 1e-9, "Denman–Beavers converged");
        var expected = La.Trace(root, n);
        var tr = FrechetDistance.TraceSqrtProduct(s1, s2, n, 0, out var clamped, factorization);
        Assert.Equal(expected, tr, 9);
        Assert.Equal(0, clamped);
    }

    [Fact]
    public void MatrixSqrtSquaresBackAndGivesSameTrace()
    {
        const int n = 18;
        var s1 = La.RandomSpd(n, 31);
        var s2 = La.RandomSpd(n, 32);
        var r1 = FrechetDistance.MatrixSqrtPsd(s1, n);
        Assert.True(La.MaxAbsDiff(La.MatMul(r1, r1, n), s1) < 1e-12, "(Σ1^½)² = Σ1");
        var m = La.MatMul(La.MatMul(r1, s2, n), r1, n);
        var x = FrechetDistance.MatrixSqrtPsd(m, n);
        Assert.True(La.MaxAbsDiff(La.MatMul(x, x, n), m) < 1e-11, "(S^½)² = S");
        Assert.Equal(La.Trace(x, n), FrechetDistance.TraceSqrtProduct(s1, s2, n, 0, out _), 10);
    }

    [Fact]
    public void TranslatingBothSetsLeavesTheDistanceUnchanged()
    {
        const int count = 40, dim = 6;
        var rng = new Random(3);
        var f1 = new double[count * dim];
        var f2 = new double[count * dim];
        for (var i = 0; i < f1.Length; i++) { f1[i] = La.Gaussian(rng); f2[i] = 0.5 + 2 * La.Gaussian(rng); }
        var d0 = FrechetDistance.Compute(GaussianStatistics.FromFeatures(f1, count, dim), GaussianStatistics.FromFeatures(f2, count, dim)).Distance;
        var shift = new[] { 3.0, -1, 100, 0, 2, 7 };
        var g1 = f1.Select((v, i) => v + shift[i % dim]).ToArray();
        var g2 = f2.Select((v, i) => v + shift[i % dim]).ToArray();
        var d1 = FrechetDistance.Compute(GaussianStatistics.FromFeatures(g1, count, dim), GaussianStatistics.FromFeatures(g2, count, dim)).Distance;
        Assert.Equal(d0, d1, 9);
        // Shifting only the second set by c adds |c|² (same covariance, mean moved).
        var d2 = FrechetDistance.Compute(GaussianStatistics.FromFeatures(f1, count, dim), GaussianStatistics.FromFeatures(f1.Select((v, i) => v + shift[i % dim]).ToArray(), count, dim)).Distance;
        Assert.Equal(shift.Sum(c => c * c), d2, 8);
    }

    [Fact]
    public void OffsetAlwaysUsesShiftedDiagonalInsideTheRootOnly()
    {
        double[] a = [4, 0];
        double[] b = [1, 9];
        const double eps = 1e-2;
        var r = FrechetDistance.Compute([0, 0], Diag(a), [0, 0], Diag(b), 2, new FrechetOptions(eps, SingularOffsetMode.Always));
        var trSqrt = Math.Sqrt((4 + eps) * (1 + eps)) + Math.Sqrt(eps * (9 + eps));
        Assert.True(r.OffsetApplied);
        Assert.Equal(trSqrt, r.TraceSqrtProduct, 12);
        Assert.Equal(4 + 0 + 1 + 9 - 2 * trSqrt, r.Distance, 12);
        Assert.NotEmpty(r.Warnings);
        var plain = FrechetDistance.Compute([0, 0], Diag(a), [0, 0], Diag(b), 2);
        Assert.False(plain.OffsetApplied);
        Assert.Equal(Math.Pow(2 - 1, 2) + Math.Pow(0 - 3, 2), plain.Distance, 12);
    }

    [Fact]
    public void RankDeficientSetsAgreeBetweenFactorizations()
    {
        // 6 samples in 40 dimensions (rank 5), the Set5-vs-2048 situation in miniature; the second set is full rank.
        const int dim = 40;
        var rng = new Random(8);
        var f1 = Enumerable.Range(0, 6 * dim).Select(_ => La.Gaussian(rng)).ToArray();
        var f2 = Enumerable.Range(0, 60 * dim).Select(_ => 0.3 + La.Gaussian(rng)).ToArray();
        var a = GaussianStatistics.FromFeatures(f1, 6, dim);
        var b = GaussianStatistics.FromFeatures(f2, 60, dim);
        var chol = FrechetDistance.Compute(a, b);
        var eig = FrechetDistance.Compute(a, b, new FrechetOptions(Factorization: CovarianceFactorization.SquareRoot));
        Assert.Equal(eig.Distance, chol.Distance, 9);
        // And against Denman–Beavers on (Σ1 + δI)(Σ2) with δ → 0 is ill-conditioned, so use the reverse order, which has
        // the same trace: tr((Σ2 Σ1)^½) via Σ2 full rank = Σ √eig(Σ2^½ Σ1 Σ2^½) with the eigen path's Σ2 factor.
        var reversed = FrechetDistance.TraceSqrtProduct(b.Covariance, a.Covariance, dim, 0, out _);
        Assert.Equal(reversed, chol.TraceSqrtProduct, 9);
        Assert.Single(chol.Warnings); // only the first set is rank deficient
    }

    [Theory]
    [InlineData(100, 150)] // full rank
    [InlineData(90, 50)]   // rank 49 (50 samples): the r×r product of the eigen factor against the n×n root
    public void LargerCasesAgreeBetweenFactorizations(int dim, int samples)
    {
        var rng = new Random(dim + samples);
        var f1 = Enumerable.Range(0, samples * dim).Select(_ => La.Gaussian(rng)).ToArray();
        var f2 = Enumerable.Range(0, 3 * dim * dim).Select(_ => 0.2 + 1.5 * La.Gaussian(rng)).ToArray();
        var a = GaussianStatistics.FromFeatures(f1, samples, dim);
        var b = GaussianStatistics.FromFeatures(f2, 3 * dim, dim);
        var chol = FrechetDistance.TraceSqrtProduct(a.Covariance, b.Covariance, dim, 0, out var c1, CovarianceFactorization.SquareRoot);
        var eig = FrechetDistance.TraceSqrtProduct(a.Covariance, b.Covariance, dim, 0, out var c2, CovarianceFactorization.Eigen);
        Assert.Equal(eig, chol, 8);
        Assert.Equal((0, 0), (c1, c2));
        if (samples > dim)
        {
            var root = La.DenmanBeaversSqrt(La.MatMul(a.Covariance.ToArray(), b.Covariance.ToArray(), dim), dim, 80);
            Assert.Equal(La.Trace(root, dim), chol, 7);
        }
    }

    [Fact]
    public void NonPsdInputIsReportedAsClamped()
    {
        var r = FrechetDistance.Compute([0, 0], Diag([1, -0.5]), [0, 0], Diag([1, 1]), 2);
        Assert.Equal(1, r.ClampedEigenvalues);
        Assert.Contains(r.Warnings, w => w.Contains("negative"));
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute([0, 0], Diag([1, 1]), [0], Diag([1, 1]), 2));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute([0, 0], new double[3], [0, 0], Diag([1, 1]), 2));
        var s2 = new GaussianStatistics([0.0, 0], Diag([1, 1]));
        var s3 = new GaussianStatistics([0.0, 0, 0], Diag([1, 1, 1]));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(s2, s3));
    }

    [Fact]
    public void RepeatedComputationsLeaveNoLiveTensors()
    {
        const int n = 12;
        var s1 = La.RandomSpd(n, 41);
        var s2 = La.RandomSpd(n, 42);
        var mu = new double[n];
        var features = Enumerable.Range(0, 5 * n).Select(i => Math.Sin(0.37 * i)).ToArray();
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            FrechetDistance.Compute(mu, s1, mu, s2, n);
            FrechetDistance.Compute(mu, s1, mu, s2, n, new FrechetOptions(Factorization: CovarianceFactorization.SquareRoot, Offset: SingularOffsetMode.Always));
            FrechetDistance.MatrixSqrtPsd(s1, n);
            SymmetricEigen.Decompose(s2, n);
            GaussianStatistics.FromFeatures(features, 5, n);
        }
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void NonFiniteCovarianceIsRejectedWithItsName()
    {
        var ex = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute([0, 0], Diag([1, 1]), [0, 0], [1, double.NaN, 0, 1], 2));
        Assert.Equal("sigma2", ex.ParamName);
    }

    private static double[] Diag(double[] v)
    {
        var n = v.Length;
        var m = new double[n * n];
        for (var i = 0; i < n; i++) m[i * n + i] = v[i];
        return m;
    }
}
