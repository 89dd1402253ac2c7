using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Diffusion;

/// <summary>
/// The (structure-modulated) forward process q(x_t | x_0, E) and the matching regression target for training the
/// noise predictor, in one of the three <see cref="ModulationMode"/>s. This is the only place where SAM-DiffSR
/// differs from SRDiff; sampling (<see cref="DdpmSampler"/>) is unchanged and takes no E.
/// <para>Shapes: x_0 and ε are (B, C, H, W) (residual space, [-1, 1] for x_0); E is (B, 1, h, w) and is resized
/// bilinearly (align_corners = false, like the official <c>F.interpolate</c>) to (H, W) when the size differs, then
/// broadcast over the C channels; t is a (B,) int64 tensor of code indices 0..T−1 (paper t = index + 1).</para>
/// Owns the schedule tensors (<see cref="Buffers"/>); dispose it.
/// </summary>
public sealed class ForwardProcess : IDisposable
{
    /// <summary>Creates the process; the schedule's buffers are copied to <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    /// <param name="schedule">The β schedule and its derived terms.</param>
    /// <param name="mode">How E enters (default for SAM-DiffSR: <see cref="ModulationMode.Paper"/>).</param>
    /// <param name="dtype">float32 (the official buffers, default) or float64.</param>
    /// <param name="device">Device of the buffers (CPU when null).</param>
    public ForwardProcess(DiffusionSchedule schedule, ModulationMode mode, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown modulation mode");
        Schedule = schedule;
        Mode = mode;
        Buffers = new ScheduleBuffers(schedule, dtype, device);
    }

    /// <summary>The schedule.</summary>
    public DiffusionSchedule Schedule { get; }

    /// <summary>How E enters the forward process and the target.</summary>
    public ModulationMode Mode { get; }

    /// <summary>The schedule's tensors (owned by this object).</summary>
    public ScheduleBuffers Buffers { get; }

    /// <summary>
    /// The ordinary DDPM sample q(x_t | x_0): sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t)·noise (Ho et al. 2020 eq. 4; the official
    /// <c>q_sample</c>). Like the official code, a sample whose index is −1 gets x_0 back unchanged (used for the
    /// logged x_{t−1} at t = 0).
    /// </summary>
    /// <param name="x0">(B, C, H, W) clean residual.</param>
    /// <param name="t">(B,) int64 code indices in −1..T−1.</param>
    /// <param name="noise">Same shape as <paramref name="x0"/>.</param>
    public Tensor QSample(Tensor x0, Tensor t, Tensor noise)
    {
        CheckSameShape(x0, noise, nameof(noise));
        CheckTimesteps(t, x0, allowMinusOne: true);
        using var scope = NewDisposeScope();
        var tc = t.clamp_min(0);
        var xt = Buffers.Extract(Buffers.SqrtAlphasCumprod, tc, x0.dim()) * x0
               + Buffers.Extract(Buffers.SqrtOneMinusAlphasCumprod, tc, x0.dim()) * noise;
        var keep = (t >= 0).reshape(BroadcastShape(t.shape[0], x0.dim())).to(xt.device);
        return where(keep, xt, x0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A sample of q(x_t | x_0, E) given the standard normal draw ε, and the regression target for ε_θ(x_t, x_LR, t):
    /// <list type="bullet">
    /// <item><see cref="ModulationMode.None"/>: x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) ε (eq. 8 iterated); target ε.</item>
    /// <item><see cref="ModulationMode.Paper"/>: x_t = sqrt(ᾱ_t) x_0 + φ_t E + sqrt(1 − ᾱ_t) ε (eq. 3/11/12);
    /// target ε + sqrt((1 − ᾱ_t)/β_t) E (eq. 5/17).</item>
    /// <item><see cref="ModulationMode.OfficialCode"/>: x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t)(ε + c_t E),
    /// c_t = sqrt(1 − ᾱ_t) β_t; target ε + c_t E (the modulated noise).</item>
    /// </list>
    /// The caller owns both tensors.
    /// </summary>
    /// <param name="x0">(B, C, H, W) clean residual in [-1, 1].</param>
    /// <param name="t">(B,) int64 code indices 0..T−1.</param>
    /// <param name="eps">(B, C, H, W) standard normal noise; never modified.</param>
    /// <param name="e">(B, 1, h, w) SPE map E_SAM; required for Paper and OfficialCode, ignored for None.</param>
    public (Tensor Xt, Tensor Target) Diffuse(Tensor x0, Tensor t, Tensor eps, Tensor? e = null)
    {
        ArgumentNullException.ThrowIfNull(x0);
        CheckSameShape(x0, eps, nameof(eps));
        CheckTimesteps(t, x0, allowMinusOne: false);
        using var scope = NewDisposeScope();
        long nd = x0.dim();
        var sqrtAc = Buffers.Extract(Buffers.SqrtAlphasCumprod, t, nd);
        var sqrt1m = Buffers.Extract(Buffers.SqrtOneMinusAlphasCumprod, t, nd);
        Tensor xt, target;
        switch (Mode)
        {
            case ModulationMode.None:
                // x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) ε; target ε
                xt = (sqrtAc * x0).Plus(sqrt1m * eps);
                target = eps.clone();
                break;
            case ModulationMode.Paper:
            {
                var em = PrepareMask(e, x0);
                // eq. 3: x_t = sqrt(ᾱ_t) x_0 + φ_t E + sqrt(1 − ᾱ_t) ε
                xt = (sqrtAc * x0).Plus(Buffers.Extract(Buffers.Phi, t, nd) * em).Plus(sqrt1m * eps);
                // eq. 5: target = ε + sqrt((1 − ᾱ_t)/β_t) E
                target = eps.Plus(Buffers.Extract(Buffers.PaperTargetCoefficient, t, nd) * em);
                break;
            }
            case ModulationMode.OfficialCode:
            {
                // p_losses: noise' = ε + c_t E (out of place here), then the ordinary q_sample with noise'
                var em = PrepareMask(e, x0);
                target = eps.Plus(em * Buffers.Extract(Buffers.OfficialMaskCoefficient, t, nd));
                xt = (sqrtAc * x0).Plus(sqrt1m * target);
                break;
            }
            default:
                throw new InvalidOperationException($"unknown modulation mode {Mode}");
        }
        return (xt.MoveToOuterDisposeScope(), target.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// x̂_0 = sqrt(1/ᾱ_t) x_t − sqrt(1/ᾱ_t − 1) ε̂ (the official <c>predict_start_from_noise</c>; no clipping).
    /// In <see cref="ModulationMode.Paper"/> this is not an estimate of x_0 when ε̂ predicts the paper's target: it
    /// equals x_0 + (φ_t − (1 − ᾱ_t)/sqrt(β_t))·E/sqrt(ᾱ_t); see <see cref="DdpmSampler"/>.
    /// </summary>
    public Tensor PredictStartFromNoise(Tensor xt, Tensor t, Tensor epsHat)
    {
        CheckSameShape(xt, epsHat, nameof(epsHat));
        CheckTimesteps(t, xt, allowMinusOne: false);
        using var scope = NewDisposeScope();
        var r = Buffers.Extract(Buffers.SqrtRecipAlphasCumprod, t, xt.dim()) * xt
              - Buffers.Extract(Buffers.SqrtRecipm1AlphasCumprod, t, xt.dim()) * epsHat;
        return r.MoveToOuterDisposeScope();
    }


    /// <summary>
    /// Resizes an SPE map (B, 1, h, w) to (B, 1, <paramref name="height"/>, <paramref name="width"/>) with bilinear
    /// interpolation, align_corners = false (PyTorch's <c>F.interpolate(mode='bilinear')</c>); returns a copy when the
    /// size already matches.
    /// </summary>
    public static Tensor ResizeMask(Tensor e, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.dim() != 4 || e.shape[1] != 1)
            throw new ArgumentException($"the SPE map E must be (B, 1, h, w); got shape [{string.Join(",", e.shape)}]", nameof(e));
        if (!e.is_floating_point())
            throw new ArgumentException($"the SPE map E must be a floating-point tensor, got {e.dtype}", nameof(e));
        if (e.shape[2] == height && e.shape[3] == width) return e.clone();
        return nn.functional.interpolate(e, size: new[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <inheritdoc />
    public void Dispose() => Buffers.Dispose();

    private Tensor PrepareMask(Tensor? e, Tensor like)
    {
        if (e is null)
            throw new ArgumentException($"modulation mode {Mode} needs the SPE map E (B, 1, h, w); pass it, or use ModulationMode.None for SRDiff", nameof(e));
        if (e.dim() != 4 || e.shape[1] != 1)
            throw new ArgumentException($"the SPE map E must be (B, 1, h, w); got shape [{string.Join(",", e.shape)}]", nameof(e));
        if (e.shape[0] != like.shape[0] && e.shape[0] != 1)
            throw new ArgumentException($"the SPE map's batch size {e.shape[0]} does not match the images' batch size {like.shape[0]}", nameof(e));
        var r = ResizeMask(e, like.shape[2], like.shape[3]);
        return r.dtype == like.dtype && r.device.type == like.device.type && r.device.index == like.device.index ? r : r.to(like.dtype, like.device);
    }

    private void CheckTimesteps(Tensor t, Tensor like, bool allowMinusOne)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (like.dim() != 4)
            throw new ArgumentException($"images must be (B, C, H, W); got shape [{string.Join(",", like.shape)}]");
        if (t.dim() != 1 || t.dtype != ScalarType.Int64 || t.shape[0] != like.shape[0])
            throw new ArgumentException($"t must be a (B,) int64 tensor with B = {like.shape[0]}; got dtype {t.dtype}, shape [{string.Join(",", t.shape)}]", nameof(t));
        using var scope = NewDisposeScope();
        long min = t.min().ToInt64(), max = t.max().ToInt64();
        long lo = allowMinusOne ? -1 : 0;
        if (min < lo || max >= Schedule.Timesteps)
            throw new ArgumentOutOfRangeException(nameof(t), $"timestep indices must lie in {lo}..{Schedule.Timesteps - 1} (code index = paper t − 1); got {min}..{max}");
    }

    private static void CheckSameShape(Tensor a, Tensor b, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{name} has shape [{string.Join(",", b.shape)}], expected [{string.Join(",", a.shape)}]", name);
    }

    private static long[] BroadcastShape(long batch, long ndim)
    {
        var s = new long[ndim];
        Array.Fill(s, 1L);
        s[0] = batch;
        return s;
    }
}
