using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli;

/// <summary>Shared sampler options (--sampler, --steps, --eta, --tile, --overlap).</summary>
public static class SamplingCliOptions
{
    public const string Help = """
          --sampler   ddpm (official: all T steps, default), ddim (--steps k, --eta, default 0 = deterministic;
                      unmodulated models) or jump (exact for SAM-DiffSR models; --steps 0 = fewest feasible jumps)
          --tile      tiled inference: LR tile size in pixels (0 = whole image), --overlap LR pixels (default 8)
        """ + "\n";

    /// <summary>Reads the sampler options; <paramref name="stepsOption"/> names the step-count option (quickstart: steps-eval).</summary>
    public static SamplingOptions Parse(CliArgs args, string stepsOption = "steps")
    {
        var kind = args.Enum("sampler", SamplerKind.Ddpm);
        int steps = args.Int(stepsOption, kind switch { SamplerKind.Ddim => 50, SamplerKind.Jump => 0, _ => 100 });
        double eta = args.Double("eta", 0);
        int tile = args.Int("tile", 0), overlap = args.Int("overlap", 8);
        try { return new SamplingOptions(kind, steps, eta, DdimSpacing.Uniform, tile, overlap).Validate(int.MaxValue); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}
