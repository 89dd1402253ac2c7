using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Eigen-decomposition A = V Λ Vᵀ of a real symmetric n×n matrix in float64 by <c>torch.linalg.eigh</c> /
/// <c>torch.linalg.eigvalsh</c> (LAPACK's syevd on the CPU), on row-major double arrays. The input is symmetrised
/// as (A + Aᵀ)/2 first; every tensor lives in a dispose scope.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Machine epsilon of double, 2⁻⁵² (the gap between 1 and the next double).</summary>
    internal const double MachineEpsilon = 2.220446049250313E-16;

    /// <summary>Eigenvalues (ascending) and, when <paramref name="computeVectors"/>, orthonormal eigenvectors.</summary>
    /// <param name="matrix">A, n×n row-major, symmetric (symmetrised internally), finite.</param>
    /// <param name="n">Order n ≥ 1.</param>
    /// <param name="computeVectors">Whether to form V.</param>
    /// <exception cref="ArgumentException">Wrong length or a non-finite entry.</exception>
    public static SymmetricEigenResult Decompose(ReadOnlySpan<double> matrix, int n, bool computeVectors = true)
    {
        Validate(matrix, n, nameof(matrix));
        using var scope = NewDisposeScope();
        var a = Symmetrized(matrix, n);
        if (!computeVectors) return new SymmetricEigenResult(n, linalg.eigvalsh(a).data<double>().ToArray(), null);
        var (values, vectors) = linalg.eigh(a);
        // eigh returns eigenvectors as columns; the result keeps them as rows (Vᵀ).
        return new SymmetricEigenResult(n, values.data<double>().ToArray(), vectors.t().contiguous().data<double>().ToArray());
    }

    /// <summary>Eigenvalues only (ascending).</summary>
    public static double[] Eigenvalues(ReadOnlySpan<double> matrix, int n) => Decompose(matrix, n, computeVectors: false).ValuesToArray();

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="matrix"/> is a finite n×n matrix.</summary>
    internal static void Validate(ReadOnlySpan<double> matrix, int n, string name)
    {
        if (n < 1) throw new ArgumentException($"Matrix order must be at least 1; got {n}.", nameof(n));
        if (matrix.Length != (long)n * n)
            throw new ArgumentException($"Matrix has {matrix.Length} entries; an {n}×{n} matrix needs {(long)n * n}.", name);
        for (var i = 0; i < matrix.Length; i++)
            if (!double.IsFinite(matrix[i]))
                throw new ArgumentException($"Matrix entry ({i / n}, {i % n}) is {matrix[i]}; the eigen solver needs finite values.", name);
    }

    /// <summary>(A + Aᵀ)/2 as an n×n float64 tensor (caller's dispose scope).</summary>
    internal static Tensor Symmetrized(ReadOnlySpan<double> matrix, int n)
    {
        var a = tensor(matrix.ToArray(), [n, n], ScalarType.Float64);
        return (a + a.t()).Mul(0.5);
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
