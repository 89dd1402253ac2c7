using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli;

/// <summary>Shared sampler options (--sampler, --steps, --eta, --clip, --policy, --tile, --overlap).</summary>
public static class SamplingCliOptions
{
    public const string Help = """
          --sampler   ddpm (official: all T steps, default), ddim (--steps k, --eta, default 0 = deterministic;
                      unmodulated models) or jump (exact for every model; --steps 0 = fewest feasible jumps)
          --clip      x0 clipping: auto (the model's setting, default), on (refused for Paper-mode models) or off
          --policy    exact: the comparison policy of every table (jump sampler on the shared 9-jump schedule
                      100→99→97→92→80→55→22→5→1→0, no clipping); replaces --sampler/--steps/--eta/--clip
          --tile      tiled inference: LR tile size in pixels (0 = whole image), --overlap LR pixels (default 8)
        """ + "\n";

    /// <summary>Reads the sampler options; <paramref name="stepsOption"/> names the step-count option (quickstart: steps-eval).</summary>
    public static SamplingOptions Parse(CliArgs args, string stepsOption = "steps")
    {
        var policy = args.Get("policy");
        var kind = args.Enum("sampler", SamplerKind.Ddpm);
        int steps = args.Int(stepsOption, kind switch { SamplerKind.Ddim => 50, SamplerKind.Jump => 0, _ => 100 });
        double eta = args.Double("eta", 0);
        var clip = args.GetOr("clip", "auto");
        int tile = args.Int("tile", 0), overlap = args.Int("overlap", 8);
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
            return SamplingPolicy.Exact.Sampling with { TileLr = tile, OverlapLr = overlap };
        }
        try { return new SamplingOptions(kind, steps, eta, DdimSpacing.Uniform, tile, overlap, ClipDenoised: clipValue).Validate(int.MaxValue); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}
