using SamDiffSR.Metrics.Perceptual;
using Xunit;

namespace SamDiffSR.Tests.Metrics.Perceptual;

public sealed class SymmetricEigenTests
{
    [Fact]
    public void TridiagonalToeplitzMatchesClosedForm()
    {
        // T = tridiag(-1, 2, -1) of order n has eigenvalues 2 - 2 cos(kπ/(n+1)), k = 1..n.
        const int n = 50;
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            a[i * n + i] = 2;
            if (i + 1 < n) { a[i * n + i + 1] = -1; a[(i + 1) * n + i] = -1; }
        }
        var values = SymmetricEigen.Eigenvalues(a, n);
        for (var k = 1; k <= n; k++)
            Assert.Equal(2 - 2 * Math.Cos(k * Math.PI / (n + 1)), values[k - 1], 12);
    }

    [Fact]
    public void TwoByTwoClosedForm()
    {
        double a = 3, b = 1.5, c = -2;
        var r = SymmetricEigen.Decompose(new[] { a, b, b, c }, 2);
        var mid = (a + c) / 2;
        var rad = Math.Sqrt(((a - c) / 2) * ((a - c) / 2) + b * b);
        // Absolute 1e-13 (the rounding form "13 decimal places" can fail on a 1-ulp difference that straddles a rounding boundary).
        Assert.Equal(mid - rad, r.Values[0], 1e-13);
        Assert.Equal(mid + rad, r.Values[1], 1e-13);
        // A v = λ v for the first vector.
        var v = r.VectorRows;
        Assert.Equal(r.Values[0] * v[0], a * v[0] + b * v[1], 12);
        Assert.Equal(r.Values[0] * v[1], b * v[0] + c * v[1], 12);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(37, 3)]
    [InlineData(230, 4)]
    public void RandomSymmetricReconstructsWithOrthonormalVectors(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = i; j < n; j++) a[i * n + j] = a[j * n + i] = La.Gaussian(rng);
        var r = SymmetricEigen.Decompose(a, n);
        var v = r.VectorRows.ToArray(); // rows = eigenvectors
        var vvT = La.MatMul(v, La.Transpose(v, n), n);
        Assert.True(La.MaxAbsDiff(vvT, La.Identity(n)) < 1e-12 * Math.Max(1, n / 10.0), "V Vᵀ = I");
        // A = Vᵀ Λ V with V holding eigenvectors as rows.
        var lam = new double[n * n];
        for (var i = 0; i < n; i++) lam[i * n + i] = r.Values[i];
        var rec = La.MatMul(La.MatMul(La.Transpose(v, n), lam, n), v, n);
        Assert.True(La.MaxAbsDiff(rec, a) < 1e-12 * n, $"reconstruction error {La.MaxAbsDiff(rec, a)}");
        for (var i = 1; i < n; i++) Assert.True(r.Values[i - 1] <= r.Values[i]);
        // Trace is preserved.
        Assert.Equal(La.Trace(a, n), r.Values.ToArray().Sum(), 9);
    }

    [Fact]
    public void RepeatedEigenvaluesAndZeros()
    {
        const int n = 12;
        var q = La.RandomOrthogonal(n, 7);
        var spec = new double[] { 0, 0, 0, 1, 1, 1, 1, 2, 2, 5, 5, 5 };
        var a = La.WithSpectrum(q, spec, n);
        var values = SymmetricEigen.Eigenvalues(a, n);
        for (var i = 0; i < n; i++) Assert.Equal(spec[i], values[i], 12);
    }

    [Fact]
    public void DiagonalInputIsSorted()
    {
        var a = new double[] { 5, 0, 0, 0, -1, 0, 0, 0, 2 };
        Assert.Equal(new double[] { -1, 2, 5 }, SymmetricEigen.Eigenvalues(a, 3));
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose(new double[5], 2));
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose(new[] { 1.0, double.NaN, double.NaN, 1.0 }, 2));
        Assert.Throws<InvalidOperationException>(() => SymmetricEigen.Decompose(new[] { 1.0 }, 1, computeVectors: false).VectorRows.ToArray());
    }
}
