namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// The LDL artifact map of Liang, Zeng and Zhang, "Details or Artifacts: A Locally Discriminative Learning Approach
/// to Realistic Image Super-Resolution", CVPR 2022 (Sec. 3.2, Eqs. 3–6; the SAM-DiffSR paper uses it in Sec. 5.3,
/// Table 3 and Fig. 6). No network is involved. For a ground truth GT and a super-resolved SR, both in [0, 1]:
/// <list type="number">
/// <item>residual R(p) = Σ_c |GT(p, c) − SR(p, c)| (one channel; LDL: basicsr/losses/LDL_loss.py);</item>
/// <item>patch-level weight w_patch = var(R)^(1/5), the unbiased variance (divisor H·W − 1) over all H·W values of R;</item>
/// <item>pixel-level weight w_pix(p) = unbiased variance (divisor k² − 1) of R over the k×k window centred at p,
/// k = 7, on R padded by (k−1)/2 with reflect padding (PyTorch <c>F.pad(mode='reflect')</c>: the edge sample is
/// not repeated, index −1 maps to 1);</item>
/// <item>map M(p) = w_patch · w_pix(p).</item>
/// </list>
/// LDL's training-time refinement (M = 0 where the EMA generator's residual is larger) needs an EMA model and is not
/// part of this evaluation map.
/// <para><b>Score (our definition; the papers do not state one).</b> The per-image artifact score is
/// <c>100 · mean_p M(p)</c> over the image's H·W pixels, with images in [0, 1] and k = 7; the per-set score is the
/// unweighted mean of the per-image scores (<see cref="SetScore"/>). The factor 100 (<see cref="ScoreScale"/>)
/// only brings typical values to the magnitude of SAM-DiffSR Table 3 (0.1–9); that Table 3 used exactly this
/// definition is NOT known (docs/official-code.md §LDL artifact map). The definition is fixed: do not compare scores made with other choices.</para>
/// </summary>
public static class LdlArtifactMap
{
    /// <summary>Window size k of the pixel-level variance used by every LDL model (7).</summary>
    public const int DefaultWindow = 7;

    /// <summary>Factor applied to mean(M) to form the artifact score (100; see the class remarks).</summary>
    public const double ScoreScale = 100.0;

    /// <summary>Computes R, w_patch, w_pix and M for one GT/SR pair of equal shape, images in [0, 1].</summary>
    /// <param name="groundTruth">GT, H×W×C, [0, 1].</param>
    /// <param name="superResolved">SR, same shape as GT, [0, 1].</param>
    /// <param name="window">Odd window size k ≥ 3 (default 7); needs H, W &gt; (k−1)/2 for reflect padding.</param>
    public static ArtifactMapResult Compute(PerceptualImage groundTruth, PerceptualImage superResolved, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(superResolved);
        if (groundTruth.Height != superResolved.Height || groundTruth.Width != superResolved.Width || groundTruth.Channels != superResolved.Channels)
            throw new ArgumentException(
                $"GT is {groundTruth.Height}×{groundTruth.Width}×{groundTruth.Channels} but SR is {superResolved.Height}×{superResolved.Width}×{superResolved.Channels}; the artifact map needs equal shapes (crop or resize SR first).");
        return Compute(groundTruth.Data, superResolved.Data, groundTruth.Height, groundTruth.Width, groundTruth.Channels, window);
    }

    /// <summary>Computes the map from raw interleaved H×W×C samples in [0, 1].</summary>
    public static ArtifactMapResult Compute(ReadOnlySpan<float> groundTruth, ReadOnlySpan<float> superResolved, int height, int width, int channels, int window = DefaultWindow)
    {
        CheckShape(groundTruth.Length, superResolved.Length, height, width, channels, window);
        var r = new double[height * width];
        for (var i = 0; i < r.Length; i++)
        {
            double s = 0;
            for (var c = 0; c < channels; c++)
                s += Math.Abs((double)groundTruth[i * channels + c] - superResolved[i * channels + c]);
            r[i] = s;
        }
        return FromResidual(r, height, width, window);
    }

    /// <summary>Computes the map from raw interleaved H×W×C double samples in [0, 1].</summary>
    public static ArtifactMapResult Compute(ReadOnlySpan<double> groundTruth, ReadOnlySpan<double> superResolved, int height, int width, int channels, int window = DefaultWindow)
    {
        CheckShape(groundTruth.Length, superResolved.Length, height, width, channels, window);
        var r = new double[height * width];
        for (var i = 0; i < r.Length; i++)
        {
            double s = 0;
            for (var c = 0; c < channels; c++)
                s += Math.Abs(groundTruth[i * channels + c] - superResolved[i * channels + c]);
            r[i] = s;
        }
        return FromResidual(r, height, width, window);
    }

    /// <summary>Computes w_patch, w_pix and M from a given residual map R (H×W, row-major).</summary>
    public static ArtifactMapResult FromResidual(double[] residual, int height, int width, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(residual);
        CheckShape(residual.Length, residual.Length, height, width, 1, window);
        var patch = Math.Pow(UnbiasedVariance(residual), 0.2);
        var pix = LocalVariance(residual, height, width, window);
        var map = new double[pix.Length];
        double sum = 0;
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = patch * pix[i];
            sum += map[i];
        }
        return new ArtifactMapResult(height, width, window, (double[])residual.Clone(), patch, pix, map, ScoreScale * sum / map.Length);
    }

    /// <summary>The artifact score of one pair: 100 · mean(M) (see the class remarks).</summary>
    public static double Score(PerceptualImage groundTruth, PerceptualImage superResolved) => Compute(groundTruth, superResolved).Score;

    /// <summary>The per-set artifact score: the unweighted mean of per-image scores (each image counts once, whatever its size).</summary>
    /// <exception cref="ArgumentException">No scores.</exception>
    public static double SetScore(IEnumerable<double> perImageScores)
    {
        ArgumentNullException.ThrowIfNull(perImageScores);
        double s = 0;
        var n = 0;
        foreach (var v in perImageScores) { s += v; n++; }
        if (n == 0) throw new ArgumentException("The set score needs at least one per-image score.", nameof(perImageScores));
        return s / n;
    }

    /// <summary>Unbiased (divisor n − 1) variance of all values, two-pass; 0 for fewer than two values.</summary>
    public static double UnbiasedVariance(ReadOnlySpan<double> values)
    {
        if (values.Length < 2) return 0;
        double mean = 0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        double ss = 0;
        foreach (var v in values) { var d = v - mean; ss += d * d; }
        return ss / (values.Length - 1);
    }

    /// <summary>
    /// PyTorch 'reflect' padding index map: for i in [−pad, n + pad) returns the source index in [0, n), reflecting
    /// about the edge samples without repeating them (−1 → 1, n → n − 2). Needs pad &lt; n.
    /// </summary>
    public static int ReflectIndex(int i, int n)
    {
        if (i < 0) return -i;
        if (i >= n) return 2 * (n - 1) - i;
        return i;
    }

    /// <summary>
    /// Unbiased variance of the k×k window centred at every pixel of an H×W plane with reflect padding (k−1)/2
    /// (LDL <c>get_local_weights</c>). Two-pass per window (49 taps for k = 7), O(k²·H·W), exact in doubles.
    /// </summary>
    public static double[] LocalVariance(double[] plane, int height, int width, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(plane);
        CheckShape(plane.Length, plane.Length, height, width, 1, window);
        var pad = (window - 1) / 2;
        // Build the padded plane once: (H + 2p) × (W + 2p).
        var ph = height + 2 * pad;
        var pw = width + 2 * pad;
        var padded = new double[ph * pw];
        for (var y = 0; y < ph; y++)
        {
            var sy = ReflectIndex(y - pad, height);
            for (var x = 0; x < pw; x++) padded[y * pw + x] = plane[sy * width + ReflectIndex(x - pad, width)];
        }
        var n = window * window;
        var result = new double[height * width];
        Parallel.For(0, height, y =>
        {
            for (var x = 0; x < width; x++)
            {
                double s = 0;
                for (var dy = 0; dy < window; dy++)
                {
                    var row = (y + dy) * pw + x;
                    for (var dx = 0; dx < window; dx++) s += padded[row + dx];
                }
                var mean = s / n;
                double ss = 0;
                for (var dy = 0; dy < window; dy++)
                {
                    var row = (y + dy) * pw + x;
                    for (var dx = 0; dx < window; dx++) { var d = padded[row + dx] - mean; ss += d * d; }
                }
                result[y * width + x] = ss / (n - 1);
            }
        });
        return result;
    }

    private static void CheckShape(int lenA, int lenB, int height, int width, int channels, int window)
    {
        if (height <= 0 || width <= 0 || channels <= 0)
            throw new ArgumentException($"Dimensions must be positive; got H={height}, W={width}, C={channels}.");
        if (lenA != (long)height * width * channels || lenB != lenA)
            throw new ArgumentException($"GT has {lenA} and SR has {lenB} samples; both must hold H×W×C = {height}×{width}×{channels}.");
        if (window < 3 || window % 2 == 0)
            throw new ArgumentException($"The window size must be odd and at least 3; got {window}.", nameof(window));
        var pad = (window - 1) / 2;
        if (height <= pad || width <= pad)
            throw new ArgumentException($"Reflect padding of {pad} needs H and W greater than {pad}; got {height}×{width}.");
    }
}
