using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli;

/// <summary>Shared sampler options (--sampler, --steps, --eta, --tile, --overlap).</summary>
public static class SamplingCliOptions
{
    public const string Help = """
          --sampler   ddpm (official: all T steps, default) or ddim (--steps k, --eta, default 0 = deterministic)
          --tile      tiled inference: LR tile size in pixels (0 = whole image), --overlap LR pixels (default 8)
        """ + "\n";

    /// <summary>Reads the sampler options; <paramref name="stepsOption"/> names the step-count option (quickstart: steps-eval).</summary>
    public static SamplingOptions Parse(CliArgs args, string stepsOption = "steps")
    {
        var kind = args.Enum("sampler", SamplerKind.Ddpm);
        args.NotWith(stepsOption, kind == SamplerKind.Ddpm, "applies only to --sampler ddim (DDPM always runs all T steps of the model's schedule)");
        args.NotWith("eta", kind == SamplerKind.Ddpm, "applies only to --sampler ddim");
        args.NotWith("overlap", !args.Has("tile") || args.Get("tile") == "0", "applies only with --tile N > 0");
        int steps = args.Int(stepsOption, kind == SamplerKind.Ddim ? 50 : 100);
        double eta = args.Double("eta", 0);
        int tile = args.Int("tile", 0, min: 0), overlap = args.Int("overlap", 8, min: 0);
        if (tile > 0 && overlap * 2 >= tile) throw new CliUsageException($"--overlap ({overlap}) must be less than half of --tile ({tile})");
        try { return new SamplingOptions(kind, steps, eta, DdimSpacing.Uniform, tile, overlap).Validate(int.MaxValue); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}
