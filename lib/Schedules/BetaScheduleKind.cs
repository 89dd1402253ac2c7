using SamDiffSR.Runtime;
namespace SamDiffSR.Schedules;

/// <summary>Which noise schedule β_1..β_T (paper eq. 1) a <see cref="DiffusionSchedule"/> is built from.</summary>
public enum BetaScheduleKind
{
    /// <summary>
    /// Cosine schedule of Nichol &amp; Dhariwal (2021): ᾱ(t) ∝ cos²(((t/T + s)/(1 + s))·π/2), s = 0.008, β clipped at 0.999.
    /// The paper's configuration (T = 100) and the official code's default.
    /// </summary>
    [OptionName("cosine")]
    Cosine,

    /// <summary>Linear schedule of Ho et al. (2020): β = linspace(1e-4, 0.02, T), optionally with the last β forced to 0.999.</summary>
    [OptionName("linear")]
    Linear,
}
