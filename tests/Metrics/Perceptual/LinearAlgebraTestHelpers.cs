namespace SamDiffSR.Tests.Metrics.Perceptual;

/// <summary>Naive dense helpers for tests (deliberately independent of the library's kernels).</summary>
internal static class La
{
    public static double[] MatMul(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
            {
                var aik = a[i * n + k];
                for (var j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        return c;
    }

    public static double[] Transpose(double[] a, int n)
    {
        var t = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
        return t;
    }

    public static double[] Identity(int n)
    {
        var m = new double[n * n];
        for (var i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    public static double Trace(double[] a, int n)
    {
        double t = 0;
        for (var i = 0; i < n; i++) t += a[i * n + i];
        return t;
    }

    public static double MaxAbsDiff(double[] a, double[] b)
    {
        double m = 0;
        for (var i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    /// <summary>A random orthogonal matrix via Gram–Schmidt on Gaussian columns (seeded).</summary>
    public static double[] RandomOrthogonal(int n, int seed)
    {
        var rng = new Random(seed);
        var q = new double[n * n];
        for (var i = 0; i < q.Length; i++) q[i] = Gaussian(rng);
        // Modified Gram–Schmidt on rows.
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                double d = 0;
                for (var k = 0; k < n; k++) d += q[i * n + k] * q[j * n + k];
                for (var k = 0; k < n; k++) q[i * n + k] -= d * q[j * n + k];
            }
            double norm = 0;
            for (var k = 0; k < n; k++) norm += q[i * n + k] * q[i * n + k];
            norm = Math.Sqrt(norm);
            for (var k = 0; k < n; k++) q[i * n + k] /= norm;
        }
        return q;
    }

    /// <summary>Q diag(values) Qᵀ.</summary>
    public static double[] WithSpectrum(double[] q, double[] values, int n)
    {
        var d = new double[n * n];
        for (var i = 0; i < n; i++) d[i * n + i] = values[i];
        return MatMul(MatMul(q, d, n), Transpose(q, n), n);
    }

    /// <summary>A random symmetric positive definite matrix X Xᵀ / m + shift·I.</summary>
    public static double[] RandomSpd(int n, int seed, double shift = 0.1)
    {
        var rng = new Random(seed);
        var m = n + 3;
        var x = new double[n * m];
        for (var i = 0; i < x.Length; i++) x[i] = Gaussian(rng);
        var s = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double acc = 0;
                for (var k = 0; k < m; k++) acc += x[i * m + k] * x[j * m + k];
                s[i * n + j] = acc / m + (i == j ? shift : 0);
            }
        return s;
    }

    public static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>General inverse by Gauss–Jordan elimination with partial pivoting.</summary>
    public static double[] Inverse(double[] a, int n)
    {
        var m = (double[])a.Clone();
        var inv = Identity(n);
        for (var col = 0; col < n; col++)
        {
            var piv = col;
            for (var r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[piv * n + col])) piv = r;
            if (piv != col)
                for (var k = 0; k < n; k++)
                {
                    (m[col * n + k], m[piv * n + k]) = (m[piv * n + k], m[col * n + k]);
                    (inv[col * n + k], inv[piv * n + k]) = (inv[piv * n + k], inv[col * n + k]);
                }
            var p = m[col * n + col];
            for (var k = 0; k < n; k++) { m[col * n + k] /= p; inv[col * n + k] /= p; }
            for (var r = 0; r < n; r++)
            {
                if (r == col) continue;
                var f = m[r * n + col];
                if (f == 0) continue;
                for (var k = 0; k < n; k++) { m[r * n + k] -= f * m[col * n + k]; inv[r * n + k] -= f * inv[col * n + k]; }
            }
        }
        return inv;
    }

    /// <summary>
    /// Principal square root of a general (non-symmetric) matrix with positive real spectrum by the Denman–Beavers
    /// iteration Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2 (Y → M^{1/2}); independent of any eigen-decomposition.
    /// </summary>
    public static double[] DenmanBeaversSqrt(double[] mat, int n, int iterations = 60)
    {
        var y = (double[])mat.Clone();
        var z = Identity(n);
        for (var it = 0; it < iterations; it++)
        {
            var yi = Inverse(y, n);
            var zi = Inverse(z, n);
            var yn = new double[n * n];
            var zn = new double[n * n];
            for (var i = 0; i < yn.Length; i++) { yn[i] = 0.5 * (y[i] + zi[i]); zn[i] = 0.5 * (z[i] + yi[i]); }
            var delta = MaxAbsDiff(yn, y);
            y = yn;
            z = zn;
            if (delta < 1e-15) break;
        }
        return y;
    }
}
