using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>
/// SRDiff / SAM-DiffSR as one object (the official <c>GaussianDiffusion_sam</c>): the networks, the schedule, the
/// forward process with its modulation mode, the training loss and super-resolution by the reverse process.
/// Images are (N, 3, H, W) float32 in [−1, 1]; the diffusion runs on the residual
/// x0 = clamp(ResRescale·(HR − LR-up), −1, 1) (docs/official-code.md §Residual mode and LR-up). The SAM-DiffSR change lives in
/// <see cref="ForwardProcess"/> and is used only by <c>TrainingLoss</c>: sampling never sees a mask
/// (except for the SAM+SRDiff baseline, whose network takes the mask as input).
/// </summary>
public sealed class SrDiffusionModel : IDisposable
{
    /// <summary>U-Net (<c>denoise_fn</c>) and RRDB encoder (<c>rrdb</c>).</summary>
    public SrDiffNetworks Networks { get; }

    public DiffusionOptions Options { get; }

    public DiffusionSchedule Schedule { get; }

    /// <summary>q(x_t | x0, E) and the regression target, in the effective modulation mode.</summary>
    public ForwardProcess Forward { get; }

    /// <summary>File of a checkpoint that holds the EMA of the U-Net's parameters (bare U-Net names), when training kept one.</summary>
    public const string EmaWeightsFile = "ema.pt";

    private readonly DdpmSampler _ddpm;
    private readonly bool _ownsNetworks;

    /// <summary>
    /// Loads a model folder (<see cref="ModelFolder"/>: a run folder, a checkpoint folder, a model folder or a
    /// <c>.pt</c> file beside a <c>config.json</c>) for inference, in eval mode on the runtime device. Without
    /// <c>diffusion.json</c> (an imported official checkpoint) the official SAM-DiffSR options are assumed. A stage-1
    /// (RRDB) training run is refused (its U-Net is untrained); a run whose newest checkpoint is damaged resolves to
    /// the newest intact one, which <paramref name="log"/> is told.
    /// </summary>
    /// <param name="path">A run, checkpoint or model folder, or a weights file.</param>
    /// <param name="log">Told which checkpoint was loaded (and about a fallback).</param>
    /// <param name="encoderOnly">The caller uses only the RRDB encoder (the regression baseline), so a stage-1 run is accepted.</param>
    /// <param name="ema">Replace the U-Net's weights by the exponential moving average the trainer kept beside them
    /// (<c>ema.pt</c> of the checkpoint, written by runs trained with an EMA decay); refused if the checkpoint has none.</param>
    public static SrDiffusionModel Load(string path, Action<string>? log = null, bool encoderOnly = false, bool ema = false)
    {
        var folder = ModelFolder.Resolve(path, out var file, log);
        if (!encoderOnly) ModelFolder.RequireDiffusionStage(folder, path, "super-resolution");
        var cfgPath = Path.Combine(folder, ModelFolder.ConfigFile);
        if (!File.Exists(cfgPath))
            throw new FileNotFoundException($"{cfgPath} missing: a model folder needs config.json next to {file} (see docs/import-checkpoint.md)", cfgPath);
        var config = ModelConfig.Load(cfgPath);
        var diffPath = Path.Combine(folder, ModelFolder.DiffusionFile);
        var options = File.Exists(diffPath) ? DiffusionOptions.Load(diffPath) : DiffusionOptions.SamDiffSROfficial;
        var nets = new SrDiffNetworks(config);
        try
        {
            var report = StateDictFile.LoadNetworks(nets, Path.Combine(folder, file));
            log?.Invoke($"loaded {report}");
            if (ema)
            {
                var emaPath = Path.Combine(folder, EmaWeightsFile);
                if (!File.Exists(emaPath))
                    throw new FileNotFoundException($"{emaPath} missing: EMA weights exist only for runs trained with an EMA decay (train --ema D); load without EMA", emaPath);
                var emaReport = StateDictFile.LoadUnet(nets.Denoiser, emaPath);   // not inside log?.Invoke: it must run without a log
                log?.Invoke($"U-Net weights replaced by their EMA: {emaReport}");
            }
            nets.to(TorchRuntime.Device);
            nets.eval();
            return new SrDiffusionModel(nets, options, TorchRuntime.Device, ownsNetworks: true);
        }
        catch
        {
            nets.Dispose();
            throw;
        }
    }

    /// <param name="networks">The networks (already on <paramref name="device"/>).</param>
    /// <param name="options">Diffusion options.</param>
    /// <param name="device">Device of the schedule buffers (default: the runtime device).</param>
    /// <param name="ownsNetworks">Dispose <paramref name="networks"/> with this object.</param>
    public SrDiffusionModel(SrDiffNetworks networks, DiffusionOptions options, Device? device = null, bool ownsNetworks = false)
    {
        _ownsNetworks = ownsNetworks;
        Networks = networks ?? throw new ArgumentNullException(nameof(networks));
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (options.Method == SrMethod.SamConcat && networks.Config.ExtraInputChannels != 1)
            throw new ArgumentException("SAM+SRDiff needs a model config with ExtraInputChannels = 1 (e.g. preset SamConcatPaperX4)");
        if (options.Method != SrMethod.SamConcat && networks.Config.ExtraInputChannels != 0)
            throw new ArgumentException($"{options.Method} needs ExtraInputChannels = 0, the config has {networks.Config.ExtraInputChannels}");
        device ??= TorchRuntime.Device;
        Schedule = DiffusionSchedule.Create(options.Schedule, options.Timesteps);
        Forward = new ForwardProcess(Schedule, options.EffectiveModulation, ScalarType.Float32, device);
        _ddpm = new DdpmSampler(Schedule, options.EffectiveClipDenoised, ScalarType.Float32, device);
        Device = device;
    }

    /// <summary>Device the schedule buffers live on (move <see cref="Networks"/> there too).</summary>
    public Device Device { get; }

    /// <summary>HR upscaling factor.</summary>
    public int Scale => Networks.Config.Scale;

    /// <summary>x0 = clamp(s·(HR − LR-up), −1, 1) (official <c>img2res</c>).</summary>
    public Tensor ToResidual(Tensor hr, Tensor lrUp)
    {
        using var scope = NewDisposeScope();
        var r = (hr - lrUp).Mul(Options.ResRescale);
        if (Options.ClipInput) r = r.ClampTo(-1, 1);
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>Image = clamp(x, −1, 1)/s + LR-up (official <c>res2img</c>; the sum is not clipped).</summary>
    public Tensor FromResidual(Tensor x, Tensor lrUp)
    {
        using var scope = NewDisposeScope();
        return x.ClampTo(-1, 1).Div(Options.ResRescale).Plus(lrUp).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The diffusion training loss for one batch (eq. 5 with the configured loss type): t ~ U{0..T−1} and
    /// ε ~ N(0, I) are drawn from <paramref name="generator"/> in that order (as the official code), the frozen
    /// RRDB runs without gradients in eval mode, and the U-Net predicts the (modulated) noise.
    /// </summary>
    /// <param name="hr">(B, 3, H, W) HR patches in [−1, 1].</param>
    /// <param name="lr">(B, 3, H/s, W/s) LR patches in [−1, 1].</param>
    /// <param name="lrUp">(B, 3, H, W) bicubic LR-up in [−1, 1].</param>
    /// <param name="mask">(B, 1, H, W) SPE maps; required for SAM-DiffSR and SAM+SRDiff.</param>
    /// <param name="generator">Source of t and ε (explicit, for reproducible training).</param>
    public Tensor TrainingLoss(Tensor hr, Tensor lr, Tensor lrUp, Tensor? mask, Generator? generator)
    {
        Options.RequireMasks(mask is not null, atInference: false, "a (B,1,H,W) SPE batch");
        using var scope = NewDisposeScope();
        long b = hr.shape[0];
        var t = GeneratorDraws.Randint(0, Schedule.Timesteps, [b], hr.device, generator);
        var eps = GeneratorDraws.Randn(hr.shape, hr.dtype, hr.device, generator);
        return TrainingLoss(hr, lr, lrUp, mask, t, eps).MoveToOuterDisposeScope();
    }

    /// <summary>The training loss for given timesteps (code indices, (B,) int64) and noise ε (like HR).</summary>
    public Tensor TrainingLoss(Tensor hr, Tensor lr, Tensor lrUp, Tensor? mask, Tensor t, Tensor eps)
    {
        using var scope = NewDisposeScope();
        var step = TrainingStep(Conditioning(lr), hr, lrUp, mask, t, eps);
        return step.Loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One training step's tensors given the conditioning c (from <see cref="Conditioning"/> or a variant of it):
    /// x0 = residual(HR, LR-up), (x_t, target) from the forward process of this model's modulation, the prediction
    /// ε_θ(x_t [, mask], t, c) and the loss. <paramref name="denoiser"/> replaces the U-Net call (benchmarks time fused
    /// kernels through it); the mathematics stays this method's. All tensors belong to the caller's dispose scope.
    /// </summary>
    /// <param name="cond">(B, C_cond, h, w) conditioning.</param>
    /// <param name="hr">(B, 3, H, W) HR patches in [−1, 1].</param>
    /// <param name="lrUp">(B, 3, H, W) LR-up in [−1, 1].</param>
    /// <param name="mask">(B, 1, H, W) SPE maps; required when the method needs masks.</param>
    /// <param name="t">(B,) int64 code indices.</param>
    /// <param name="eps">Standard normal noise like <paramref name="hr"/>.</param>
    /// <param name="denoiser">(input, t, cond) → prediction; default the model's U-Net.</param>
    public TrainingStepTensors TrainingStep(Tensor cond, Tensor hr, Tensor lrUp, Tensor? mask, Tensor t, Tensor eps,
                                            Func<Tensor, Tensor, Tensor, Tensor>? denoiser = null)
    {
        Options.RequireMasks(mask is not null, atInference: false, "a (B,1,H,W) SPE batch");
        var x0 = ToResidual(hr, lrUp);
        var e = Options.EffectiveModulation == ModulationMode.None ? null : mask;
        var (xt, target) = Forward.Diffuse(x0, t, eps, e);                              // eq. 3 / 5 (or the official q_sample)
        var input = Options.Method == SrMethod.SamConcat ? cat([xt, mask!], 1) : xt;
        var pred = denoiser is null ? Networks.Denoiser.forward(input, t, cond) : denoiser(input, t, cond);
        if (pred.dtype != target.dtype) pred = pred.to(target.dtype);   // under autocast (bf16/fp16) the loss is float32
        return new TrainingStepTensors(x0, xt, target, pred, DiffusionLoss.Compute(pred, target, Options.Loss));
    }

    /// <summary>RRDB conditioning features of the LR image (frozen: eval mode, no gradients).</summary>
    public Tensor Conditioning(Tensor lr)
    {
        using var _ = no_grad();
        Networks.Rrdb?.eval();
        return Networks.Conditioning(lr);
    }

    /// <summary>
    /// Super-resolves a batch: x_T ~ N(0, I) in residual space, the reverse process (DDPM over all T steps, DDIM,
    /// or for modulated models the exact <see cref="ModulatedJumpSampler"/>; DDIM on a modulated model is refused
    /// with <see cref="SamplerRefusedException"/> unless k = T and η = 1), then image = res2img(x_0). LR sizes that the U-Net cannot take (HR must be a multiple of 8) are
    /// edge-padded and the result cropped back, so no pixel is dropped. Returns (B, 3, sH, sW) in about [−1, 1]
    /// (not clipped; clip when converting to 8-bit).
    /// </summary>
    /// <param name="lr">(B, 3, h, w) in [−1, 1].</param>
    /// <param name="lrUp">(B, 3, s·h, s·w) in [−1, 1].</param>
    /// <param name="mask">(B, 1, s·h, s·w) SPE map, only for SAM+SRDiff.</param>
    /// <param name="sampling">Sampler, steps and tiling (default: official DDPM, whole image).</param>
    /// <param name="generator">Source of x_T and the per-step noise.</param>
    /// <param name="progress">Per-step (or per-tile) progress.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public Tensor SuperResolve(Tensor lr, Tensor lrUp, SamplingOptions? sampling = null, Generator? generator = null,
                               Tensor? mask = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default) =>
        SuperResolve(lr, lrUp, new GeneratorNoiseSource(generator), sampling, mask, progress, cancellationToken);

    /// <summary>
    /// <see cref="SuperResolve(Tensor, Tensor, SamplingOptions?, Generator?, Tensor?, IProgress{ProgressInfo}?, CancellationToken)"/>
    /// with x_T and the per-step z taken from <paramref name="noise"/> (e.g. a <see cref="FixedNoiseSource"/> holding the
    /// official run's noises, for golden tests). With tiling, every tile draws from the same source in turn.
    /// </summary>
    public Tensor SuperResolve(Tensor lr, Tensor lrUp, INoiseSource noise, SamplingOptions? sampling = null,
                               Tensor? mask = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        sampling = SuperResolveCheck(sampling);   // refuses inexact choices before any work
        Options.RequireMasks(mask is not null, atInference: true, "the SPE map of the image");
        CheckShapes(lr, lrUp, mask);
        if (sampling.TileLr > 0 && (lr.shape[2] > sampling.TileLr || lr.shape[3] > sampling.TileLr))
            return Tiled(lr, lrUp, sampling, noise, mask, progress, cancellationToken);
        return Whole(lr, lrUp, sampling, noise, mask, progress, cancellationToken);
    }

    private Tensor Whole(Tensor lr, Tensor lrUp, SamplingOptions sampling, INoiseSource noise, Tensor? mask,
                         IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        int s = Scale;
        long h = lr.shape[2], w = lr.shape[3];
        int m = 8 / Gcd(8, s); // LR multiple so that s·LR is a multiple of 8
        long ph = (m - h % m) % m, pw = (m - w % m) % m;
        if (ph > 0 || pw > 0)
        {
            lr = nn.functional.pad(lr, [0, pw, 0, ph], PaddingModes.Replicate);
            lrUp = nn.functional.pad(lrUp, [0, pw * s, 0, ph * s], PaddingModes.Replicate);
            if (mask is not null) mask = nn.functional.pad(mask, [0, pw * s, 0, ph * s], PaddingModes.Replicate);
        }
        Networks.eval();
        var cond = Networks.Conditioning(lr);
        var projected = Networks.Denoiser.ProjectConditioning(cond);   // once per image, not once per step
        Tensor Denoise(Tensor xt, Tensor t)
        {
            var input = mask is null ? xt : cat([xt, mask], 1);
            if (sampling.Precision == Precision.Fp32) return Networks.Denoiser.ForwardProjected(input, t, projected);
            using (Autocast.Enter(xt.device, sampling.Precision))
            {
                using var low = Networks.Denoiser.ForwardProjected(input, t, projected);
                return low.to(xt.dtype);
            }
        }
        long[] shape = [lr.shape[0], 3, lrUp.shape[2], lrUp.shape[3]];
        var jump = ModulatedJumpSampler.ForSampling(Schedule, Options.EffectiveModulation, sampling, Options.EffectiveClipDenoised);
        bool clip = ClipFor(sampling);
        var ddpm = clip == _ddpm.ClipDenoised ? _ddpm : new DdpmSampler(Schedule, clip, ScalarType.Float32, lr.device);
        Tensor x = sampling.Sampler == SamplerKind.Ddpm
            ? ddpm.Sample(shape, Denoise, noise, progress, null, ct)
            : jump is not null
                ? jump.Sample(shape, Denoise, noise, ScalarType.Float32, lr.device, progress, null, ct)
                : new DdimSampler(Schedule, sampling.Steps, sampling.Spacing, sampling.Eta, clip)
                    .Sample(shape, Denoise, noise, ScalarType.Float32, lr.device, progress, null, ct);
        var img = FromResidual(x, lrUp);
        if (ph > 0 || pw > 0) img = img[.., .., ..(int)(lrUp.shape[2] - ph * s), ..(int)(lrUp.shape[3] - pw * s)];
        return img.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Validates a sampling request for this model without sampling: refuses (<see cref="SamplerRefusedException"/>, one
    /// line) an infeasible jump schedule, DDIM on a modulated model, and x̂0 clipping on a Paper-mode model.
    /// </summary>
    public SamplingOptions SuperResolveCheck(SamplingOptions? sampling)
    {
        sampling = (sampling ?? SamplingOptions.Official).Validate(Schedule.Timesteps);
        ModulatedJumpSampler.ForSampling(Schedule, Options.EffectiveModulation, sampling, Options.EffectiveClipDenoised);
        if (sampling.ClipDenoised == true && Options.EffectiveModulation == ModulationMode.Paper)
            throw new SamplerRefusedException("x0 clipping is refused for a Paper-modulated model: its implied x0 contains kappa_t*E, so clipping changes the reverse process (leave clipping automatic or off)");
        return sampling;
    }

    /// <summary>The x̂0 clipping a sampling request gets on this model: its override, else the model's automatic setting.</summary>
    public bool ClipFor(SamplingOptions sampling) => (sampling ?? SamplingOptions.Official).ClipDenoised ?? Options.EffectiveClipDenoised;

    /// <summary>Overlapping tiles, each super-resolved on its own, blended with linear ramps in the overlap.</summary>
    private Tensor Tiled(Tensor lr, Tensor lrUp, SamplingOptions sampling, INoiseSource noise, Tensor? mask,
                         IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        int s = Scale, tile = sampling.TileLr, ov = sampling.OverlapLr;
        long h = lr.shape[2], w = lr.shape[3];
        var ys = TileStarts(h, tile, ov); var xs = TileStarts(w, tile, ov);
        var acc = zeros([lr.shape[0], 3, h * s, w * s], device: lr.device);
        var wsum = zeros([1, 1, h * s, w * s], device: lr.device);
        int done = 0, total = ys.Count * xs.Count;
        foreach (var y in ys)
        foreach (var x in xs)
        {
            ct.ThrowIfCancellationRequested();
            using var tileScope = NewDisposeScope();
            long th = Math.Min(tile, h - y), tw = Math.Min(tile, w - x);
            var lrT = lr[.., .., (int)y..(int)(y + th), (int)x..(int)(x + tw)];
            var upT = lrUp[.., .., (int)(y * s)..(int)((y + th) * s), (int)(x * s)..(int)((x + tw) * s)];
            var mT = mask?[.., .., (int)(y * s)..(int)((y + th) * s), (int)(x * s)..(int)((x + tw) * s)];
            var sr = Whole(lrT, upT, sampling with { TileLr = 0 }, noise, mT, null, ct);
            var wt = RampWeights(th * s, tw * s, y > 0 ? ov * s : 0, y + th < h ? ov * s : 0, x > 0 ? ov * s : 0, x + tw < w ? ov * s : 0, lr.device);
            var accView = acc[.., .., (int)(y * s)..(int)((y + th) * s), (int)(x * s)..(int)((x + tw) * s)];
            accView.add_(sr * wt);
            wsum[.., .., (int)(y * s)..(int)((y + th) * s), (int)(x * s)..(int)((x + tw) * s)].add_(wt);
            progress?.Report(new ProgressInfo("tiles", ++done, total));
        }
        return (acc / wsum).MoveToOuterDisposeScope();
    }

    /// <summary>Tile start offsets covering [0, n) with tiles of <paramref name="tile"/> and the given overlap.</summary>
    public static List<long> TileStarts(long n, int tile, int overlap)
    {
        var res = new List<long>();
        if (n <= tile) { res.Add(0); return res; }
        long stride = tile - overlap;
        for (long p = 0; ; p += stride)
        {
            if (p + tile >= n) { res.Add(n - tile); break; }
            res.Add(p);
        }
        return res;
    }

    private static Tensor RampWeights(long h, long w, long top, long bottom, long left, long right, Device device)
    {
        static Tensor Ramp(long n, long a, long b, Device d)
        {
            var r = ones(n, device: d);
            for (long i = 0; i < a; i++) r[i] = (i + 0.5) / a;
            for (long i = 0; i < b; i++) r[n - 1 - i] = (i + 0.5) / b;
            return r;
        }
        using var scope = NewDisposeScope();
        var wy = Ramp(h, top, bottom, device).view(h, 1);
        var wx = Ramp(w, left, right, device).view(1, w);
        return (wy * wx).view(1, 1, h, w).MoveToOuterDisposeScope();
    }

    private void CheckShapes(Tensor lr, Tensor lrUp, Tensor? mask)
    {
        if (lr.dim() != 4 || lr.shape[1] != 3) throw new ArgumentException($"LR must be (B,3,h,w), got [{string.Join(",", lr.shape)}]");
        if (lrUp.dim() != 4 || lrUp.shape[0] != lr.shape[0] || lrUp.shape[2] != lr.shape[2] * Scale || lrUp.shape[3] != lr.shape[3] * Scale)
            throw new ArgumentException($"LR-up must be (B,3,{Scale}h,{Scale}w) = [{lr.shape[0]},3,{lr.shape[2] * Scale},{lr.shape[3] * Scale}], got [{string.Join(",", lrUp.shape)}]");
        if (mask is not null && (mask.dim() != 4 || mask.shape[1] != 1 || mask.shape[2] != lrUp.shape[2] || mask.shape[3] != lrUp.shape[3]))
            throw new ArgumentException($"mask must be (B,1,{lrUp.shape[2]},{lrUp.shape[3]}), got [{string.Join(",", mask.shape)}]");
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    public void Dispose()
    {
        Forward.Dispose();
        _ddpm.Dispose();
        if (_ownsNetworks) Networks.Dispose();
    }
}

/// <summary>The tensors of one training step (see <see cref="SrDiffusionModel.TrainingStep"/>).</summary>
/// <param name="X0">The clean residual.</param>
/// <param name="Xt">The diffused sample x_t.</param>
/// <param name="Target">The regression target (ε, or the modulated noise).</param>
/// <param name="Prediction">The network's prediction.</param>
/// <param name="Loss">The scalar loss (L1 or L2 per the options).</param>
public sealed record TrainingStepTensors(Tensor X0, Tensor Xt, Tensor Target, Tensor Prediction, Tensor Loss);
