using TorchSharp;
using SamDiffSR.Runtime;

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

/// <summary>How tr((Σ1 Σ2)^{1/2}) is reduced to a symmetric eigenvalue problem (both use torch.linalg.eigh of Σ1).</summary>
public enum CovarianceFactorization
{
    /// <summary>Σ1 = F Fᵀ with F = V_r Λ_r^{1/2} (the r eigenpairs above the numerical-rank tolerance), then the
    /// eigenvalues of the r×r matrix Fᵀ Σ2 F: small for the rank-deficient benchmark sets (r ≤ N − 1) (default).</summary>
    Eigen,

    /// <summary>The principal root Σ1^{1/2} = V Λ₊^{1/2} Vᵀ, then the eigenvalues of the n×n matrix Σ1^{1/2} Σ2 Σ1^{1/2}
    /// whatever the rank; kept as a cross-check of <see cref="Eigen"/>.</summary>
    SquareRoot,
}

/// <summary>Options of <see cref="FrechetDistance"/>.</summary>
/// <param name="Epsilon">ε of the diagonal offset (pytorch-fid and pyiqa use 1e-6).</param>
/// <param name="Offset">When to apply the offset.</param>
/// <param name="Factorization">How Σ1 is factored (both give the same value up to round-off).</param>
public sealed record FrechetOptions(double Epsilon = 1e-6, SingularOffsetMode Offset = SingularOffsetMode.IfNonFinite, CovarianceFactorization Factorization = CovarianceFactorization.Eigen)
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
/// equal those of Σ2 F Fᵀ). F = V_r Λ_r^{1/2} comes from <c>torch.linalg.eigh</c> of Σ1 (or Σ1^{1/2} itself, see
/// <see cref="CovarianceFactorization"/>), and the eigenvalues of the symmetric product from
/// <c>torch.linalg.eigvalsh</c>, all in float64. Eigenvalues of Σ1 below n·ε_mach·max|λ| are treated as exactly zero
/// (numerical rank), and eigenvalues of the product below m·ε_mach·max|μ| (m its order) count as 0, so round-off in a
/// singular product does not turn into spurious √(noise) terms. This replaces scipy.linalg.sqrtm of
/// pytorch-fid/clean-fid/pyiqa and agrees with it wherever sqrtm is accurate.</para>
/// <para><b>Offset.</b> pytorch-fid, clean-fid and pyiqa add ε·I (ε = 1e-6) to both covariances inside the square
/// root only when sqrtm returns non-finite values; <see cref="FrechetOptions.Offset"/> reproduces that rule, forces it,
/// or disables it.</para>
/// <para><b>Cost.</b> One n×n eigen-decomposition of Σ1 (O(n³)), the product (O(n² r)) and an r×r (or n×n)
/// eigenvalue problem; see lib/Metrics/Perceptual/README.md for timings.</para>
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
    /// optionally with ε·I added to both first. <paramref name="clampedNegative"/> counts eigenvalues (of Σ1 and of
    /// the product) below −tolerance that were set to 0. Returns NaN when the product overflows.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong lengths or a non-finite entry.</exception>
    public static double TraceSqrtProduct(ReadOnlySpan<double> sigma1, ReadOnlySpan<double> sigma2, int dimension, double epsilon, out int clampedNegative,
        CovarianceFactorization factorization = CovarianceFactorization.Eigen)
    {
        var n = dimension;
        SymmetricEigen.Validate(sigma1, n, nameof(sigma1));
        SymmetricEigen.Validate(sigma2, n, nameof(sigma2));
        clampedNegative = 0;
        using var scope = torch.NewDisposeScope();
        var s1 = SymmetricEigen.Symmetrized(sigma1, n);
        var s2 = SymmetricEigen.Symmetrized(sigma2, n);
        if (epsilon != 0)
        {
            var offset = torch.eye(n, dtype: torch.ScalarType.Float64) * epsilon;
            s1 += offset;
            s2 += offset;
        }
        var (lambda, v) = torch.linalg.eigh(s1);
        var lam = lambda.data<double>().ToArray();
        var tol = Tolerance(lam, n);
        clampedNegative += lam.Count(l => l < -tol);
        // Ascending eigenvalues: the r kept ones (above the tolerance) are the last r.
        var r = lam.Count(l => l > tol);
        if (r == 0) return 0;
        torch.Tensor product;
        int order;
        if (factorization == CovarianceFactorization.Eigen)
        {
            var f = v.narrow(1, n - r, r) * lambda.narrow(0, n - r, r).sqrt(); // F = V_r Λ_r^{1/2}, n × r
            product = torch.matmul(torch.matmul(f.t(), s2), f);
            order = r;
        }
        else
        {
            var root = torch.matmul(v * torch.where(lambda > tol, lambda, 0.0).sqrt(), v.t()); // Σ1^{1/2}
            product = torch.matmul(torch.matmul(root, s2), root);
            order = n;
        }
        product = (product + product.t()).Mul(0.5);
        if (!torch.isfinite(product).all().item<bool>()) return double.NaN;
        var mu = torch.linalg.eigvalsh(product).data<double>().ToArray();
        var tol2 = Tolerance(mu, order);
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
    /// round-off; negative eigenvalues from round-off are clamped to 0), by <c>torch.linalg.eigh</c> in float64.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong length or a non-finite entry.</exception>
    public static double[] MatrixSqrtPsd(ReadOnlySpan<double> matrix, int dimension)
    {
        SymmetricEigen.Validate(matrix, dimension, nameof(matrix));
        using var scope = torch.NewDisposeScope();
        var (lambda, v) = torch.linalg.eigh(SymmetricEigen.Symmetrized(matrix, dimension));
        var x = torch.matmul(v * lambda.clamp_min(0).sqrt(), v.t());
        return x.contiguous().data<double>().ToArray();
    }

    /// <summary>Numerical-rank tolerance n · ε_mach · max|λ|.</summary>
    private static double Tolerance(ReadOnlySpan<double> values, int n)
    {
        double max = 0;
        foreach (var v in values) max = Math.Max(max, Math.Abs(v));
        return n * MachineEpsilon * max;
    }
}
