namespace SamDiffSR.Metrics.Perceptual;

/// <summary>Blocked dense products and a pivoted Cholesky factor, row-major doubles (helpers of <see cref="FrechetDistance"/>).</summary>
internal static class DenseMatrix
{
    private const int RowTile = 48;
    private const int DepthTile = 256;

    /// <summary>
    /// C = A Bᵀ for A (m×k) and B (p×k), both row-major, so every entry is a dot product of two contiguous rows.
    /// Tiled (48 rows of A × 48 rows of B × 256 columns) so that tiles stay in cache; row tiles of A run in parallel.
    /// Each C entry is accumulated over the depth tiles in a fixed order (reproducible).
    /// </summary>
    public static double[] MultiplyTransposed(double[] a, int m, double[] b, int p, int k)
    {
        var c = new double[m * p];
        var tiles = (m + RowTile - 1) / RowTile;
        SymmetricEigen.ForRows(tiles, ti =>
        {
            var i0 = ti * RowTile;
            var i1 = Math.Min(m, i0 + RowTile);
            for (var j0 = 0; j0 < p; j0 += RowTile)
            {
                var j1 = Math.Min(p, j0 + RowTile);
                for (var d0 = 0; d0 < k; d0 += DepthTile)
                {
                    var len = Math.Min(DepthTile, k - d0);
                    for (var i = i0; i < i1; i++)
                    {
                        var ai = a.AsSpan(i * k + d0, len);
                        var crow = i * p;
                        for (var j = j0; j < j1; j++) c[crow + j] += DenseKernels.Dot(ai, b.AsSpan(j * k + d0, len));
                    }
                }
            }
        }, (long)m * p * k >= 1L << 20 ? int.MaxValue : 0);
        return c;
    }

    /// <summary>
    /// Left-looking Cholesky factorisation with diagonal pivoting of a symmetric positive semi-definite n×n matrix,
    /// stopped at numerical rank (largest remaining diagonal ≤ n·ε_mach·max diagonal, the LAPACK dpstrf default):
    /// returns the rows of Fᵀ (r×n, row l = column l of F) with A ≈ F Fᵀ. Pivoting makes it rank revealing (Higham,
    /// Accuracy and Stability of Numerical Algorithms, 2nd ed., §10.3); cost O(n r²).
    /// Negative remaining diagonals (not PSD) end the factorisation like a zero pivot and are counted.
    /// </summary>
    public static double[] PivotedCholeskyRows(ReadOnlySpan<double> matrix, int n, out int rank, out int negativePivots)
    {
        var a = matrix.ToArray();
        var diag = new double[n];
        double maxDiag = 0;
        for (var i = 0; i < n; i++) { diag[i] = a[i * n + i]; maxDiag = Math.Max(maxDiag, diag[i]); }
        var tol = n * SymmetricEigen.MachineEpsilon * maxDiag;
        var used = new bool[n];
        var rows = new List<double[]>();
        negativePivots = 0;
        for (var step = 0; step < n; step++)
        {
            var j = -1;
            var best = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
                if (!used[i] && diag[i] > best) { best = diag[i]; j = i; }
            if (j < 0 || best <= tol)
            {
                for (var i = 0; i < n; i++) if (!used[i] && diag[i] < -tol) negativePivots++;
                break;
            }
            // f = A[j, :] − Σ_l F[l, j] F[l, :], then f / √pivot on the unused indices, 0 on used ones.
            var f = a.AsSpan(j * n, n).ToArray();
            foreach (var row in rows)
                if (row[j] != 0) DenseKernels.Axpy(-row[j], row, f);
            var piv = Math.Sqrt(best);
            for (var i = 0; i < n; i++) f[i] = used[i] ? 0 : f[i] / piv;
            f[j] = piv;
            used[j] = true;
            for (var i = 0; i < n; i++) if (!used[i]) diag[i] -= f[i] * f[i];
            rows.Add(f);
        }
        rank = rows.Count;
        var result = new double[rank * n];
        for (var l = 0; l < rank; l++) Array.Copy(rows[l], 0, result, l * n, n);
        return result;
    }
}
