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
/// Paper-mode jump's σ on the same pair (<see cref="ModulatedJumpSampler.Coefficients"/>). No clipping because a
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

    /// <summary>The visited paper steps for a schedule, e.g. "100→99→…→1→0".</summary>
    public string Timesteps(DiffusionSchedule schedule) =>
        ModulatedJumpSampler.Describe(ModulatedJumpSampler.ForSampling(schedule, ModulationMode.Paper, Sampling with { ClipDenoised = false }, false)!.Timesteps);

    /// <summary>Number of network evaluations per image.</summary>
    public int NetworkCalls(DiffusionSchedule schedule) =>
        ModulatedJumpSampler.ForSampling(schedule, ModulationMode.Paper, Sampling with { ClipDenoised = false }, false)!.Jumps.Count;

    /// <summary>One line for table headers and logs (<paramref name="withClipping"/>: false leaves the clipping to the caller).</summary>
    public string Describe(DiffusionSchedule schedule, bool withClipping = true) => string.Create(CultureInfo.InvariantCulture,
        $"sampler jump (exact for each model's forward process), {NetworkCalls(schedule)} jumps {Timesteps(schedule)} shared by all rows, " +
        $"sigma of the Paper-mode jump (no eta){(withClipping ? $", x0 clipping {(Sampling.ClipDenoised == true ? "on" : "off")}" : "")}");

    /// <summary>The per-row record of a sampling choice (report.json): sampler, steps (network calls), eta, clip.</summary>
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
        return new SamplingRecord(Runtime.OptionNames.Of(sampling.Sampler), steps, eta, clip, timesteps);
    }
}

/// <summary>What one row was sampled with (for reports).</summary>
/// <param name="Sampler">ddpm, ddim or jump.</param>
/// <param name="Steps">Network evaluations per image.</param>
/// <param name="Eta">DDIM η (DDPM = 1); null for the jump sampler, whose σ is fixed per jump.</param>
/// <param name="Clip">Whether x̂0 was clipped.</param>
/// <param name="Timesteps">The visited paper steps (jump sampler only).</param>
public sealed record SamplingRecord(string Sampler, int Steps, double? Eta, bool Clip, string? Timesteps);
