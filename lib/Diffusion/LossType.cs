using SamDiffSR.Runtime;
namespace SamDiffSR.Diffusion;

/// <summary>The regression loss between the target (ε or the modulated noise) and ε_θ's prediction; both are means over all elements.</summary>
public enum LossType
{
    /// <summary>mean |target − ε̂| (the official config's <c>loss_type: l1</c>).</summary>
    [OptionName("l1")]
    L1,

    /// <summary>mean (target − ε̂)² (the paper's ‖·‖²₂ in eq. 5/17, averaged over elements).</summary>
    [OptionName("l2")]
    L2,
}
