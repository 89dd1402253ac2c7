namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Eigen-decomposition A = V Λ Vᵀ of a real symmetric n×n matrix in doubles, written for this project (no
/// external library): Householder reduction to tridiagonal form T = Qᵀ A Q (Golub and Van Loan, Matrix
/// Computations, 4th ed., Alg. 8.3.1), then the implicit QL iteration with Wilkinson-type shifts on T (the
/// EISPACK tql2 scheme; Golub and Van Loan §8.3), accumulating the plane rotations into the rows of Qᵀ.
/// <para>Cost is O(n³): ≈ 4/3 n³ flops for the reduction (only the lower triangle is read and updated), 4/3 n³ for
/// forming Q and ≈ 4.5 n³ for the rotations when vectors are wanted. Row updates are spread over threads above 192
/// columns; every number is still computed in a fixed order, so results repeat exactly on one machine. n = 2048
/// takes seconds (eigenvalues only) to tens of seconds (with vectors) on a small CPU; see
/// lib/Metrics/Perceptual/README.md for measurements.</para>
/// <para>The input is symmetrised as (A + Aᵀ)/2 before the reduction.</para>
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Largest number of QL iterations spent on one eigenvalue before giving up.</summary>
    public const int MaxIterationsPerEigenvalue = 64;

    /// <summary>Machine epsilon of double, 2⁻⁵² (the gap between 1 and the next double).</summary>
    internal const double MachineEpsilon = 2.220446049250313E-16;

    /// <summary>Eigenvalues (ascending) and, when <paramref name="computeVectors"/>, orthonormal eigenvectors.</summary>
    /// <param name="matrix">A, n×n row-major, symmetric (symmetrised internally), finite.</param>
    /// <param name="n">Order n ≥ 1.</param>
    /// <param name="computeVectors">Whether to form V (costs ≈ 3× the eigenvalue-only time).</param>
    /// <exception cref="ArgumentException">Wrong length or a non-finite entry.</exception>
    /// <exception cref="ArithmeticException">QL did not converge (does not happen for finite symmetric input in practice).</exception>
    public static SymmetricEigenResult Decompose(ReadOnlySpan<double> matrix, int n, bool computeVectors = true)
    {
        if (n < 1) throw new ArgumentException($"Matrix order must be at least 1; got {n}.", nameof(n));
        if (matrix.Length != (long)n * n)
            throw new ArgumentException($"Matrix has {matrix.Length} entries; an {n}×{n} matrix needs {(long)n * n}.", nameof(matrix));
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var x = matrix[i * n + j];
                if (!double.IsFinite(x)) throw new ArgumentException($"Matrix entry ({i}, {j}) is {x}; the eigen solver needs finite values.", nameof(matrix));
                a[i * n + j] = 0.5 * (x + matrix[j * n + i]);
            }
        }

        var d = new double[n];
        var e = new double[n];
        var beta = new double[n];
        var vs = new double[]?[n];
        Tridiagonalize(a, n, d, e, beta, vs);
        double[]? zt = null;
        if (computeVectors) zt = AccumulateTransposedQ(vs, n, beta);
        ImplicitQl(d, e, zt, n);

        // Sort ascending, permuting eigenvector rows alongside.
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var keys = (double[])d.Clone();
        Array.Sort(keys, order);
        double[]? vectors = null;
        if (zt is not null)
        {
            vectors = new double[n * n];
            for (var j = 0; j < n; j++) Array.Copy(zt, order[j] * n, vectors, j * n, n);
        }
        return new SymmetricEigenResult(n, keys, vectors);
    }

    /// <summary>Eigenvalues only (ascending).</summary>
    public static double[] Eigenvalues(ReadOnlySpan<double> matrix, int n) => Decompose(matrix, n, computeVectors: false).ValuesToArray();

    /// <summary>
    /// Householder reduction working on the lower triangle only (half the memory traffic of a full update). On
    /// return d (diagonal) and e (e[i] couples i and i+1; e[n−1] = 0) hold T, vs[k] holds the Householder vector
    /// v_k (for indices k+1..n−1, or null when no reflection was needed) and beta[k] = 2 / (v_kᵀ v_k), with
    /// H_k = I − beta_k v_k v_kᵀ and Q = H_0 H_1 ⋯ H_{n−3}.
    /// </summary>
    private static void Tridiagonalize(double[] a, int n, double[] d, double[] e, double[] beta, double[]?[] vs)
    {
        var p = new double[n];
        for (var k = 0; k < n - 1; k++)
        {
            var m = n - k - 1; // length of the sub-column below the diagonal
            d[k] = a[k * n + k];
            var v = new double[m];
            for (var i = 0; i < m; i++) v[i] = a[(k + 1 + i) * n + k]; // column k below the diagonal
            double sigma = 0;
            for (var i = 1; i < m; i++) sigma += v[i] * v[i];
            if (m == 1 || sigma == 0)
            {
                e[k] = v[0];
                beta[k] = 0;
                continue;
            }
            var x0 = v[0];
            var norm = Math.Sqrt(x0 * x0 + sigma);
            var alpha = x0 <= 0 ? norm : -norm; // H x = alpha e_1, sign chosen to avoid cancellation in v0
            v[0] = x0 - alpha;
            var b = 2.0 / (v[0] * v[0] + sigma);
            e[k] = alpha;
            beta[k] = b;
            vs[k] = v;

            // p = b · A22 v from the lower triangle of A22 = a[k+1.., k+1..]: row i contributes
            // its lower part to p_i (dot) and its strictly lower part to p_0..p_{i−1} (axpy).
            var ps = p.AsSpan(0, m);
            ps.Clear();
            for (var i = 0; i < m; i++)
            {
                var row = a.AsSpan((k + 1 + i) * n + k + 1, i + 1);
                ps[i] += DenseKernels.Dot(row, v.AsSpan(0, i + 1));
                if (i > 0) DenseKernels.Axpy(v[i], row[..i], ps[..i]);
            }
            for (var i = 0; i < m; i++) ps[i] *= b;
            var kappa = 0.5 * b * DenseKernels.Dot(v, ps);
            var w = new double[m];
            for (var i = 0; i < m; i++) w[i] = p[i] - kappa * v[i];
            // Lower triangle of A22 −= v wᵀ + w vᵀ, row by row.
            var aRef = a;
            var k1 = k + 1;
            ForRows(m, i => DenseKernels.Rank2Row(v[i], w, w[i], v, aRef.AsSpan((k1 + i) * n + k1, i + 1)));
        }
        d[n - 1] = a[(n - 1) * n + n - 1];
        e[n - 1] = 0;
    }

    /// <summary>Forms Qᵀ (row-major) by backward accumulation of the Householder reflections.</summary>
    private static double[] AccumulateTransposedQ(double[]?[] vs, int n, double[] beta)
    {
        var q = new double[n * n];
        for (var i = 0; i < n; i++) q[i * n + i] = 1;
        for (var k = n - 3; k >= 0; k--)
        {
            var b = beta[k];
            if (b == 0 || vs[k] is not { } v) continue;
            var m = n - k - 1;
            // u = vᵀ Q_sub (Q_sub = q[k+1.., k+1..]), computed in column blocks so that each thread owns its columns.
            var u = new double[m];
            const int block = 256;
            var blocks = (m + block - 1) / block;
            var qRef = q;
            ForRows(blocks, bi =>
            {
                var c0 = bi * block;
                var len = Math.Min(block, m - c0);
                var us = u.AsSpan(c0, len);
                for (var i = 0; i < m; i++)
                    if (v[i] != 0) DenseKernels.Axpy(v[i], qRef.AsSpan((k + 1 + i) * n + k + 1 + c0, len), us);
            }, m);
            // Q_sub -= b v uᵀ
            ForRows(m, i => DenseKernels.Axpy(-b * v[i], u, qRef.AsSpan((k + 1 + i) * n + k + 1, m)));
        }
        // Transpose in place so that eigenvector rotations act on contiguous rows.
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                (q[i * n + j], q[j * n + i]) = (q[j * n + i], q[i * n + j]);
        return q;
    }

    /// <summary>Implicit QL with shifts on the tridiagonal (d, e); rotations applied to rows of <paramref name="zt"/> when given.</summary>
    private static void ImplicitQl(double[] d, double[] e, double[]? zt, int n)
    {
        for (var l = 0; l < n; l++)
        {
            var iterations = 0;
            while (true)
            {
                // Find the first negligible off-diagonal element at or after l.
                var m = l;
                for (; m < n - 1; m++)
                {
                    var dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= double.Epsilon || Math.Abs(e[m]) <= MachineEpsilon * dd) break;
                }
                if (m == l) break;
                if (++iterations > MaxIterationsPerEigenvalue)
                    throw new ArithmeticException($"The implicit QL iteration did not converge for eigenvalue {l} of {n} after {MaxIterationsPerEigenvalue} iterations.");

                // Shift from the leading 2×2 block (Wilkinson-type), expressed relative to d[m].
                var g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                var r = Hypot(g, 1.0);
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
                double s = 1, c = 1, p = 0;
                var deflatedEarly = false;
                for (var i = m - 1; i >= l; i--)
                {
                    var f = s * e[i];
                    var b = c * e[i];
                    r = Hypot(f, g);
                    e[i + 1] = r;
                    if (r == 0)
                    {
                        // Underflow: the matrix split; restart the search.
                        d[i + 1] -= p;
                        e[m] = 0;
                        deflatedEarly = true;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2.0 * c * b;
                    p = s * r;
                    d[i + 1] = g + p;
                    g = c * r - b;
                    if (zt is not null)
                        DenseKernels.Rotate(zt.AsSpan(i * n, n), zt.AsSpan((i + 1) * n, n), c, s);
                }
                if (deflatedEarly) continue;
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            }
        }
    }

    private static double Hypot(double a, double b)
    {
        a = Math.Abs(a);
        b = Math.Abs(b);
        if (a < b) (a, b) = (b, a);
        if (a == 0) return 0;
        var t = b / a;
        return a * Math.Sqrt(1 + t * t);
    }

    /// <summary>Runs body(i) for i in [0, count): in parallel when the per-row work (<paramref name="width"/>) is large.</summary>
    internal static void ForRows(int count, Action<int> body, int width = -1)
    {
        var w = width < 0 ? count : width;
        if (w >= DenseKernels.ParallelThreshold && count > 1 && Environment.ProcessorCount > 1)
            Parallel.For(0, count, body);
        else
            for (var i = 0; i < count; i++) body(i);
    }
}

/// <summary>Result of <see cref="SymmetricEigen.Decompose"/>: A = Σ_j λ_j v_j v_jᵀ.</summary>
public sealed class SymmetricEigenResult
{
    private readonly double[] _values;
    private readonly double[]? _vectors;

    internal SymmetricEigenResult(int n, double[] values, double[]? vectors)
    {
        N = n;
        _values = values;
        _vectors = vectors;
    }

    /// <summary>Order n.</summary>
    public int N { get; }

    /// <summary>Eigenvalues λ_0 ≤ … ≤ λ_{n−1}.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>Whether eigenvectors were computed.</summary>
    public bool HasVectors => _vectors is not null;

    /// <summary>Eigenvectors as rows (row j = v_j, unit length, matching λ_j): Vᵀ, n×n row-major.</summary>
    /// <exception cref="InvalidOperationException">Vectors were not requested.</exception>
    public ReadOnlySpan<double> VectorRows => _vectors ?? throw new InvalidOperationException("Eigenvectors were not computed; call Decompose with computeVectors: true.");

    /// <summary>Copy of the eigenvalues.</summary>
    public double[] ValuesToArray() => (double[])_values.Clone();
}
