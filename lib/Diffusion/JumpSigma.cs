using System.Text.Json.Serialization;
using SamDiffSR.Runtime;

namespace SamDiffSR.Diffusion;

/// <summary>
/// The fresh noise σ per jump that an <b>unmodulated</b> model (SRDiff, SAM+SRDiff) takes under the jump sampler. A
/// modulated model has no choice (its E constraint fixes σ, see <see cref="ModulatedJumpSampler"/>); an unmodulated one
/// keeps its marginals exactly with any σ² ≤ 1 − ᾱ_s, so a table compares it with a modulated model fairly only when it
/// takes that model's σ: then both rows run identical coefficients (A, B, σ) on every jump and differ only in what the
/// networks learned.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JumpSigma>))]
public enum JumpSigma
{
    /// <summary>σ of the Paper-mode jump (eq. 5/17); for s = t − 1 the DDPM posterior σ (η = 1). Pairs with SAM-DiffSR (paper).</summary>
    [OptionName("paper")]
    Paper,
    /// <summary>σ of the released code's jump, σ² = (1 − ᾱ_s)(1 − c_s²/c_t²). Pairs with SAM-DiffSR (released).</summary>
    [OptionName("released")]
    Released,
}

/// <summary>Helpers for <see cref="JumpSigma"/>.</summary>
public static class JumpSigmas
{
    /// <summary>The modulation whose jump σ this choice copies.</summary>
    public static ModulationMode Mode(this JumpSigma sigma) => sigma switch
    {
        JumpSigma.Paper => ModulationMode.Paper,
        JumpSigma.Released => ModulationMode.OfficialCode,
        _ => throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "unknown jump sigma"),
    };

    /// <summary>The σ a model with modulation <paramref name="mode"/> really uses when asked for <paramref name="requested"/>:
    /// modulated models their own, unmodulated ones the request.</summary>
    public static JumpSigma Effective(ModulationMode mode, JumpSigma requested) => mode switch
    {
        ModulationMode.Paper => JumpSigma.Paper,
        ModulationMode.OfficialCode => JumpSigma.Released,
        _ => requested,
    };
}
