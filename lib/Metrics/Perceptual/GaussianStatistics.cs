using TorchSharp;
using SamDiffSR.Runtime;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Feature statistics (μ, Σ) of one image set for the Fréchet distance: μ = sample mean of the N feature rows,
/// Σ = unbiased sample covariance (divisor N − 1), as numpy's <c>np.mean(f, 0)</c> and <c>np.cov(f, rowvar=False)</c>
/// used by pytorch-fid, clean-fid and pyiqa. With N ≤ D the covariance has rank ≤ N − 1 &lt; D (e.g. Set5: 5 images
/// against 2048 Inception dimensions); <see cref="Warning"/> then says so and the FID is not comparable to
/// large-sample FID values.
/// </summary>
public sealed class GaussianStatistics
{
    private readonly double[] _mean;
    private readonly double[] _covariance;

    /// <summary>Wraps given statistics (copied). Count is the number of samples they came from (0 when unknown).</summary>
    /// <param name="mean">μ, length D.</param>
    /// <param name="covariance">Σ, D×D row-major, symmetric positive semi-definite.</param>
    /// <param name="count">Sample count N behind the estimate, or 0 when unknown.</param>
    public GaussianStatistics(double[] mean, double[] covariance, int count = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        if (mean.Length == 0) throw new ArgumentException("The mean vector is empty.", nameof(mean));
        if (covariance.Length != (long)mean.Length * mean.Length)
            throw new ArgumentException($"The covariance has {covariance.Length} entries; a mean of length {mean.Length} needs {mean.Length}×{mean.Length}.", nameof(covariance));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        _mean = (double[])mean.Clone();
        _covariance = (double[])covariance.Clone();
        Count = count;
    }

    /// <summary>Feature dimension D.</summary>
    public int Dimension => _mean.Length;

    /// <summary>Sample count N (0 when the statistics were given directly).</summary>
    public int Count { get; }

    /// <summary>μ (length D).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>Σ (D×D, row-major).</summary>
    public ReadOnlySpan<double> Covariance => _covariance;

    /// <summary>True when 0 &lt; N ≤ D, i.e. Σ cannot have full rank.</summary>
    public bool IsRankDeficient => Count > 0 && Count <= Dimension;

    /// <summary>A warning for rank-deficient covariances, or null.</summary>
    public string? Warning => IsRankDeficient
        ? $"Only {Count} feature vectors for {Dimension} dimensions: the covariance has rank at most {Count - 1} < {Dimension}, so this FID is not comparable to FID values from large sets (pyiqa reports such numbers for Set5/Set14 all the same)."
        : null;

    /// <summary>Statistics of an N×D float feature matrix (row-major, one row per image).</summary>
    public static GaussianStatistics FromFeatures(ReadOnlySpan<float> features, int count, int dimension)
    {
        var d = new double[features.Length];
        for (var i = 0; i < d.Length; i++) d[i] = features[i];
        return FromFeatures(d, count, dimension);
    }

    /// <summary>Statistics of an N×D double feature matrix (row-major, one row per image); N ≥ 2.</summary>
    /// <exception cref="ArgumentException">Wrong length, N &lt; 2 (no unbiased covariance) or non-finite features.</exception>
    public static GaussianStatistics FromFeatures(double[] features, int count, int dimension)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (dimension < 1) throw new ArgumentException($"Feature dimension must be positive; got {dimension}.", nameof(dimension));
        if (count < 2) throw new ArgumentException($"An unbiased covariance needs at least 2 feature vectors; got {count}.", nameof(count));
        if (features.Length != (long)count * dimension)
            throw new ArgumentException($"Feature matrix has {features.Length} values; N×D = {count}×{dimension} needs {(long)count * dimension}.", nameof(features));
        for (var i = 0; i < features.Length; i++)
            if (!double.IsFinite(features[i]))
                throw new ArgumentException($"Feature value {i} (row {i / dimension}) is {features[i]}; features must be finite.", nameof(features));

        // float64 throughout: μ = mean of the rows, Σ = Xcᵀ Xc / (N − 1) with Xc the centred rows, then (Σ + Σᵀ)/2 so
        // that Σ is exactly symmetric.
        double[] mean, cov;
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(features, [count, dimension], torch.ScalarType.Float64);
            var mu = x.mean([0L]);
            var xc = x - mu;
            var c = torch.matmul(xc.t(), xc).Div(count - 1.0);
            c = (c + c.t()).Mul(0.5);
            mean = mu.data<double>().ToArray();
            cov = c.contiguous().data<double>().ToArray();
        }
        return new GaussianStatistics(mean, cov, count);
    }
}
