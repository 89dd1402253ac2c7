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
    /// Cholesky factorisation with diagonal pivoting of a symmetric positive semi-definite n×n matrix, stopped at
    /// numerical rank (largest remaining diagonal ≤ n·ε_mach·max diagonal, the LAPACK dpstrf default): returns the
    /// rows of Fᵀ (r×n, row l = column l of F) with A ≈ F Fᵀ. Pivoting makes it rank revealing (Higham, Accuracy
    /// and Stability of Numerical Algorithms, 2nd ed., §10.3); cost O(n r²). Blocked like dpstrf: within a block of
    /// 32 pivots each new column is formed left-looking from the block's earlier columns only, then the trailing
    /// matrix gets one rank-32 update, so the matrix is streamed through memory n/32 times instead of n times.
    /// Negative remaining diagonals (not PSD) end the factorisation like a zero pivot and are counted.
    /// </summary>
    public static double[] PivotedCholeskyRows(ReadOnlySpan<double> matrix, int n, out int rank, out int negativePivots)
    {
        const int block = 32;
        var a = matrix.ToArray(); // holds A minus the rank updates of all completed blocks
        var diag = new double[n];
        double maxDiag = 0;
        for (var i = 0; i < n; i++) { diag[i] = a[i * n + i]; maxDiag = Math.Max(maxDiag, diag[i]); }
        var tol = n * SymmetricEigen.MachineEpsilon * maxDiag;
        var used = new bool[n];
        var rows = new List<double[]>();
        negativePivots = 0;
        var done = false;
        while (!done && rows.Count < n)
        {
            var blockStart = rows.Count;
            while (rows.Count - blockStart < block && rows.Count < n)
            {
                var j = -1;
                var best = double.NegativeInfinity;
                for (var i = 0; i < n; i++)
                    if (!used[i] && diag[i] > best) { best = diag[i]; j = i; }
                if (j < 0 || best <= tol)
                {
                    for (var i = 0; i < n; i++) if (!used[i] && diag[i] < -tol) negativePivots++;
                    done = true;
                    break;
                }
                // f = (A − earlier blocks)[j, :] − Σ_{l in this block} F[l, j] F[l, :], then / √pivot on unused indices.
                var f = a.AsSpan(j * n, n).ToArray();
                for (var l = blockStart; l < rows.Count; l++)
                    if (rows[l][j] != 0) DenseKernels.Axpy(-rows[l][j], rows[l], f);
                var piv = Math.Sqrt(best);
                for (var i = 0; i < n; i++) f[i] = used[i] ? 0 : f[i] / piv;
                f[j] = piv;
                used[j] = true;
                for (var i = 0; i < n; i++) if (!used[i]) diag[i] -= f[i] * f[i];
                rows.Add(f);
            }
            // Trailing update with this block: A[i, :] −= Σ_l F[l, i] F[l, :] for the rows still unused.
            var blk = rows.GetRange(blockStart, rows.Count - blockStart);
            if (blk.Count > 0 && !done)
            {
                var usedSnapshot = (bool[])used.Clone();
                var aRef = a;
                SymmetricEigen.ForRows(n, i =>
                {
                    if (usedSnapshot[i]) return;
                    var row = aRef.AsSpan(i * n, n);
                    foreach (var fl in blk)
                        if (fl[i] != 0) DenseKernels.Axpy(-fl[i], fl, row);
                }, n);
            }
        }
        rank = rows.Count;
        var result = new double[rank * n];
        for (var l = 0; l < rank; l++) Array.Copy(rows[l], 0, result, l * n, n);
        return result;
    }
}
