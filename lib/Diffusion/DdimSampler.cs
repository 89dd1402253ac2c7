using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>Which k of the T code indices a <see cref="DdimSampler"/> visits.</summary>
public enum DdimSpacing
{
    /// <summary>τ_j = ⌊j·T/k⌋ for j = 0..k−1 (starts at index 0; the original DDIM "uniform" skip).</summary>
    Uniform,

    /// <summary>τ_j = round(T − j·T/k) − 1 for j = 0..k−1 (always includes the last index T−1; Lin et al. 2024 "trailing").</summary>
    Trailing,
}

/// <summary>
/// DDIM sampling (Song, Meng &amp; Ermon 2021, eq. 12) over a subsequence τ of the code indices, an optional faster
/// alternative to <see cref="DdpmSampler"/> (not used by the paper or the official code). For consecutive visited
/// indices t = τ_j and s = τ_{j−1} (ᾱ_s = 1 after the last one):
/// <list type="number">
/// <item>x̂_0 = (x_t − sqrt(1 − ᾱ_t) ε̂)/sqrt(ᾱ_t); when clipping, x̂_0 is clipped to [−1, 1] and ε̂ is re-derived as
/// (x_t − sqrt(ᾱ_t) x̂_0)/sqrt(1 − ᾱ_t) so that the update stays consistent;</item>
/// <item>σ_t = η·sqrt((1 − ᾱ_s)/(1 − ᾱ_t))·sqrt(1 − ᾱ_t/ᾱ_s);</item>
/// <item>x_s = sqrt(ᾱ_s) x̂_0 + sqrt(1 − ᾱ_s − σ_t²) ε̂ + σ_t z.</item>
/// </list>
/// η = 0 is deterministic; with k = T and η = 1, σ_t² equals the DDPM posterior variance β̃_t and each step equals the
/// DDPM step (without clipping). Derived for the unmodulated marginals, so it is exact only for models trained with
/// <see cref="ModulationMode.None"/>; <see cref="SrDiffusionModel"/> refuses it for modulated models (except k = T, η = 1)
/// and offers <see cref="ModulatedJumpSampler"/> instead (docs/few-step-sampling.md).
/// Coefficients are computed in float64 from the schedule. Holds no tensors.
/// </summary>
public sealed class DdimSampler
{
    private readonly int[] _timesteps;

    /// <summary>Creates a k-step DDIM sampler.</summary>
    /// <param name="schedule">The β schedule (T steps).</param>
    /// <param name="steps">k, 1 ≤ k ≤ T.</param>
    /// <param name="spacing">How τ is chosen.</param>
    /// <param name="eta">η ≥ 0 (0 = deterministic DDIM, 1 = DDPM-like variance).</param>
    /// <param name="clipDenoised">Clip x̂_0 to [−1, 1] (default false).</param>
    public DdimSampler(DiffusionSchedule schedule, int steps, DdimSpacing spacing = DdimSpacing.Uniform, double eta = 0.0, bool clipDenoised = false)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (steps < 1 || steps > schedule.Timesteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"DDIM steps k must be in 1..T = 1..{schedule.Timesteps}");
        if (!(eta >= 0) || double.IsInfinity(eta)) throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be a finite number >= 0");
        Schedule = schedule;
        Steps = steps;
        Spacing = spacing;
        Eta = eta;
        ClipDenoised = clipDenoised;
        _timesteps = ComputeTimesteps(schedule.Timesteps, steps, spacing);
    }

    /// <summary>The schedule.</summary>
    public DiffusionSchedule Schedule { get; }
    /// <summary>k.</summary>
    public int Steps { get; }
    /// <summary>How τ is chosen.</summary>
    public DdimSpacing Spacing { get; }
    /// <summary>η.</summary>
    public double Eta { get; }
    /// <summary>Whether x̂_0 is clipped to [−1, 1].</summary>
    public bool ClipDenoised { get; }

    /// <summary>The visited code indices in sampling order (descending), length k.</summary>
    public IReadOnlyList<int> Timesteps => Array.AsReadOnly(_timesteps);

    /// <summary>The visited code indices for T steps, k of them, in descending order (distinct, in 0..T−1).</summary>
    public static int[] ComputeTimesteps(int T, int k, DdimSpacing spacing)
    {
        if (T < 1 || k < 1 || k > T) throw new ArgumentOutOfRangeException(nameof(k), $"need 1 <= k <= T; got k={k}, T={T}");
        var asc = new int[k];
        for (int j = 0; j < k; j++)
            asc[j] = spacing switch
            {
                DdimSpacing.Uniform => (int)((long)j * T / k),
                DdimSpacing.Trailing => (int)Math.Round(T - j * (double)T / k, MidpointRounding.ToEven) - 1,
                _ => throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "unknown DDIM spacing"),
            };
        Array.Sort(asc);
        Array.Reverse(asc);
        return asc;
    }

    /// <summary>ᾱ at code index <paramref name="index"/>, or 1 for index −1 (the clean end of the chain).</summary>
    public double AlphaBar(int index) => index < 0 ? 1.0 : Schedule.AlphasCumprod[index];

    /// <summary>σ for a step from index <paramref name="t"/> to <paramref name="s"/> (s &lt; t, s = −1 for the last step): η·sqrt((1−ᾱ_s)/(1−ᾱ_t))·sqrt(1−ᾱ_t/ᾱ_s).</summary>
    public double Sigma(int t, int s)
    {
        double at = AlphaBar(t), as_ = AlphaBar(s);
        return Eta * Math.Sqrt((1 - as_) / (1 - at)) * Math.Sqrt(Math.Max(0.0, 1 - at / as_));
    }

    /// <summary>
    /// One DDIM update from index <paramref name="t"/> to <paramref name="s"/> (eq. 12) given ε̂ and z (z may be null when σ = 0).
    /// </summary>
    public Tensor Step(Tensor xt, int t, int s, Tensor epsHat, Tensor? z)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(epsHat);
        Schedule.CheckIndex(t);
        if (s < -1 || s >= t) throw new ArgumentOutOfRangeException(nameof(s), s, $"the next index must be in -1..{t - 1}");
        if (!epsHat.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"the denoiser returned shape [{string.Join(",", epsHat.shape)}], expected [{string.Join(",", xt.shape)}]", nameof(epsHat));
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        double at = AlphaBar(t), as_ = AlphaBar(s);
        double sigma = Sigma(t, s);
        var x0 = (xt - epsHat.Mul(Math.Sqrt(1 - at))).Div(Math.Sqrt(at));              // x̂_0 (eq. 12, "predicted x_0")
        var eps = epsHat;
        if (ClipDenoised)
        {
            x0 = x0.ClampTo(-1.0, 1.0);
            eps = (xt - x0.Mul(Math.Sqrt(at))).Div(Math.Sqrt(1 - at));                   // ε̂ consistent with the clipped x̂_0
        }
        var next = x0.Mul(Math.Sqrt(as_)).Plus(eps.Mul(Math.Sqrt(Math.Max(0.0, 1 - as_ - sigma * sigma))));   // "direction pointing to x_t"
        if (sigma > 0)
        {
            if (z is null) throw new ArgumentException($"sigma = {sigma} > 0 at t = {t} needs noise z", nameof(z));
            next = next.Plus(z.Mul(sigma));                                                // random noise σ_t z
        }
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the k-step chain from x_T (drawn from <paramref name="noise"/>) to x_0; z is drawn (via
    /// <see cref="INoiseSource.Step"/> with the current index) only when σ &gt; 0. Returns x_0 (caller owns it).
    /// </summary>
    /// <param name="shape">(B, C, H, W).</param>
    /// <param name="denoiser">ε_θ(x_t, t) with t a (B,) int64 tensor.</param>
    /// <param name="noise">Source of x_T and z (default: global generator).</param>
    /// <param name="dtype">dtype of x_T (float32 by default).</param>
    /// <param name="device">Device of x_T (CPU when null).</param>
    /// <param name="progress">Reports ("ddim", steps done, k).</param>
    /// <param name="onStep">Observer (t, x_t) before each denoiser call; x_t is borrowed.</param>
    /// <param name="cancellationToken">Checked before each step.</param>
    public Tensor Sample(long[] shape, Func<Tensor, Tensor, Tensor> denoiser, INoiseSource? noise = null,
                         ScalarType dtype = ScalarType.Float32, Device? device = null,
                         IProgress<ProgressInfo>? progress = null, Action<int, Tensor>? onStep = null,
                         CancellationToken cancellationToken = default)
    {
        SamplerArguments.CheckChain(shape, denoiser);
        noise ??= new GeneratorNoiseSource();
        device ??= CPU;
        return SamplerArguments.RunChain(shape, noise, dtype, device, _timesteps, (j, x) =>
        {
            int t = _timesteps[j];
            int s = j + 1 < _timesteps.Length ? _timesteps[j + 1] : -1;
            var tt = full(new[] { shape[0] }, (long)t, dtype: ScalarType.Int64, device: device);
            var eps = denoiser(x, tt);
            var z = Sigma(t, s) > 0 ? noise.Step(t, shape, dtype, device) : null;
            return Step(x, t, s, eps, z);
        }, "ddim", progress, onStep, cancellationToken);
    }
}
