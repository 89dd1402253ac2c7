using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Verification;

/// <summary>One comparison of ours against a number the official code produced.</summary>
/// <param name="Name">What was compared, e.g. "unet noise_pred t=37".</param>
/// <param name="MaxAbsDifference">Largest |ours − official| (NaN when the check could not run).</param>
/// <param name="Tolerance">The largest difference that passes.</param>
/// <param name="Seconds">Wall time of the check (device work synchronised).</param>
/// <param name="Detail">Extra facts (values compared, why it could not run).</param>
public sealed record ReferenceCheckResult(string Name, double MaxAbsDifference, double Tolerance, double Seconds, string Detail = "")
{
    /// <summary>True when the difference is a number no larger than the tolerance.</summary>
    public bool Passed => MaxAbsDifference <= Tolerance;

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Passed ? "pass" : "FAIL")}  {Name,-34} max |diff| {MaxAbsDifference:0.00e+0} (tol {Tolerance:0e+0}) {Seconds,6:F2} s  {Detail}").TrimEnd();
}

/// <summary>
/// The official reference vectors (<c>data/reference</c>: <c>tiny_denoiser.pt</c>, <c>tiny_denoiser_io.json</c>,
/// <c>tiny_denoiser_after_adam_step.pt</c>, <c>tiny_sampling_noise.pt</c>; produced by running the official SAM-DiffSR
/// code, see data/reference/PROVENANCE.md) replayed on a chosen device: the RRDB encoder, three U-Net predictions, one
/// training step (loss, prediction, Adam update) and the full 100-step DDPM chain with the official noises. It is what
/// the test suite checks on the CPU, packaged so that a user can check a GPU or a new machine with
/// <c>samdiffsr verify --device cuda</c>.
/// </summary>
/// <remarks>On CUDA the checks switch TF32 off for cuDNN convolutions and matmuls (process-wide settings; TF32 rounds
/// inputs to 10 mantissa bits, ~1e-3 relative) and use a wider tolerance than on the CPU: other kernels sum in other
/// orders.</remarks>
public sealed class ReferenceCheck : IDisposable
{
    /// <summary>Tolerance on CPU (float32 against float32: ours reach ≤ 5e-7).</summary>
    public const double CpuTolerance = 1e-5;

    /// <summary>Tolerance on CUDA (float32 with TF32 off; other kernels and summation orders).</summary>
    public const double CudaTolerance = 1e-4;

    private readonly JsonDocument _io;
    private readonly Device _device;

    /// <summary>Opens the reference folder.</summary>
    /// <param name="device">Where the networks run.</param>
    /// <param name="folder">The reference folder (default <c>data/reference</c> of the checkout).</param>
    /// <exception cref="FileNotFoundException">A reference file is missing (the message names it).</exception>
    public ReferenceCheck(Device device, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        Folder = Path.GetFullPath(folder ?? DefaultFolder);
        foreach (var f in new[] { "tiny_denoiser.pt", "tiny_denoiser_io.json", "tiny_denoiser_after_adam_step.pt", "tiny_sampling_noise.pt" })
            if (!File.Exists(Path.Combine(Folder, f)))
                throw new FileNotFoundException($"reference file {Path.Combine(Folder, f)} is missing: point --reference at the repository's data/reference folder", Path.Combine(Folder, f));
        var ioPath = Path.Combine(Folder, "tiny_denoiser_io.json");
        try { _io = JsonDocument.Parse(File.ReadAllBytes(ioPath)); }
        catch (JsonException e) { throw new InvalidDataException($"{ioPath}: not valid JSON ({e.Message}); restore it from git", e); }
        _device = device;
        Tolerance = device.type == DeviceType.CPU ? CpuTolerance : CudaTolerance;
        if (device.type == DeviceType.CUDA)
        {
            torch.backends.cudnn.allow_tf32 = false;
            torch.backends.cuda.matmul.allow_tf32 = false;
        }
    }

    /// <summary><c>data/reference</c> of the checkout (see <see cref="DataPaths.DataRoot"/>).</summary>
    public static string DefaultFolder => Path.Combine(DataPaths.DataRoot(), "reference");

    /// <summary>The folder read.</summary>
    public string Folder { get; }

    /// <summary>The tolerance used for this device.</summary>
    public double Tolerance { get; }

    private JsonElement Inputs => _io.RootElement.GetProperty("inputs");
    private JsonElement Outputs => _io.RootElement.GetProperty("outputs");

    /// <summary>Runs every check; a check that throws is reported as failed with the exception's message.</summary>
    public IReadOnlyList<ReferenceCheckResult> RunAll(IProgress<ProgressInfo>? progress = null)
    {
        var checks = new (string Name, Func<IEnumerable<ReferenceCheckResult>> Run)[]
        {
            ("rrdb", Rrdb), ("unet", Unet), ("train step", TrainStep), ("sampling", Sampling),
        };
        var results = new List<ReferenceCheckResult>();
        for (int i = 0; i < checks.Length; i++)
        {
            progress?.Report(new ProgressInfo("verify", i, checks.Length, checks[i].Name));
            var clock = Stopwatch.StartNew();
            try { results.AddRange(checks[i].Run()); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                results.Add(new ReferenceCheckResult(checks[i].Name, double.NaN, Tolerance, clock.Elapsed.TotalSeconds, $"{e.GetType().Name}: {e.Message}"));
            }
        }
        progress?.Report(new ProgressInfo("verify", checks.Length, checks.Length));
        return results;
    }

    /// <summary>RRDB output and every block feature for the reference LR image.</summary>
    public IEnumerable<ReferenceCheckResult> Rrdb()
    {
        using var nets = LoadNetworks();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var enc = nets.Rrdb!.Encode(Input("img_lr"));
        double dOut = MaxAbsDiff(enc.Output, Floats(Outputs.GetProperty("rrdb_out")));
        var feas = Outputs.GetProperty("rrdb_feas").EnumerateArray().ToList();
        if (feas.Count != enc.Features.Count)
            throw new InvalidDataException($"the reference has {feas.Count} RRDB features, ours {enc.Features.Count}");
        double dF = 0;
        for (int i = 0; i < feas.Count; i++) dF = Math.Max(dF, MaxAbsDiff(enc.Features[i], Floats(feas[i])));
        double s = clock.Elapsed.TotalSeconds;
        return [new("rrdb output", dOut, Tolerance, s), new($"rrdb features (all {feas.Count})", dF, Tolerance, 0)];
    }

    /// <summary>The U-Net's noise prediction for each reference case (x_t, t, the RRDB conditioning).</summary>
    public IEnumerable<ReferenceCheckResult> Unet()
    {
        using var nets = LoadNetworks();
        using var _ = no_grad();
        var results = new List<ReferenceCheckResult>();
        foreach (var c in Outputs.GetProperty("denoise_fn").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            long tIndex = c.GetProperty("t_index").GetInt64();
            var cond = nets.Conditioning(Input("img_lr"));
            var pred = nets.Denoiser.call(Input("x_t"), tensor(new[] { tIndex }, device: _device), cond);
            double d = MaxAbsDiff(pred, Floats(c.GetProperty("noise_pred")));
            results.Add(new($"unet noise_pred t={tIndex}", d, Tolerance, clock.Elapsed.TotalSeconds));
        }
        return results;
    }

    /// <summary>One official training step (t = 37, modulated target): the loss, the prediction, and every weight
    /// after one Adam step (lr 2e-4) against <c>tiny_denoiser_after_adam_step.pt</c>.</summary>
    public IEnumerable<ReferenceCheckResult> TrainStep()
    {
        var ts = Outputs.GetProperty("train_step");
        int tIndex = ts.GetProperty("t_index").GetInt32();
        using var nets = LoadNetworks();
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var buffers = StateDictFile.Read(Path.Combine(Folder, "tiny_denoiser.pt"));
        float sqrtAc = buffers["sqrt_alphas_cumprod"][tIndex].item<float>();
        float sqrt1mAc = buffers["sqrt_one_minus_alphas_cumprod"][tIndex].item<float>();
        foreach (var t in buffers.Values) t.Dispose();

        var shape = Shape(Inputs.GetProperty("x_t_shape"));
        var x0 = Tensor(ts.GetProperty("x_start_residual"), shape);
        var target = Tensor(ts.GetProperty("target_modulated_noise"), shape);
        var xt = x0 * tensor(sqrtAc, device: _device) + target * tensor(sqrt1mAc, device: _device);                     // official p_losses, float32 buffers

        nets.Rrdb!.eval();
        foreach (var p in nets.Rrdb.parameters()) p.requires_grad = false;
        Tensor cond;
        using (no_grad()) cond = nets.Conditioning(Input("img_lr"));
        nets.Denoiser.train();
        using var adam = new Training.StableOptimizers.Adam(nets.parameters(), 2e-4);   // the trainer's Adam (β 0.9/0.999, ε 1e-8: PyTorch's defaults)
        adam.zero_grad();
        var pred = nets.Denoiser.call(xt, tensor(new long[] { tIndex }, device: _device), cond);
        var loss = (target - pred).abs().mean();
        double lossValue = loss.item<float>(), official = ts.GetProperty("loss").GetDouble();
        double dPred = MaxAbsDiff(pred, Floats(ts.GetProperty("noise_pred")));
        loss.backward();
        adam.step();
        var after = StateDictFile.Read(Path.Combine(Folder, "tiny_denoiser_after_adam_step.pt"));
        double worst = 0; string worstKey = "";
        try
        {
            foreach (var (k, ours) in nets.state_dict())
            {
                if (!after.TryGetValue(k, out var theirs)) throw new InvalidDataException($"tiny_denoiser_after_adam_step.pt has no '{k}'");
                double d = (ours.detach().cpu() - theirs).abs().max().item<float>();
                if (d > worst) { worst = d; worstKey = k; }
            }
        }
        finally { foreach (var t in after.Values) t.Dispose(); }
        double s = clock.Elapsed.TotalSeconds;
        return
        [
            new("train step loss", Math.Abs(lossValue - official), Tolerance, s,
                string.Create(CultureInfo.InvariantCulture, $"ours {lossValue:R}, official {official:R}")),
            new("train step noise_pred", dPred, Tolerance, 0),
            // Adam's first step moves each weight by about lr = 2e-4 whatever the gradient's size; a wrong step shows at that scale.
            new("weights after one Adam step", worst, Math.Min(Tolerance, 2e-5), 0, $"worst: {worstKey}"),
        ];
    }

    /// <summary>The official 100-step DDPM chain (official clipping, T = 100 cosine) with the official x_T and per-step
    /// noises injected, against the official img_sr.</summary>
    public IEnumerable<ReferenceCheckResult> Sampling()
    {
        using var nets = LoadNetworks();
        using var model = new SrDiffusionModel(nets, DiffusionOptions.SamDiffSROfficial, _device);
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var noise = StateDictFile.Read(Path.Combine(Folder, "tiny_sampling_noise.pt"));
        try
        {
            var onDevice = noise.ToDictionary(kv => kv.Key, kv => kv.Value.to(_device));
            var source = new FixedNoiseSource(onDevice["x_T"], i => onDevice[$"noise_step_{99 - i:D2}"]);
            var sr = model.SuperResolve(Input("img_lr"), Input("img_lr_up"), source);
            double d = MaxAbsDiff(sr, Floats(Outputs.GetProperty("sampling").GetProperty("img_sr")));
            return [new("ddpm 100 steps img_sr", d, Tolerance, clock.Elapsed.TotalSeconds)];
        }
        finally { foreach (var t in noise.Values) t.Dispose(); }
    }

    /// <inheritdoc/>
    public void Dispose() => _io.Dispose();

    private SrDiffNetworks LoadNetworks()
    {
        var nets = new SrDiffNetworks(ModelConfig.Tiny);
        try
        {
            var report = StateDictFile.LoadNetworks(nets, Path.Combine(Folder, "tiny_denoiser.pt"));
            if (!report.IsComplete) throw new InvalidDataException($"{Folder}/tiny_denoiser.pt did not load completely into the Tiny networks");
            nets.to(_device);
            nets.eval();
            return nets;
        }
        catch
        {
            nets.Dispose();
            throw;
        }
    }

    private Tensor Input(string name) => Tensor(Inputs.GetProperty(name), Shape(Inputs.GetProperty(name + "_shape")));

    private Tensor Tensor(JsonElement values, long[] shape) => tensor(Floats(values), shape).to(_device);

    /// <summary>A flattened JSON number list as float32 values.</summary>
    public static float[] Floats(JsonElement arr) => arr.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    /// <summary>A JSON integer list as a shape.</summary>
    public static long[] Shape(JsonElement arr) => arr.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>max |a − expected| over all elements (a is copied to the CPU).</summary>
    /// <exception cref="InvalidDataException">The element counts differ.</exception>
    public static double MaxAbsDiff(Tensor a, float[] expected)
    {
        var got = a.detach().cpu().contiguous().data<float>().ToArray();
        if (got.Length != expected.Length) throw new InvalidDataException($"{got.Length} values where the reference has {expected.Length}");
        double m = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double d = Math.Abs(got[i] - (double)expected[i]);
            if (!(d <= m)) m = d;   // NaN propagates
        }
        return m;
    }
}
