using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli;

/// <summary>Shared sampler options (--sampler, --steps, --eta, --clip, --policy, --tile, --overlap, --precision).</summary>
public static class SamplingCliOptions
{
    public const string Help = """
          --sampler   ddpm (official: all T steps, default), ddim (--steps k, --eta, default 0 = deterministic;
                      unmodulated models) or jump (exact for every model; --steps 0 = fewest feasible jumps)
          --clip      x0 clipping: auto (the model's setting, default), on (refused for Paper-mode models) or off
          --policy    exact: the comparison policy of every table (jump sampler on the shared 9-jump schedule
                      100→99→97→92→80→55→22→5→1→0, no clipping); replaces --sampler/--steps/--eta/--clip
          --sigma     jump sampler (and --policy exact), unmodulated models only: take the fresh noise of each jump
                      from the paper's jump (default) or the released code's (released): the one of the SAM-DiffSR
                      model you compare with, so both run the same coefficients. Modulated models use their own.
          --tile      tiled inference: LR tile size in pixels (0 = whole image), --overlap LR pixels (default 8)
        """ + "\n" + PrecisionCliOptions.Help;

    /// <summary>Reads the sampler options; <paramref name="stepsOption"/> names the step-count option (quickstart: steps-eval).</summary>
    public static SamplingOptions Parse(CliArgs args, string stepsOption = "steps")
    {
        var policy = args.Get("policy");
        var kind = args.Enum("sampler", SamplerKind.Ddpm);
        args.NotWith(stepsOption, kind == SamplerKind.Ddpm, "applies only to --sampler ddim or jump (DDPM always runs all T steps of the model's schedule)");
        args.NotWith("eta", kind != SamplerKind.Ddim, "applies only to --sampler ddim (the exact jump has no free noise level)");
        args.NotWith("overlap", !args.Has("tile") || args.Get("tile") == "0", "applies only with --tile N > 0");
        int steps = args.Int(stepsOption, kind switch { SamplerKind.Ddim => 50, SamplerKind.Jump => 0, _ => 100 });
        double eta = args.Double("eta", 0);
        var clip = args.GetOr("clip", "auto");
        args.NotWith("sigma", kind != SamplerKind.Jump && policy is null, "applies only to --sampler jump or --policy exact (DDPM and DDIM have no per-jump sigma to choose)");
        var sigma = args.Enum("sigma", JumpSigma.Paper);
        int tile = args.Int("tile", 0, min: 0), overlap = args.Int("overlap", 8, min: 0);
        if (tile > 0 && overlap * 2 >= tile) throw new CliUsageException($"--overlap ({overlap}) must be less than half of --tile ({tile})");
        var precision = PrecisionCliOptions.Parse(args);
        bool? clipValue = clip switch
        {
            "auto" => null, "on" => true, "off" => false,
            _ => throw new CliUsageException($"--clip must be auto, on or off, got '{clip}'"),
        };
        if (policy is not null)
        {
            if (policy != "exact") throw new CliUsageException($"--policy must be 'exact', got '{policy}'");
            if (args.Has("sampler") || args.Has(stepsOption) || args.Has("eta") || args.Has("clip"))
                throw new CliUsageException($"--policy exact fixes the sampler, steps, eta and clipping; drop --sampler/--{stepsOption}/--eta/--clip");
            return SamplingPolicy.For(false, sigma).Sampling with { TileLr = tile, OverlapLr = overlap, Precision = precision };
        }
        try { return new SamplingOptions(kind, steps, eta, DdimSpacing.Uniform, tile, overlap, precision, ClipDenoised: clipValue, UnmodulatedSigma: sigma).Validate(int.MaxValue); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}

/// <summary>--precision fp32|bf16|fp16 and --cudnn-benchmark (train, sample, eval, quickstart's evaluation).</summary>
public static class PrecisionCliOptions
{
    public const string Help = """
          --precision fp32 (default) | bf16 | fp16: libtorch autocast for convolutions and matrix products, float32
                      weights (fp16 training adds a dynamic loss scaler); meant for a GPU (docs/gpu.md)
          --cudnn-benchmark  let cuDNN time and pick convolution algorithms per input shape (GPU; off by default)
        """ + "\n";

    public static Precision Parse(CliArgs args) => args.Enum("precision", Precision.Fp32);

    /// <summary>Reads --cudnn-benchmark (apply it with <see cref="CudnnSettings.Benchmark"/> after <see cref="TorchRuntime.Initialize"/>).</summary>
    public static bool CudnnBenchmark(CliArgs args) => args.Flag("cudnn-benchmark");
}
