namespace SamDiffSR.Metrics.Perceptual;

/// <summary>When the Fréchet distance adds ε·I to both covariances inside the square-root term.</summary>
public enum SingularOffsetMode
{
    /// <summary>pytorch-fid / clean-fid / pyiqa rule: only when the first attempt gives a non-finite result. With the
    /// eigen-based method below that happens only for overflow, so in practice no offset is added (default).</summary>
    IfNonFinite,

    /// <summary>Always use (Σ1 + εI)(Σ2 + εI) inside tr((·)^{1/2}); the traces tr Σ1 + tr Σ2 stay un-offset, as in pytorch-fid's fallback.</summary>
    Always,

    /// <summary>Never add an offset.</summary>
    Never,
}

/// <summary>How Σ1 is factored as F Fᵀ before the symmetric eigenvalue problem for tr((Σ1 Σ2)^{1/2}).</summary>
public enum CovarianceFactorization
{
    /// <summary>Rank-revealing pivoted Cholesky, F n×r with r = numerical rank: O(n r²), so fast for the small
    /// benchmark sets (r ≤ N − 1) and ≈ n³/3 at full rank (default).</summary>
    PivotedCholesky,

    /// <summary>Eigen-decomposition Σ1 = V Λ Vᵀ, F = V_r Λ_r^{1/2} (eigenvalues above n·ε_mach·max λ): O(n³) whatever the rank; slower, kept as a cross-check.</summary>
    Eigen,
}

/// <summary>Options of <see cref="FrechetDistance"/>.</summary>
/// <param name="Epsilon">ε of the diagonal offset (pytorch-fid and pyiqa use 1e-6).</param>
/// <param name="Offset">When to apply the offset.</param>
/// <param name="Factorization">How Σ1 is factored (both give the same value up to round-off).</param>
public sealed record FrechetOptions(double Epsilon = 1e-6, SingularOffsetMode Offset = SingularOffsetMode.IfNonFinite, CovarianceFactorization Factorization = CovarianceFactorization.PivotedCholesky)
{
    /// <summary>Defaults: ε = 1e-6, offset only if the plain computation is non-finite.</summary>
    public static FrechetOptions Default { get; } = new();
}

/// <summary>Result of a Fréchet distance d² = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr((Σ1 Σ2)^{1/2}).</summary>
/// <param name="Distance">d² (the FID when the statistics are Inception pool features). Not clamped: round-off can make it slightly negative for identical inputs.</param>
/// <param name="MeanTerm">|μ1 − μ2|².</param>
/// <param name="TraceSum">tr Σ1 + tr Σ2.</param>
/// <param name="TraceSqrtProduct">tr((Σ1 Σ2)^{1/2}), computed as tr((Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2}).</param>
/// <param name="OffsetApplied">Whether ε·I was added inside the square-root term.</param>
/// <param name="ClampedEigenvalues">Eigenvalues (of Σ1 and of Σ1^{1/2} Σ2 Σ1^{1/2}) below −tolerance that were clamped to 0: a sign that an input was not positive semi-definite.</param>
/// <param name="Warnings">Human-readable warnings (rank deficiency, clamping, offset); empty when none.</param>
public sealed record FrechetResult(double Distance, double MeanTerm, double TraceSum, double TraceSqrtProduct, bool OffsetApplied, int ClampedEigenvalues, IReadOnlyList<string> Warnings);

/// <summary>
/// The Fréchet distance between Gaussians N(μ1, Σ1) and N(μ2, Σ2) (Dowson and Landau 1982; used as FID by
/// Heusel et al., NeurIPS 2017):
/// d² = |μ1 − μ2|² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}).
/// <para><b>Matrix square root.</b> Σ1 Σ2 is not symmetric, but it has the same non-zero eigenvalues as the
/// symmetric positive semi-definite S = Σ1^{1/2} Σ2 Σ1^{1/2}, so tr((Σ1 Σ2)^{1/2}) = tr(S^{1/2}) = Σ_i √μ_i(S).
/// With any factor Σ1 = F Fᵀ (F n×r), S has the non-zero eigenvalues of the r×r symmetric matrix Fᵀ Σ2 F (both
/// equal those of Σ2 F Fᵀ), whose eigenvalues are found by <see cref="SymmetricEigen"/> (Householder + implicit QL).
/// F comes from a rank-revealing pivoted Cholesky (default) or from the eigen-decomposition of Σ1
/// (<see cref="CovarianceFactorization"/>); directions of Σ1 below n·ε_mach times its largest diagonal/eigenvalue
/// are treated as exactly zero (numerical rank), and eigenvalues of Fᵀ Σ2 F below n·ε_mach·max μ count as 0, so
/// round-off in a singular product does not turn into spurious √(noise) terms. Everything is in doubles; this
/// replaces scipy.linalg.sqrtm of pytorch-fid/clean-fid/pyiqa and agrees with it wherever sqrtm is accurate.</para>
/// <para><b>Offset.</b> pytorch-fid, clean-fid and pyiqa add ε·I (ε = 1e-6) to both covariances inside the square
/// root only when sqrtm returns non-finite values; <see cref="FrechetOptions.Offset"/> reproduces that rule, forces it,
/// or disables it.</para>
/// <para><b>Cost.</b> With r = rank(Σ1): factor O(n r²) (Cholesky) or O(n³) (eigen), Fᵀ Σ2 F O(n² r), eigenvalues
/// O(r³). Benchmark sets (N ≤ 109 images, D = 2048) have r ≤ N − 1 and take well under a second; a full-rank
/// D = 2048 pair takes seconds to tens of seconds on a CPU.</para>
/// </summary>
public static class FrechetDistance
{
    private const double MachineEpsilon = SymmetricEigen.MachineEpsilon;

    /// <summary>d² between two feature statistics; adds the rank-deficiency warnings of both.</summary>
    public static FrechetResult Compute(GaussianStatistics first, GaussianStatistics second, FrechetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Dimension != second.Dimension)
            throw new ArgumentException($"Feature dimensions differ: {first.Dimension} vs {second.Dimension}; both sets must come from the same feature network.");
        var r = Compute(first.Mean, first.Covariance, second.Mean, second.Covariance, first.Dimension, options);
        var warnings = new List<string>();
        if (first.Warning is { } w1) warnings.Add("first set: " + w1);
        if (second.Warning is { } w2) warnings.Add("second set: " + w2);
        warnings.AddRange(r.Warnings);
        return r with { Warnings = warnings };
    }

    /// <summary>d² from raw μ (length D) and Σ (D×D row-major) arrays.</summary>
    public static FrechetResult Compute(ReadOnlySpan<double> mu1, ReadOnlySpan<double> sigma1, ReadOnlySpan<double> mu2, ReadOnlySpan<double> sigma2, int dimension, FrechetOptions? options = null)
    {
        options ??= FrechetOptions.Default;
        var n = dimension;
        if (n < 1) throw new ArgumentException($"Dimension must be positive; got {n}.", nameof(dimension));
        if (mu1.Length != n || mu2.Length != n)
            throw new ArgumentException($"Mean vectors have lengths {mu1.Length} and {mu2.Length}; both must have length {n}.");
        if (sigma1.Length != (long)n * n || sigma2.Length != (long)n * n)
            throw new ArgumentException($"Covariances have {sigma1.Length} and {sigma2.Length} entries; both must be {n}×{n}.");
        if (!(options.Epsilon >= 0 && double.IsFinite(options.Epsilon)))
            throw new ArgumentException($"Epsilon must be finite and non-negative; got {options.Epsilon}.", nameof(options));

        double meanTerm = 0;
        for (var i = 0; i < n; i++) { var dm = mu1[i] - mu2[i]; meanTerm += dm * dm; }
        double traceSum = 0;
        for (var i = 0; i < n; i++) traceSum += sigma1[i * n + i] + sigma2[i * n + i];

        var warnings = new List<string>();
        var offset = options.Offset == SingularOffsetMode.Always;
        var trSqrt = TraceSqrtProduct(sigma1, sigma2, n, offset ? options.Epsilon : 0, out var clamped, options.Factorization);
        if (!double.IsFinite(trSqrt) && options.Offset == SingularOffsetMode.IfNonFinite)
        {
            offset = true;
            trSqrt = TraceSqrtProduct(sigma1, sigma2, n, options.Epsilon, out clamped, options.Factorization);
        }
        if (offset) warnings.Add($"added {options.Epsilon:g} to the diagonal of both covariances inside the square-root term");
        if (clamped > 0) warnings.Add($"{clamped} clearly negative eigenvalue(s) were clamped to 0: a covariance is not positive semi-definite");
        var distance = meanTerm + traceSum - 2.0 * trSqrt;
        return new FrechetResult(distance, meanTerm, traceSum, trSqrt, offset, clamped, warnings);
    }

    /// <summary>
    /// tr((Σ1 Σ2)^{1/2}) = Σ_i √μ_i(Σ1^{1/2} Σ2 Σ1^{1/2}) for symmetric positive semi-definite Σ1, Σ2 (D×D row-major),
    /// optionally with ε·I added to both first. <paramref name="clampedNegative"/> counts eigenvalues below
    /// −tolerance that were set to 0.
    /// </summary>
    public static double TraceSqrtProduct(ReadOnlySpan<double> sigma1, ReadOnlySpan<double> sigma2, int dimension, double epsilon, out int clampedNegative,
        CovarianceFactorization factorization = CovarianceFactorization.PivotedCholesky)
    {
        var n = dimension;
        var s1 = sigma1.ToArray();
        var s2 = sigma2.ToArray();
        if (epsilon != 0)
            for (var i = 0; i < n; i++) { s1[i * n + i] += epsilon; s2[i * n + i] += epsilon; }

        clampedNegative = 0;
        var rows = FactorRows(s1, n, factorization, out var r, ref clampedNegative);
        if (r == 0) return 0;
        // S' = Fᵀ Σ2 F (r × r): W = Fᵀ Σ2 = Fᵀ Σ2ᵀ (Σ2 symmetric), S' = W F = W (Fᵀ)ᵀ.
        var w = DenseMatrix.MultiplyTransposed(rows, r, s2, n, n);
        var sp = DenseMatrix.MultiplyTransposed(w, r, rows, r, n);
        for (var i = 0; i < r; i++)
            for (var j = i + 1; j < r; j++) sp[i * r + j] = sp[j * r + i] = 0.5 * (sp[i * r + j] + sp[j * r + i]);

        var mu = SymmetricEigen.Eigenvalues(sp, r);
        var tol2 = Tolerance(mu, r);
        double tr = 0;
        foreach (var m in mu)
        {
            if (m > tol2) tr += Math.Sqrt(m);
            else if (m < -tol2) clampedNegative++;
        }
        return tr;
    }

    /// <summary>
    /// Principal square root X = V diag(√max(λ, 0)) Vᵀ of a symmetric positive semi-definite D×D matrix (X² = A up to
    /// round-off; negative eigenvalues from round-off are clamped to 0).
    /// </summary>
    public static double[] MatrixSqrtPsd(ReadOnlySpan<double> matrix, int dimension)
    {
        var n = dimension;
        var eig = SymmetricEigen.Decompose(matrix, n, computeVectors: true);
        var v = eig.VectorRows.ToArray();
        var lam = eig.Values;
        // B = diag(λ^{1/4}) Vᵀ rows, X = Bᵀ B: X[i, j] = Σ_k v_k[i] √λ_k v_k[j].
        var x = new double[n * n];
        for (var k = 0; k < n; k++)
        {
            var s = Math.Sqrt(Math.Max(lam[k], 0));
            if (s == 0) continue;
            var vk = v.AsSpan(k * n, n);
            for (var i = 0; i < n; i++)
                if (vk[i] != 0) DenseKernels.Axpy(s * vk[i], vk, x.AsSpan(i * n, n));
        }
        return x;
    }

    /// <summary>Rows of Fᵀ (r×n) with Σ1 ≈ F Fᵀ.</summary>
    private static double[] FactorRows(double[] s1, int n, CovarianceFactorization factorization, out int rank, ref int clampedNegative)
    {
        if (factorization == CovarianceFactorization.PivotedCholesky)
        {
            var f = DenseMatrix.PivotedCholeskyRows(s1, n, out rank, out var negative);
            clampedNegative += negative;
            return f;
        }
        var eig = SymmetricEigen.Decompose(s1, n, computeVectors: true);
        var lambda = eig.Values;
        var tol = Tolerance(lambda, n);
        var vt = eig.VectorRows;
        var rowsList = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (lambda[i] > tol) rowsList.Add(i);
            else if (lambda[i] < -tol) clampedNegative++;
        }
        rank = rowsList.Count;
        var result = new double[rank * n];
        for (var a = 0; a < rank; a++)
        {
            var s = Math.Sqrt(lambda[rowsList[a]]);
            var src = vt.Slice(rowsList[a] * n, n);
            for (var j = 0; j < n; j++) result[a * n + j] = s * src[j];
        }
        return result;
    }

    /// <summary>Numerical-rank tolerance n · ε_mach · max|λ|.</summary>
    private static double Tolerance(ReadOnlySpan<double> values, int n)
    {
        double max = 0;
        foreach (var v in values) max = Math.Max(max, Math.Abs(v));
        return n * MachineEpsilon * max;
    }
}
