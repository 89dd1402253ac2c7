using SamDiffSR.Runtime;

namespace SamDiffSR.Diffusion;

/// <summary>How to run the reverse process at inference.</summary>
/// <param name="Sampler">DDPM (official, all T steps), DDIM (unmodulated models) or Jump (modulated models).</param>
/// <param name="Steps">DDIM step count k; for Jump 0 = the fewest feasible jumps, k = trailing k steps (ignored for DDPM).</param>
/// <param name="Eta">DDIM η (0 = deterministic).</param>
/// <param name="Spacing">DDIM timestep spacing.</param>
/// <param name="TileLr">
/// Tile size in LR pixels for tiled inference (0 = whole image). Tiles overlap by <paramref name="OverlapLr"/>
/// LR pixels and are blended in HR space with linear ramps, so memory stays bounded for large images.
/// </param>
/// <param name="OverlapLr">Overlap between neighbouring tiles, LR pixels.</param>
/// <param name="Precision">Precision of the denoiser's forward passes: float32 (default, unchanged), or libtorch autocast
/// to bf16/fp16; the sampler's arithmetic (schedule terms, x_t updates) stays float32.</param>
/// <param name="JumpSchedule">Jump with Steps = 0: the model's own fewest jumps, or the shared Paper-mode schedule.</param>
/// <param name="ClipDenoised">Clip x̂0 to [−1, 1] in each step: null = the model's automatic setting
/// (<see cref="DiffusionOptions.EffectiveClipDenoised"/>), true/false overrides it (true is refused for Paper-mode models).</param>
/// <param name="UnmodulatedSigma">Jump sampler, unmodulated models only: whose jump σ to take (<see cref="JumpSigma"/>;
/// modulated models always use their own).</param>
public sealed record SamplingOptions(
    SamplerKind Sampler = SamplerKind.Ddpm,
    int Steps = 100,
    double Eta = 0.0,
    DdimSpacing Spacing = DdimSpacing.Uniform,
    int TileLr = 0,
    int OverlapLr = 8,
    Precision Precision = Precision.Fp32,
    JumpScheduleKind JumpSchedule = JumpScheduleKind.Model,
    bool? ClipDenoised = null,
    JumpSigma UnmodulatedSigma = JumpSigma.Paper)
{
    public static SamplingOptions Official { get; } = new();

    public SamplingOptions Validate(int timesteps)
    {
        if (Sampler == SamplerKind.Ddim && (Steps < 1 || Steps > timesteps))
            throw new ArgumentException($"DDIM steps must be in [1, {timesteps}], got {Steps}");
        if (Sampler == SamplerKind.Jump && (Steps < 0 || Steps > timesteps))
            throw new ArgumentException($"jump steps must be 0 (fewest feasible jumps) or in [1, {timesteps}] (trailing spacing), got {Steps}");
        if (Eta < 0) throw new ArgumentException($"eta must be >= 0, got {Eta}");
        if (TileLr < 0 || OverlapLr < 0) throw new ArgumentException("tile and overlap must be >= 0");
        if (TileLr > 0 && OverlapLr * 2 >= TileLr) throw new ArgumentException($"overlap ({OverlapLr}) must be less than half the tile ({TileLr})");
        return this;
    }
}
