using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Schedules;

/// <summary>
/// Device copies of a <see cref="DiffusionSchedule"/> as 1-D tensors of length T (code index 0..T−1 = paper t − 1),
/// with <see cref="Extract"/> to gather per-sample values for a batch. In float32 each tensor is the cast of the
/// float64 value, exactly like the official registered buffers; in float64 the tensors hold the float64 values
/// (for reference computations). Owns its tensors: dispose it.
/// </summary>
public sealed class ScheduleBuffers : IDisposable
{
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    /// <summary>Copies the schedule to <paramref name="device"/> (CPU when null) in <paramref name="dtype"/> (float32 or float64).</summary>
    public ScheduleBuffers(DiffusionSchedule schedule, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"schedule buffers must be float32 (official) or float64, got {dtype}", nameof(dtype));
        Schedule = schedule;
        DType = dtype;
        Device = device ?? CPU;
        bool f32 = dtype == ScalarType.Float32;
        Tensor Make(IReadOnlyList<double> d64, IReadOnlyList<float> d32)
        {
            using var _ = NewDisposeScope();
            var t = f32 ? tensor(d32.ToArray(), dtype: ScalarType.Float32) : tensor(d64.ToArray(), dtype: ScalarType.Float64);
            var r = t.to(Device).DetachFromDisposeScope();
            _owned.Add(r);
            return r;
        }
        Tensor Official(string name, IReadOnlyList<double> d64) => Make(d64, schedule.OfficialBufferF32(name));

        Betas = Official("betas", schedule.Betas);
        AlphasCumprod = Official("alphas_cumprod", schedule.AlphasCumprod);
        AlphasCumprodPrev = Official("alphas_cumprod_prev", schedule.AlphasCumprodPrev);
        SqrtAlphasCumprod = Official("sqrt_alphas_cumprod", schedule.SqrtAlphasCumprod);
        SqrtOneMinusAlphasCumprod = Official("sqrt_one_minus_alphas_cumprod", schedule.SqrtOneMinusAlphasCumprod);
        LogOneMinusAlphasCumprod = Official("log_one_minus_alphas_cumprod", schedule.LogOneMinusAlphasCumprod);
        SqrtRecipAlphasCumprod = Official("sqrt_recip_alphas_cumprod", schedule.SqrtRecipAlphasCumprod);
        SqrtRecipm1AlphasCumprod = Official("sqrt_recipm1_alphas_cumprod", schedule.SqrtRecipm1AlphasCumprod);
        PosteriorVariance = Official("posterior_variance", schedule.PosteriorVariance);
        PosteriorLogVarianceClipped = Official("posterior_log_variance_clipped", schedule.PosteriorLogVarianceClipped);
        PosteriorMeanCoef1 = Official("posterior_mean_coef1", schedule.PosteriorMeanCoef1);
        PosteriorMeanCoef2 = Official("posterior_mean_coef2", schedule.PosteriorMeanCoef2);
        Phi = Make(schedule.Phi, schedule.PhiF32);
        PaperTargetCoefficient = Make(schedule.PaperTargetCoefficient, schedule.PaperTargetCoefficientF32);
        OfficialMaskCoefficient = Make(schedule.OfficialMaskCoefficient, schedule.MaskCoefficientF32);
    }

    /// <summary>The schedule these tensors were copied from.</summary>
    public DiffusionSchedule Schedule { get; }
    /// <summary>float32 (official buffers) or float64.</summary>
    public ScalarType DType { get; }
    /// <summary>Where the tensors live.</summary>
    public Device Device { get; }

    /// <summary>β_t.</summary>
    public Tensor Betas { get; }
    /// <summary>ᾱ_t.</summary>
    public Tensor AlphasCumprod { get; }
    /// <summary>ᾱ_{t−1} (1 at index 0).</summary>
    public Tensor AlphasCumprodPrev { get; }
    /// <summary>sqrt(ᾱ_t): scale of x_0 in q(x_t | x_0).</summary>
    public Tensor SqrtAlphasCumprod { get; }
    /// <summary>sqrt(1 − ᾱ_t): standard deviation of q(x_t | x_0).</summary>
    public Tensor SqrtOneMinusAlphasCumprod { get; }
    /// <summary>log(1 − ᾱ_t).</summary>
    public Tensor LogOneMinusAlphasCumprod { get; }
    /// <summary>sqrt(1/ᾱ_t).</summary>
    public Tensor SqrtRecipAlphasCumprod { get; }
    /// <summary>sqrt(1/ᾱ_t − 1).</summary>
    public Tensor SqrtRecipm1AlphasCumprod { get; }
    /// <summary>β̃_t, variance of q(x_{t−1} | x_t, x_0).</summary>
    public Tensor PosteriorVariance { get; }
    /// <summary>log(max(β̃_t, 1e-20)).</summary>
    public Tensor PosteriorLogVarianceClipped { get; }
    /// <summary>Coefficient of x_0 in μ̃_t.</summary>
    public Tensor PosteriorMeanCoef1 { get; }
    /// <summary>Coefficient of x_t in μ̃_t.</summary>
    public Tensor PosteriorMeanCoef2 { get; }
    /// <summary>φ_t (coefficient of E in q(x_t | x_0, E), eq. 3 with the corrected closed form).</summary>
    public Tensor Phi { get; }
    /// <summary>sqrt((1 − ᾱ_t)/β_t) (eq. 5).</summary>
    public Tensor PaperTargetCoefficient { get; }
    /// <summary>c_t = sqrt(1 − ᾱ_t) β_t (official <c>mask_coefficient</c>).</summary>
    public Tensor OfficialMaskCoefficient { get; }

    /// <summary>
    /// Gathers <paramref name="buffer"/>[t_b] for each sample and reshapes to (B, 1, …, 1) with
    /// <paramref name="ndim"/> dimensions, for broadcasting against an (B, C, H, W) tensor (the official <c>extract</c>).
    /// </summary>
    /// <param name="buffer">One of this object's 1-D buffers.</param>
    /// <param name="t">(B,) int64 code indices in 0..T−1.</param>
    /// <param name="ndim">Number of dimensions of the tensor the result multiplies (4 for images).</param>
    public Tensor Extract(Tensor buffer, Tensor t, long ndim)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateIndices(t);
        using var scope = NewDisposeScope();
        var shape = new long[Math.Max(ndim, 1)];
        Array.Fill(shape, 1L);
        shape[0] = t.shape[0];
        var idx = t.device.type == buffer.device.type && t.device.index == buffer.device.index ? t : t.to(buffer.device);
        return buffer.gather(0, idx).reshape(shape).MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless <paramref name="t"/> is a 1-D int64 tensor of code indices in 0..T−1.</summary>
    public void ValidateIndices(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 1 || t.dtype != ScalarType.Int64)
            throw new ArgumentException($"timesteps must be a 1-D int64 tensor (B,) of code indices 0..{Schedule.Timesteps - 1}; got dtype {t.dtype}, shape [{string.Join(",", t.shape)}]", nameof(t));
        if (t.numel() == 0) return;
        using var scope = NewDisposeScope();
        long min = t.min().ToInt64(), max = t.max().ToInt64();
        if (min < 0 || max >= Schedule.Timesteps)
            throw new ArgumentOutOfRangeException(nameof(t), $"timestep indices must lie in 0..{Schedule.Timesteps - 1} (paper t = index + 1); got {min}..{max}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
