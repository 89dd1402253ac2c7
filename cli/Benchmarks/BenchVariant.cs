namespace SamDiffSR.Cli.Benchmarks;

/// <summary>How the ε_θ / RRDB computations are executed in a benchmark variant.</summary>
public enum GradMode
{
    /// <summary><c>torch.no_grad()</c>: no autograd graph (what the official code and our samplers use).</summary>
    NoGrad,

    /// <summary><c>torch.inference_mode()</c>: no graph and no version-counter / view tracking (sampling only).</summary>
    InferenceMode,
}

/// <summary>
/// One set of execution settings measured side by side with the others in the same run. Each knob is something
/// TorchSharp (0.107, libtorch 2.10 CPU) offers or a restructuring of the same computation; none changes the
/// numbers computed beyond float rounding (the tests check the outputs against the default path).
/// </summary>
/// <param name="Name">Label in reports ("baseline", "tuned", …).</param>
/// <param name="Threads">Intra-op threads for this variant's runs (<c>torch.set_num_threads</c>); 0 = libtorch's default.</param>
/// <param name="SamplingGrad">Grad mode of the sampling workload (training always records the U-Net's graph and
/// runs the frozen RRDB under no_grad, as the official step does: inference tensors cannot enter autograd).</param>
/// <param name="ChannelsLast">Store the weights and inputs in NHWC (channels-last) strides. TorchSharp 0.107 has the
/// <c>memory_format</c> enum but no <c>contiguous(memory_format)</c> or <c>module.to(memory_format)</c>, so this is done
/// with <c>permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)</c> and <c>Tensor.set_</c>, which gives the same strides.</param>
/// <param name="TrunkOnlyRrdb">Compute the conditioning with the RRDB trunk only (<see cref="Models.RRDBNet.Features"/>),
/// skipping the up-sampling branch whose output the diffusion stage discards; the official step runs the full
/// <c>rrdb(img_lr, True)</c>.</param>
/// <param name="OfficialByProducts">Training: also compute what the official <c>p_losses</c>/<c>forward</c> compute for
/// logging only (x_t_gt = q_sample at t − 1, the no-grad <c>p_sample</c> x_t_pred from the prediction, three
/// <c>res2img</c>), as the official harness timed them.</param>
/// <param name="CachedConditioning">Sampling: project the constant conditioning (the U-Net's <c>cond_proj</c>, a
/// ConvTranspose2d of the RRDB features) and the time embeddings once per image instead of once per step, with a
/// bench-local functional U-Net forward (<see cref="FastUnet"/>); also uses libtorch's fused <c>mish</c>.</param>
/// <param name="FusedMish">Use libtorch's single-kernel <c>mish</c> instead of x·tanh(softplus(x)) (via <see cref="FastUnet"/>).</param>
/// <param name="Precision">fp32 (default), or libtorch autocast to bf16/fp16 around the forward passes (training: the
/// loss in float32, fp16 with <see cref="Training.LossScaler"/>), as <c>--precision</c> in train/sample.</param>
public sealed record BenchVariant(
    string Name,
    int Threads = 0,
    GradMode SamplingGrad = GradMode.NoGrad,
    bool ChannelsLast = false,
    bool TrunkOnlyRrdb = false,
    bool OfficialByProducts = false,
    bool CachedConditioning = false,
    bool FusedMish = false,
    SamDiffSR.Runtime.Precision Precision = SamDiffSR.Runtime.Precision.Fp32)
{
    /// <summary>
    /// TorchSharp eager defaults doing the official harness's work: default threads, no_grad sampling, NCHW, the full
    /// RRDB forward, and (training) the official logged by-products.
    /// </summary>
    public static BenchVariant Baseline { get; } = new("baseline", OfficialByProducts: true);

    /// <summary>Whether this variant needs the bench-local functional U-Net forward.</summary>
    public bool UsesFastUnet => CachedConditioning || FusedMish;

    /// <summary>Short description of the non-default knobs.</summary>
    public string Describe()
    {
        var parts = new List<string> { Threads > 0 ? $"threads={Threads}" : "threads=default" };
        if (SamplingGrad == GradMode.InferenceMode) parts.Add("inference_mode");
        if (ChannelsLast) parts.Add("channels_last");
        if (TrunkOnlyRrdb) parts.Add("rrdb trunk only");
        if (OfficialByProducts) parts.Add("official by-products");
        if (CachedConditioning) parts.Add("cached cond_proj + time emb");
        if (FusedMish) parts.Add("fused mish");
        if (Precision != SamDiffSR.Runtime.Precision.Fp32) parts.Add($"autocast {SamDiffSR.Runtime.OptionNames.Of(Precision)}");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// Named variants for the CLI's <c>--variants</c>: baseline, tuned, and single-knob variants of the baseline
    /// (threads1, threads2, inference, channelslast, trunk, nobyproducts, fusedmish, cachedcond).
    /// </summary>
    /// <param name="name">Variant name (case-insensitive).</param>
    /// <param name="tuned">The variant to return for "tuned".</param>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static BenchVariant Parse(string name, BenchVariant tuned)
    {
        ArgumentNullException.ThrowIfNull(name);
        var b = Baseline;
        return name.Trim().ToLowerInvariant() switch
        {
            "baseline" => b,
            "tuned" => tuned,
            "threads1" => b with { Name = "threads1", Threads = 1 },
            "threads2" => b with { Name = "threads2", Threads = 2 },
            "inference" => b with { Name = "inference", SamplingGrad = GradMode.InferenceMode },
            "channelslast" => b with { Name = "channelslast", ChannelsLast = true },
            "trunk" => b with { Name = "trunk", TrunkOnlyRrdb = true },
            "nobyproducts" => b with { Name = "nobyproducts", OfficialByProducts = false },
            "fusedmish" => b with { Name = "fusedmish", FusedMish = true },
            "cachedcond" => b with { Name = "cachedcond", CachedConditioning = true, FusedMish = true },
            "bf16" => b with { Name = "bf16", Precision = SamDiffSR.Runtime.Precision.Bf16 },
            "fp16" => b with { Name = "fp16", Precision = SamDiffSR.Runtime.Precision.Fp16 },
            _ => throw new ArgumentException(
                $"unknown benchmark variant '{name}'; valid: {string.Join(", ", Names)}."),
        };
    }

    /// <summary>The names <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["baseline", "tuned", "threads1", "threads2", "inference", "channelslast", "trunk", "nobyproducts", "fusedmish", "cachedcond", "bf16", "fp16"];
}
