namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// The LDL artifact map of one GT/SR pair (<see cref="LdlArtifactMap"/>): residual R, patch weight w_patch,
/// pixel weights w_pix, map M = w_patch · w_pix (all H×W row-major doubles) and the score 100 · mean(M).
/// </summary>
public sealed class ArtifactMapResult
{
    private readonly double[] _residual;
    private readonly double[] _pixelWeight;
    private readonly double[] _map;

    internal ArtifactMapResult(int height, int width, int window, double[] residual, double patchWeight, double[] pixelWeight, double[] map, double score)
    {
        Height = height;
        Width = width;
        Window = window;
        _residual = residual;
        PatchWeight = patchWeight;
        _pixelWeight = pixelWeight;
        _map = map;
        Score = score;
    }

    /// <summary>Map height H.</summary>
    public int Height { get; }

    /// <summary>Map width W.</summary>
    public int Width { get; }

    /// <summary>Window size k used for w_pix.</summary>
    public int Window { get; }

    /// <summary>R(p) = Σ_c |GT − SR|, H×W, in [0, C].</summary>
    public ReadOnlySpan<double> Residual => _residual;

    /// <summary>w_patch = var(R)^(1/5) (unbiased variance over all H·W values).</summary>
    public double PatchWeight { get; }

    /// <summary>w_pix(p): unbiased variance of R in the k×k reflect-padded window at p, H×W.</summary>
    public ReadOnlySpan<double> PixelWeight => _pixelWeight;

    /// <summary>M(p) = w_patch · w_pix(p), H×W.</summary>
    public ReadOnlySpan<double> Map => _map;

    /// <summary>Mean of M over the H·W pixels.</summary>
    public double MeanMap => Score / LdlArtifactMap.ScoreScale;

    /// <summary>The per-image artifact score, 100 · mean(M) (definition in <see cref="LdlArtifactMap"/>).</summary>
    public double Score { get; }

    /// <summary>Largest value of M.</summary>
    public double MaxMap
    {
        get
        {
            var m = 0.0;
            foreach (var v in _map) m = Math.Max(m, v);
            return m;
        }
    }

    /// <summary>A copy of M as a new array.</summary>
    public double[] MapToArray() => (double[])_map.Clone();

    /// <summary>
    /// Renders M as an 8-bit grayscale image (H×W bytes, row-major; bright = artifact). Rule:
    /// g(p) = round(255 · min(M(p) / ceiling, 1)), half away from zero, with ceiling = <paramref name="ceiling"/>
    /// when given (use one fixed ceiling to compare methods side by side, as in SAM-DiffSR Fig. 6) and otherwise the
    /// map's own maximum (per-image normalisation). An all-zero map renders black.
    /// </summary>
    /// <param name="ceiling">The value of M that maps to 255; must be positive when given.</param>
    public byte[] RenderGray8(double? ceiling = null) => RenderGray8(_map, ceiling);

    /// <summary>Renders any non-negative H×W map with the rule of <see cref="RenderGray8(double?)"/>.</summary>
    public static byte[] RenderGray8(ReadOnlySpan<double> map, double? ceiling = null)
    {
        if (ceiling is { } c && !(c > 0 && double.IsFinite(c)))
            throw new ArgumentException($"The render ceiling must be positive and finite; got {c}.", nameof(ceiling));
        var top = ceiling ?? 0.0;
        if (ceiling is null)
            foreach (var v in map) top = Math.Max(top, v);
        var g = new byte[map.Length];
        if (top <= 0) return g;
        for (var i = 0; i < g.Length; i++)
        {
            var t = Math.Clamp(map[i] / top, 0.0, 1.0);
            g[i] = (byte)Math.Round(255.0 * t, MidpointRounding.AwayFromZero);
        }
        return g;
    }
}
