namespace SamDiffSR.Schedules;

/// <summary>
/// The β_t sequences (paper eq. 1 and 7), computed in float64 exactly the way the official SRDiff / SAM-DiffSR code
/// does it (docs/official-code.md §Diffusion schedule), so that the derived buffers match the released checkpoint bit for bit after the
/// float32 cast. Index convention everywhere in this project: code index i = 0..T-1 is the paper's step t = i + 1.
/// </summary>
public static class BetaSchedule
{
    /// <summary>Default offset s of the cosine schedule (Nichol &amp; Dhariwal 2021, and the official config's beta_s).</summary>
    public const double DefaultCosineOffset = 0.008;

    /// <summary>Upper clip of the cosine betas (Nichol &amp; Dhariwal 2021; the official code clips to [0, 0.999]).</summary>
    public const double DefaultMaxBeta = 0.999;

    /// <summary>First β of the linear schedule (Ho et al. 2020).</summary>
    public const double DefaultLinearStart = 1e-4;

    /// <summary>Last β of the linear schedule (Ho et al. 2020; the official config's beta_end).</summary>
    public const double DefaultLinearEnd = 0.02;

    /// <summary>
    /// Cosine schedule: f(u) = cos²(((u + s)/(1 + s))·π/2) with u = i/T for i = 0..T, ᾱ_i = f(u_i)/f(0),
    /// β_i = clip(1 − ᾱ_i/ᾱ_{i−1}, 0, <paramref name="maxBeta"/>) for i = 1..T.
    /// Like the official code, u_i is built as linspace(0, T+1, T+1)/(T+1) (equal to i/T in exact arithmetic; the
    /// same floating-point construction keeps the last bits identical).
    /// </summary>
    /// <param name="timesteps">T ≥ 1.</param>
    /// <param name="s">Offset s (default 0.008).</param>
    /// <param name="maxBeta">Upper clip for β (default 0.999; the last cosine β is always clipped for T = 100).</param>
    /// <returns>β indexed by code step 0..T−1 (paper t = index + 1).</returns>
    public static double[] Cosine(int timesteps, double s = DefaultCosineOffset, double maxBeta = DefaultMaxBeta)
    {
        ValidateT(timesteps);
        if (!(s >= 0)) throw new ArgumentOutOfRangeException(nameof(s), s, "cosine offset s must be >= 0 (paper: 0.008)");
        if (!(maxBeta > 0 && maxBeta < 1)) throw new ArgumentOutOfRangeException(nameof(maxBeta), maxBeta, "maxBeta must be in (0, 1)");
        int steps = timesteps + 1;
        double[] x = Linspace(0, steps, steps);
        var f = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            double c = Math.Cos((x[i] / steps + s) / (1 + s) * Math.PI * 0.5);
            f[i] = c * c;
        }
        double f0 = f[0];
        for (int i = 0; i < steps; i++) f[i] /= f0;
        var betas = new double[timesteps];
        for (int i = 0; i < timesteps; i++)
            betas[i] = Math.Clamp(1 - f[i + 1] / f[i], 0.0, maxBeta);
        return betas;
    }

    /// <summary>
    /// Linear schedule β = linspace(<paramref name="start"/>, <paramref name="end"/>, T) (Ho et al. 2020).
    /// With <paramref name="forceLastBeta"/> the last β is set to 0.999, as the official code does in its residual
    /// ("res") mode so that ᾱ_T ≈ 0 and x_T is (almost) pure noise.
    /// </summary>
    /// <returns>β indexed by code step 0..T−1 (paper t = index + 1).</returns>
    public static double[] Linear(int timesteps, double start = DefaultLinearStart, double end = DefaultLinearEnd, bool forceLastBeta = false)
    {
        ValidateT(timesteps);
        if (!(start > 0 && start < 1 && end > 0 && end < 1))
            throw new ArgumentOutOfRangeException(nameof(start), $"linear betas must lie in (0, 1); got start={start}, end={end}");
        double[] b = Linspace(start, end, timesteps);
        if (forceLastBeta) b[^1] = DefaultMaxBeta;
        return b;
    }

    /// <summary>
    /// numpy.linspace(start, stop, num) with endpoint, reproducing its float64 arithmetic:
    /// step = (stop − start)/(num − 1); y_i = i·step + start; y_{num−1} = stop.
    /// </summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        if (num < 1) throw new ArgumentOutOfRangeException(nameof(num), num, "linspace needs at least one point");
        var y = new double[num];
        if (num == 1) { y[0] = start; return y; }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[^1] = stop;
        return y;
    }

    private static void ValidateT(int timesteps)
    {
        if (timesteps < 1)
            throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "the number of diffusion steps T must be >= 1 (paper: 100)");
    }
}
