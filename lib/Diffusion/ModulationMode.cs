using SamDiffSR.Runtime;
namespace SamDiffSR.Diffusion;

/// <summary>
/// How the SAM structure map E = E_SAM (paper §4.1–4.2; shape (B, 1, h, w)) enters the forward process
/// q(x_t | x_0, E) and the training target of the noise predictor ε_θ. The reverse process is the same in every mode
/// and never sees E (paper §4.3: "no additional inference cost").
/// Code index t = 0..T−1 below is the paper's step t + 1; ᾱ, β, φ are <see cref="Schedules.DiffusionSchedule"/> values.
/// </summary>
public enum ModulationMode
{
    /// <summary>
    /// SRDiff / plain DDPM (Ho et al. 2020; paper eq. 1, 7, 8): x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) ε, target ε.
    /// E is ignored.
    /// </summary>
    [OptionName("none")]
    None,

    /// <summary>
    /// SAM-DiffSR as the paper writes it (default): each forward step adds sqrt(β_t)·E to the mean (eq. 2, 9, 10), so
    /// x_t = sqrt(ᾱ_t) x_0 + φ_t E + sqrt(1 − ᾱ_t) ε (eq. 3, 11, 12) with φ_t = sqrt(α_t) φ_{t−1} + sqrt(β_t)
    /// (the closed forms printed in eq. 3/11 are wrong, see <see cref="Schedules.DiffusionSchedule"/>), and the
    /// network regresses the target ε + sqrt((1 − ᾱ_t)/β_t) E (eq. 5, 17), which makes the standard DDPM posterior
    /// mean (eq. 4, 15) equal the Bayesian posterior mean of the modulated process (eq. 13, 14).
    /// </summary>
    [OptionName("paper")]
    Paper,

    /// <summary>
    /// What the released code does (models_sr/diffusion_sam.py <c>p_losses</c>, docs/official-code.md §Noise modulation in code), to reproduce
    /// the released checkpoint: noise' = ε + c_t E with c_t = sqrt(1 − ᾱ_t)·β_t (<c>mask_coefficient</c>),
    /// x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) noise' (so E's coefficient in x_t is (1 − ᾱ_t) β_t), target noise'.
    /// The maintainers call the coefficient a bug (upstream issues #5, #9); it makes the modulation negligible
    /// except for the last few steps. Unlike the official code, the caller's ε is never modified in place.
    /// </summary>
    [OptionName("official")]
    OfficialCode,
}
