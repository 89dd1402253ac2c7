using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>
/// DDPM ancestral sampling (Ho et al. 2020, Algorithm 2, in the x̂_0 form of the official <c>p_sample</c>), the reverse
/// process of every <see cref="ModulationMode"/>: it never sees the SAM map E (paper §4.3), starts from x_T ~ N(0, I)
/// (not N(φ_T E, I), as the paper states), and for code index t = T−1 … 0 computes
/// <list type="number">
/// <item>ε̂ = ε_θ(x_t, t) (the denoiser, conditioning bound by the caller);</item>
/// <item>x̂_0 = sqrt(1/ᾱ_t) x_t − sqrt(1/ᾱ_t − 1) ε̂, clipped to [−1, 1] when <see cref="ClipDenoised"/>;</item>
/// <item>μ̃_t = coef1_t x̂_0 + coef2_t x_t (eq. 15; with an unclipped x̂_0 this equals (1/sqrt(α_t))(x_t − β_t/sqrt(1 − ᾱ_t) ε̂));</item>
/// <item>x_{t−1} = μ̃_t + [t &gt; 0]·exp(½ log β̃_t)·z, z ~ N(0, I) (eq. 16; a z is drawn at t = 0 too and multiplied by 0,
/// which keeps the generator stream identical to the official code).</item>
/// </list>
/// <para><b>Clipping and the paper's mode.</b> With ε̂ an exact prediction of the paper's target ε + sqrt((1−ᾱ_t)/β_t)E,
/// step 3 without clipping is exactly the Bayesian posterior mean of the modulated process (eq. 13–15), but the
/// intermediate x̂_0 is x_0 + κ_t E with κ_t = (φ_t − (1−ᾱ_t)/sqrt(β_t))/sqrt(ᾱ_t) (0 at t = 1, 2.4 at t = 50, 163 at
/// t = 100 for T = 100 cosine), so clipping x̂_0 to [−1, 1] (the official default, harmless for SRDiff and for the
/// official code's tiny coefficient) distorts the paper-mode reverse process. Turn <see cref="ClipDenoised"/> off to
/// sample the paper's model as derived.</para>
/// Owns its schedule tensors; dispose it.
/// </summary>
public sealed class DdpmSampler : IDisposable
{
    /// <summary>Creates the sampler with the schedule's buffers in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    /// <param name="schedule">The β schedule.</param>
    /// <param name="clipDenoised">Clip x̂_0 to [−1, 1] (official default: true).</param>
    /// <param name="dtype">float32 (official buffers, default) or float64; also the dtype of x_T.</param>
    /// <param name="device">Device of the buffers and of x_T (CPU when null).</param>
    public DdpmSampler(DiffusionSchedule schedule, bool clipDenoised = true, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
        ClipDenoised = clipDenoised;
        Buffers = new ScheduleBuffers(schedule, dtype, device);
    }

    /// <summary>The schedule.</summary>
    public DiffusionSchedule Schedule { get; }

    /// <summary>Whether x̂_0 is clipped to [−1, 1] before the posterior mean.</summary>
    public bool ClipDenoised { get; }

    /// <summary>The schedule's tensors (owned).</summary>
    public ScheduleBuffers Buffers { get; }

    /// <summary>x̂_0 = sqrt(1/ᾱ_t) x_t − sqrt(1/ᾱ_t − 1) ε̂, clipped when <see cref="ClipDenoised"/>.</summary>
    /// <param name="xt">(B, C, H, W).</param>
    /// <param name="t">(B,) int64 code indices.</param>
    /// <param name="epsHat">The denoiser's prediction, same shape as <paramref name="xt"/>.</param>
    public Tensor PredictStart(Tensor xt, Tensor t, Tensor epsHat)
    {
        CheckStep(xt, t, epsHat);
        using var scope = NewDisposeScope();
        long nd = xt.dim();
        var x0 = Buffers.Extract(Buffers.SqrtRecipAlphasCumprod, t, nd) * xt
               - Buffers.Extract(Buffers.SqrtRecipm1AlphasCumprod, t, nd) * epsHat;
        if (ClipDenoised) x0 = x0.ClampTo(-1.0, 1.0);
        return x0.MoveToOuterDisposeScope();
    }

    /// <summary>The posterior mean μ̃_t = coef1_t x̂_0 + coef2_t x_t (eq. 15) from the prediction ε̂.</summary>
    public Tensor PosteriorMean(Tensor xt, Tensor t, Tensor epsHat)
    {
        using var scope = NewDisposeScope();
        var x0 = PredictStart(xt, t, epsHat);
        long nd = xt.dim();
        var mean = (Buffers.Extract(Buffers.PosteriorMeanCoef1, t, nd) * x0).Plus(Buffers.Extract(Buffers.PosteriorMeanCoef2, t, nd) * xt);
        return mean.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One reverse step x_{t−1} = μ̃_t + [t &gt; 0] exp(½ log β̃_t) z (eq. 16) given the prediction and the noise
    /// (the official <c>p_sample</c> with <c>noise_pred</c> supplied). No autograd is recorded.
    /// </summary>
    /// <param name="xt">(B, C, H, W) current sample.</param>
    /// <param name="t">(B,) int64 code indices.</param>
    /// <param name="epsHat">ε_θ(x_t, t), same shape as <paramref name="xt"/>.</param>
    /// <param name="z">Standard normal noise, same shape (ignored where t = 0).</param>
    public Tensor PSample(Tensor xt, Tensor t, Tensor epsHat, Tensor z)
    {
        CheckStep(xt, t, epsHat);
        if (!z.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"noise z has shape [{string.Join(",", z.shape)}], expected [{string.Join(",", xt.shape)}]", nameof(z));
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        long nd = xt.dim();
        var mean = PosteriorMean(xt, t, epsHat);
        var logVar = Buffers.Extract(Buffers.PosteriorLogVarianceClipped, t, nd);
        var nonzero = t.NotEqual(0).to(mean.dtype).reshape(logVar.shape);
        var next = mean.Plus(nonzero * logVar.Mul(0.5).exp() * z);
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>One reverse step at code index <paramref name="t"/>: calls the denoiser, then draws z from <paramref name="noise"/>.</summary>
    /// <param name="xt">(B, C, H, W) current sample.</param>
    /// <param name="t">Code index 0..T−1 (same for the whole batch).</param>
    /// <param name="denoiser">ε_θ(x_t, t) with t a (B,) int64 tensor; returns a tensor shaped like x_t.</param>
    /// <param name="noise">Source of z.</param>
    public Tensor PSample(Tensor xt, int t, Func<Tensor, Tensor, Tensor> denoiser, INoiseSource noise)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(noise);
        Schedule.CheckIndex(t);
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var tt = full(new[] { xt.shape[0] }, (long)t, dtype: ScalarType.Int64, device: xt.device);
        var eps = denoiser(xt, tt);                                            // ε̂ = ε_θ(x_t, t)
        var z = noise.Step(t, xt.shape, xt.dtype, xt.device);                  // z ~ N(0, I), drawn after the model as in p_sample
        return PSample(xt, tt, eps, z).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The full reverse chain from x_T ~ N(0, I) with the given shape down to x_0 (T denoiser calls), in no_grad with a
    /// dispose scope per step. Returns x_0 (residual space; the caller owns it).
    /// </summary>
    /// <param name="shape">(B, C, H, W) of the sample (the HR residual shape).</param>
    /// <param name="denoiser">ε_θ(x_t, t): x_t (B, C, H, W) and t (B,) int64 → ε̂ shaped like x_t.</param>
    /// <param name="noise">Source of x_T and z (default: torch's global generator).</param>
    /// <param name="progress">Reports ("sample", steps done, T) after each step.</param>
    /// <param name="onStep">Optional observer called with (t, x_t) before each denoiser call; x_t is borrowed (do not dispose or keep it).</param>
    /// <param name="cancellationToken">Checked before each step.</param>
    public Tensor Sample(long[] shape, Func<Tensor, Tensor, Tensor> denoiser, INoiseSource? noise = null,
                         IProgress<ProgressInfo>? progress = null, Action<int, Tensor>? onStep = null,
                         CancellationToken cancellationToken = default)
    {
        SamplerArguments.CheckChain(shape, denoiser);
        noise ??= new GeneratorNoiseSource();
        int T = Schedule.Timesteps;
        var visited = Enumerable.Range(0, T).Reverse().ToArray();   // x_T ~ N(0, I), then t = T − 1 … 0
        return SamplerArguments.RunChain(shape, noise, Buffers.DType, Buffers.Device, visited,
            (j, x) => PSample(x, visited[j], denoiser, noise), "sample", progress, onStep, cancellationToken);
    }

    /// <summary>The full reverse chain drawing x_T and every z from <paramref name="generator"/> (see the other overload).</summary>
    public Tensor Sample(long[] shape, Func<Tensor, Tensor, Tensor> denoiser, Generator? generator,
                         IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default) =>
        Sample(shape, denoiser, new GeneratorNoiseSource(generator), progress, null, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => Buffers.Dispose();

    private void CheckStep(Tensor xt, Tensor t, Tensor epsHat)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(epsHat);
        if (!epsHat.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"the denoiser returned shape [{string.Join(",", epsHat.shape)}], expected x_t's shape [{string.Join(",", xt.shape)}]", nameof(epsHat));
        Buffers.ValidateIndices(t);
        if (t.shape[0] != xt.shape[0])
            throw new ArgumentException($"t has {t.shape[0]} entries for a batch of {xt.shape[0]}", nameof(t));
    }
}
