using System.Globalization;
using SamDiffSR.Schedules;

namespace SamDiffSR.Diffusion;

/// <summary>
/// One sampling policy for every row of a comparison table (quickstart, study, <c>eval --policy</c>, notebooks 00/06/07):
/// the same sampler, the same timesteps, the same noise level per jump and the same clipping for every model, so that
/// rows differ only in what was trained.
/// <para><b>The policy.</b> Every diffusion model samples with the exact jump sampler (<see cref="ModulatedJumpSampler"/>)
/// on one schedule, the Paper-mode fewest jumps 100→99→97→92→80→55→22→5→1→0 (9 network calls per image), with no x̂0
/// clipping. "Exact" means each jump keeps the model's own forward marginal q(x_s | x_0[, E]) when the network predicts
/// its target exactly: Paper-mode models use their unique jump, OfficialCode models the jump of their mode
/// (DDIM with σ² = (1 − ᾱ_s)(1 − c_s²/c_t²)), unmodulated models (SRDiff, SAM+SRDiff) the DDIM step whose σ equals the
/// σ of the modulated model they are compared with (<see cref="Sigma"/>: the Paper-mode jump's by default, the released
/// code's for <see cref="ExactReleasedSigma"/>), so the two rows run identical coefficients on every jump
/// (<see cref="ModulatedJumpSampler.Coefficients"/>). The σ matters: on the quickstart's SRDiff model (1,600 steps, Set5,
/// x̂0 clipped) the Paper-mode σ, nearly deterministic in the middle of the chain, gave 27.374 dB with scattered speckles,
/// the released code's σ 28.265 dB without them (docs/few-step-sampling.md). No clipping because a
/// Paper-mode model cannot be clipped (its x̂0 contains κ_t·E), and clipping only some rows would make them differ in
/// the sampler. One extra row, <see cref="Clipped"/>, samples SRDiff with x̂0 clipping on the same schedule, so the
/// table shows what the policy itself costs or gains.</para>
/// </summary>
/// <param name="Name">Short label for headers.</param>
/// <param name="Sampling">The sampling options every row gets.</param>
public sealed record SamplingPolicy(string Name, SamplingOptions Sampling)
{
    /// <summary>The comparison policy: jump sampler, shared Paper-mode fewest-jump schedule, no x̂0 clipping.</summary>
    public static SamplingPolicy Exact { get; } = new("exact-9-jump",
        new SamplingOptions(SamplerKind.Jump, Steps: 0, Eta: 0, JumpSchedule: JumpScheduleKind.Shared, ClipDenoised: false));

    /// <summary>The policy row: <see cref="Exact"/> with x̂0 clipped (only for unmodulated or OfficialCode models).</summary>
    public static SamplingPolicy Clipped { get; } = new("exact-9-jump-clipped", Exact.Sampling with { ClipDenoised = true });

    /// <summary><see cref="Exact"/> with the released code's jump σ for unmodulated rows: the policy for comparing with SAM-DiffSR (released).</summary>
    public static SamplingPolicy ExactReleasedSigma { get; } = new("exact-9-jump-released-sigma", Exact.Sampling with { UnmodulatedSigma = JumpSigma.Released });

    /// <summary><see cref="ExactReleasedSigma"/> with x̂0 clipped.</summary>
    public static SamplingPolicy ClippedReleasedSigma { get; } = new("exact-9-jump-released-sigma-clipped", ExactReleasedSigma.Sampling with { ClipDenoised = true });

    /// <summary>The policy for a clipping choice and an unmodulated σ.</summary>
    public static SamplingPolicy For(bool clip, JumpSigma sigma) => (clip, sigma) switch
    {
        (false, JumpSigma.Paper) => Exact,
        (true, JumpSigma.Paper) => Clipped,
        (false, JumpSigma.Released) => ExactReleasedSigma,
        _ => ClippedReleasedSigma,
    };

    /// <summary>Whose jump σ unmodulated rows take under this policy.</summary>
    public JumpSigma Sigma => Sampling.UnmodulatedSigma;

    /// <summary>The visited paper steps for a schedule, e.g. "100→99→…→1→0".</summary>
    public string Timesteps(DiffusionSchedule schedule) =>
        ModulatedJumpSampler.Describe(ModulatedJumpSampler.ForSampling(schedule, ModulationMode.Paper, Sampling with { ClipDenoised = false }, false)!.Timesteps);

    /// <summary>Number of network evaluations per image.</summary>
    public int NetworkCalls(DiffusionSchedule schedule) =>
        ModulatedJumpSampler.ForSampling(schedule, ModulationMode.Paper, Sampling with { ClipDenoised = false }, false)!.Jumps.Count;

    /// <summary>One line for table headers and logs (<paramref name="withClipping"/> / <paramref name="withSigma"/>: false leaves
    /// the clipping / the σ sentence to the caller).</summary>
    public string Describe(DiffusionSchedule schedule, bool withClipping = true, bool withSigma = true) => string.Create(CultureInfo.InvariantCulture,
        $"sampler jump (exact for each model's forward process), {NetworkCalls(schedule)} jumps {Timesteps(schedule)} shared by all rows" +
        $"{(withSigma ? $", sigma of {SigmaName(Sampling.UnmodulatedSigma)} for unmodulated rows, each modulated row the sigma of its own jump (no eta)" : "")}" +
        $"{(withClipping ? $", x0 clipping {(Sampling.ClipDenoised == true ? "on" : "off")}" : "")}");

    /// <summary>"the Paper-mode jump" or "the released code's jump".</summary>
    public static string SigmaName(JumpSigma sigma) => sigma == JumpSigma.Released ? "the released code's jump" : "the Paper-mode jump";

    /// <summary>The per-row record of a sampling choice (report.json): sampler, steps (network calls), eta, clip, jump σ.</summary>
    public static SamplingRecord Record(SamplingOptions sampling, DiffusionSchedule schedule, ModulationMode mode, bool clip)
    {
        int steps = sampling.Sampler switch
        {
            SamplerKind.Ddpm => schedule.Timesteps,
            SamplerKind.Ddim => sampling.Steps,
            _ => ModulatedJumpSampler.ForSampling(schedule, mode, sampling with { ClipDenoised = clip && mode != ModulationMode.Paper }, clip)!.Jumps.Count,
        };
        string? timesteps = sampling.Sampler == SamplerKind.Jump
            ? ModulatedJumpSampler.Describe(ModulatedJumpSampler.ForSampling(schedule, mode, sampling with { ClipDenoised = clip && mode != ModulationMode.Paper }, clip)!.Timesteps)
            : null;
        double? eta = sampling.Sampler switch { SamplerKind.Ddim => sampling.Eta, SamplerKind.Ddpm => 1.0, _ => null };
        string? sigma = sampling.Sampler == SamplerKind.Jump ? Runtime.OptionNames.Of(JumpSigmas.Effective(mode, sampling.UnmodulatedSigma)) : null;
        return new SamplingRecord(Runtime.OptionNames.Of(sampling.Sampler), steps, eta, clip, timesteps, sigma);
    }
}

/// <summary>What one row was sampled with (for reports).</summary>
/// <param name="Sampler">ddpm, ddim or jump.</param>
/// <param name="Steps">Network evaluations per image.</param>
/// <param name="Eta">DDIM η (DDPM = 1); null for the jump sampler, whose σ is fixed per jump.</param>
/// <param name="Clip">Whether x̂0 was clipped.</param>
/// <param name="Timesteps">The visited paper steps (jump sampler only).</param>
/// <param name="Sigma">Whose jump σ the row used, "paper" or "released" (jump sampler only; <see cref="JumpSigma"/>).</param>
public sealed record SamplingRecord(string Sampler, int Steps, double? Eta, bool Clip, string? Timesteps, string? Sigma = null);
