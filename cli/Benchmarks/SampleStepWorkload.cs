using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// One super-resolution sampling run of batch 1: the RRDB conditioning c of a random LR image (one forward, segment
/// "conditioning"), x_T ~ N(0, I), then k reverse steps (segment "step" each): ε̂ = ε_θ(x_t, t, c) and the DDPM
/// update (<see cref="DdpmSampler.PSample(Tensor, Tensor, Tensor, Tensor)"/>: x̂_0 clipped, posterior mean eq. 15,
/// + σ_t z eq. 16) at t = T−1 … T−k, or the k-step DDIM update. The official harness timed <c>p_sample</c> at t = 50
/// (a U-Net forward plus the update); the cost of a step does not depend on t.
/// </summary>
public sealed class SampleStepWorkload : IBenchWorkload
{
    private readonly SrDiffNetworks _nets;
    private readonly DdpmSampler _ddpm;
    private readonly DdimSampler? _ddim;
    private readonly FastUnet? _fast;
    private readonly Tensor _lr;
    private readonly int[] _steps;
    private readonly Device _device = TorchRuntime.Device;   // CPU unless the bench was started with --device cuda

    /// <summary>Builds the networks (seeded init, eval mode) and a random LR input.</summary>
    /// <param name="config">Network sizes.</param>
    /// <param name="hrSize">HR side (the LR is hrSize / scale).</param>
    /// <param name="steps">k reverse steps per run (1..T).</param>
    /// <param name="sampler">DDPM (k of the T ancestral steps) or DDIM with k steps.</param>
    /// <param name="variant">Execution settings.</param>
    /// <param name="seed">Seed for weights and inputs.</param>
    /// <param name="timesteps">T (100 in the paper).</param>
    public SampleStepWorkload(ModelConfig config, int hrSize, int steps, SamplerKind sampler, BenchVariant variant, long seed = 0, int timesteps = 100)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(variant);
        TrainStepWorkload.CheckSize(config, hrSize, nameof(hrSize));
        if (steps < 1 || steps > timesteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps k must be in 1..T = 1..{timesteps}");
        Config = config; HrSize = hrSize; Steps = steps; Sampler = sampler; Variant = variant;

        torch.manual_seed(seed);
        _nets = new SrDiffNetworks(config);
        _nets.to(_device);
        _nets.eval();
        foreach (var p in _nets.parameters()) p.requires_grad = false;
        var schedule = DiffusionSchedule.Cosine(timesteps);
        _ddpm = new DdpmSampler(schedule, true, ScalarType.Float32, _device);
        if (sampler == SamplerKind.Ddim)
        {
            _ddim = new DdimSampler(schedule, steps);
            _steps = [.. _ddim.Timesteps];
        }
        else _steps = [.. Enumerable.Range(0, steps).Select(i => timesteps - 1 - i)];
        _lr = (rand(1, 3, hrSize / config.Scale, hrSize / config.Scale) * 2 - 1).to(_device).DetachFromDisposeScope();
        if (variant.ChannelsLast)
        {
            ChannelsLast.ConvertModule(_nets);
            using var g = no_grad();
            using var c = ChannelsLast.Convert(_lr);
            _lr.set_(c);
        }
        _fast = variant.UsesFastUnet ? new FastUnet(_nets.Denoiser, variant.FusedMish) : null;
    }

    /// <inheritdoc />
    public BenchVariant Variant { get; }

    /// <summary>Network sizes.</summary>
    public ModelConfig Config { get; }

    /// <summary>HR side.</summary>
    public int HrSize { get; }

    /// <summary>k.</summary>
    public int Steps { get; }

    /// <summary>DDPM or DDIM.</summary>
    public SamplerKind Sampler { get; }

    /// <summary>The code steps visited, in order.</summary>
    public IReadOnlyList<int> Timesteps => _steps;

    /// <summary>Sum of the last run's x_k (a finite number when the run worked; for sanity checks).</summary>
    public double LastSampleSum { get; private set; } = double.NaN;

    /// <inheritdoc />
    public void Run(ISegmentRecorder segments)
    {
        using var grad = Variant.SamplingGrad == GradMode.InferenceMode ? inference_mode(true) : no_grad();
        using var scope = NewDisposeScope();
        Tensor cond;
        Tensor? projected = null;
        using (segments.Segment("conditioning"))
        {
            cond = Variant.TrunkOnlyRrdb ? _nets.Conditioning(_lr) : TrainStepWorkload.FullRrdbConditioning(_nets, _lr);
            if (Variant.CachedConditioning) projected = _fast!.ProjectConditioning(cond);   // cond_proj(c) once per image
        }
        long side = HrSize;
        var shape = new long[] { 1, 3, side, side };
        var x = randn(shape, device: _device);                                                // x_T ~ N(0, I)
        if (Variant.ChannelsLast) x = ChannelsLast.Convert(x);
        for (int j = 0; j < _steps.Length; j++)
        {
            int t = _steps[j];
            using (segments.Segment("step"))
            {
                using var step = NewDisposeScope();
                var tt = full(new long[] { 1 }, (long)t, dtype: ScalarType.Int64, device: _device);
                var input = Config.ExtraInputChannels > 0 ? cat([x, zeros(new long[] { 1, Config.ExtraInputChannels, side, side }, device: _device)], 1) : x;
                var eps = Denoise(input, tt, cond, projected);                                 // ε̂ = ε_θ(x_t, t, c)
                Tensor next;
                if (_ddim is null)
                    next = _ddpm.PSample(x, tt, eps, randn_like(x));                           // x_{t−1} (eq. 15–16)
                else
                {
                    int s = j + 1 < _steps.Length ? _steps[j + 1] : -1;
                    next = _ddim.Step(x, t, s, eps, null);                                     // DDIM, η = 0
                }
                var prev = x;
                x = next.MoveToOuterDisposeScope();
                prev.Dispose();
                if (_device.type == DeviceType.CUDA) torch.cuda.synchronize();                 // the step's time is the GPU's
            }
        }
        LastSampleSum = x.sum().item<float>();
    }

    private Tensor Denoise(Tensor x, Tensor t, Tensor cond, Tensor? projected)
    {
        if (Variant.Precision == Precision.Fp32) return DenoiseFp32(x, t, cond, projected);
        using (Autocast.Enter(_device, Variant.Precision))
        {
            using var low = DenoiseFp32(x, t, cond, projected);
            return low.to(ScalarType.Float32);
        }
    }

    private Tensor DenoiseFp32(Tensor x, Tensor t, Tensor cond, Tensor? projected)
    {
        if (_fast is null) return _nets.Denoiser.call(x, t, cond);
        return projected is null ? _fast.Forward(x, t, cond) : _fast.Forward(x, _fast.TimeEmbedding(t), projected, projected: true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ddpm.Dispose();
        _lr.Dispose();
        _nets.Dispose();
    }
}
