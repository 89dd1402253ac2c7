using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using SamDiffSR.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// One SAM-DiffSR diffusion-stage training step, the work the official baseline harness timed
/// (GaussianDiffusion_sam.forward + p_losses with p_losses_sam and mask_coefficient, then backward and Adam):
/// <list type="number">
/// <item>t ~ U{0..T−1} per sample;</item>
/// <item>the frozen RRDB's conditioning c under no_grad (eval mode; the full <c>rrdb(img_lr, True)</c> unless
/// <see cref="BenchVariant.TrunkOnlyRrdb"/>);</item>
/// <item>x_0 = clamp(2·(HR − LR↑), −1, 1) (official img2res);</item>
/// <item>ε ~ N(0, I); the official-code modulated noise ε' = ε + sqrt(1−ᾱ_t)β_t·E and x_t = sqrt(ᾱ_t)x_0 + sqrt(1−ᾱ_t)ε'
/// (<see cref="ForwardProcess"/> in <see cref="ModulationMode.OfficialCode"/>), E a random SPE map;</item>
/// <item>zero_grad; ε̂ = ε_θ(x_t, t, c); L1 loss mean|ε' − ε̂|; backward; Adam(lr 2·10⁻⁴) step.</item>
/// </list>
/// With <see cref="BenchVariant.OfficialByProducts"/> it also computes the official logging by-products (x_t_gt, the
/// no-grad p_sample x_t_pred, res2img of three tensors). Inputs are random tensors of the stated sizes (HR patch P,
/// LR P/s), like the official harness. For a config with extra U-Net input channels (SAM+SRDiff) the map is
/// concatenated to x_t and the forward process is unmodulated.
/// </summary>
public sealed class TrainStepWorkload : IBenchWorkload
{
    private readonly SrDiffNetworks _nets;
    private readonly optim.Optimizer _adam;
    private readonly SrDiffusionModel _model;
    private readonly DdpmSampler _byProductSampler;
    private readonly FastUnet? _fast;
    private readonly Tensor _hr, _lr, _lrUp, _mask;
    private readonly int _timesteps;
    private readonly Device _device = TorchRuntime.Device;   // CPU unless the bench was started with --device cuda
    private readonly LossScaler? _scaler;

    /// <summary>Builds the networks (seeded init), the Adam optimiser and random inputs.</summary>
    /// <param name="config">Network sizes (e.g. <see cref="ModelConfig.SamDiffSRPaperX4"/>).</param>
    /// <param name="batch">Batch size B ≥ 1.</param>
    /// <param name="hrPatch">HR patch side P (multiple of the scale and of 2^(levels−1)).</param>
    /// <param name="variant">Execution settings.</param>
    /// <param name="seed">Seed for weights and inputs.</param>
    /// <param name="timesteps">T of the cosine schedule (100 in the paper).</param>
    public TrainStepWorkload(ModelConfig config, int batch, int hrPatch, BenchVariant variant, long seed = 0, int timesteps = 100)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(variant);
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch size must be >= 1");
        CheckSize(config, hrPatch, nameof(hrPatch));
        Config = config; Batch = batch; HrPatch = hrPatch; Variant = variant;
        _timesteps = timesteps;

        torch.manual_seed(seed);
        _nets = new SrDiffNetworks(config);
        _nets.to(_device);
        _nets.Denoiser.train();
        if (_nets.Rrdb is { } rrdb)
        {
            rrdb.eval();                                                   // fix_rrdb: eval mode, no gradients
            foreach (var p in rrdb.parameters()) p.requires_grad = false;
        }
        // The official step: SAM-DiffSR as released (or SAM+SRDiff for a mask-input config); the maths is the library's.
        var options = (config.ExtraInputChannels > 0 ? DiffusionOptions.SamConcat : DiffusionOptions.SamDiffSROfficial) with { Timesteps = timesteps };
        _model = new SrDiffusionModel(_nets, options, _device, ownsNetworks: false);
        _byProductSampler = new DdpmSampler(_model.Schedule, true, ScalarType.Float32, _device);
        _scaler = variant.Precision == Precision.Fp16 ? new LossScaler() : null;

        long lrSide = hrPatch / config.Scale;
        _hr = (rand(batch, 3, hrPatch, hrPatch) * 2 - 1).to(_device).DetachFromDisposeScope();   // drawn on the CPU: same values on any device
        _lr = (rand(batch, 3, lrSide, lrSide) * 2 - 1).to(_device).DetachFromDisposeScope();
        _lrUp = (rand(batch, 3, hrPatch, hrPatch) * 2 - 1).to(_device).DetachFromDisposeScope();
        _mask = rand(batch, 1, hrPatch, hrPatch).to(_device).DetachFromDisposeScope();   // stands in for an SPE map E_SAM
        if (variant.ChannelsLast)
        {
            ChannelsLast.ConvertModule(_nets);
            using var g = no_grad();
            foreach (var t in new[] { _hr, _lr, _lrUp, _mask })
            {
                using var c = ChannelsLast.Convert(t);
                t.set_(c);
            }
        }
        _fast = variant.UsesFastUnet ? new FastUnet(_nets.Denoiser, variant.FusedMish) : null;
        // The official build_optimizer hands every parameter to Adam; the frozen RRDB's get no gradient and stay put.
        _adam = optim.Adam(_nets.parameters(), lr: 2e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8);
    }

    /// <inheritdoc />
    public BenchVariant Variant { get; }

    /// <summary>Network sizes.</summary>
    public ModelConfig Config { get; }

    /// <summary>Batch size.</summary>
    public int Batch { get; }

    /// <summary>HR patch side.</summary>
    public int HrPatch { get; }

    /// <summary>The L1 loss of the last step (for sanity checks).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The networks (for tests).</summary>
    public SrDiffNetworks Networks => _nets;

    /// <inheritdoc />
    public void Run(ISegmentRecorder segments)
    {
        using var scope = NewDisposeScope();
        int b = Batch;
        var t = randint(0, _timesteps, [b], dtype: ScalarType.Int64, device: _device);      // t ~ U{0..T−1}
        using var amp = Autocast.Enter(_device, Variant.Precision);                          // fp32: no-op
        Tensor cond;
        using (no_grad())                                                                    // frozen RRDB
            cond = Variant.TrunkOnlyRrdb ? _nets.Conditioning(_lr) : FullRrdbConditioning(_nets, _lr);
        var eps = randn_like(_hr);                                                           // ε ~ N(0, I)
        _adam.zero_grad();
        var step = _model.TrainingStep(cond, _hr, _lrUp, _mask, t, eps,                      // x_t, ε', ε̂ = ε_θ(x_t, t, c), L1
            _fast is null ? null : (input, tt, c) => _fast.Forward(input, tt, c));
        if (Variant.OfficialByProducts)
        {
            using var g = no_grad();
            var xtGt = _model.Forward.QSample(step.X0, t - 1, step.Target);                  // logged x_t_gt
            var xtPred = _byProductSampler.PSample(step.Xt, t, step.Prediction.detach(), randn_like(step.Xt)); // official logged p_sample
            foreach (var r in new[] { step.Xt, xtGt, xtPred }) _ = r.clamp(-1, 1) / 2 + _lrUp;  // res2img ×3
        }
        var loss = step.Loss;                                                                // float32 under autocast too
        amp.Dispose();                                                                       // backward outside autocast, as PyTorch's recipe
        if (_scaler is null)
        {
            loss.backward();
            _adam.step();
        }
        else
        {
            _scaler.ScaleLoss(loss).backward();
            bool ok = _scaler.UnscaleAndCheck(_nets.Denoiser.parameters());
            if (ok) _adam.step();
            _scaler.Update(ok);
        }
        LastLoss = loss.item<float>();
    }

    /// <summary>The conditioning as the official code computes it: the full RRDB forward (trunk and up-sampling branch,
    /// <c>rrdb(img_lr, True)</c>), then cat(features[2::3]).</summary>
    internal static Tensor FullRrdbConditioning(SrDiffNetworks nets, Tensor lr)
    {
        if (nets.Rrdb is null) return lr.alias();
        using var scope = NewDisposeScope();
        var enc = nets.Rrdb.Encode(lr);
        return Unet.SelectConditioning(enc.Features).MoveToOuterDisposeScope();
    }

    internal static void CheckSize(ModelConfig config, int side, string name)
    {
        if (side < 1 || side % config.Scale != 0 || side % config.SpatialMultiple != 0)
            throw new ArgumentOutOfRangeException(name, side,
                $"the HR side must be a positive multiple of the scale ({config.Scale}) and of 2^(levels−1) = {config.SpatialMultiple}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _adam.Dispose();
        _model.Dispose();
        _byProductSampler.Dispose();
        foreach (var t in new[] { _hr, _lr, _lrUp, _mask }) t.Dispose();
        _nets.Dispose();
    }
}
