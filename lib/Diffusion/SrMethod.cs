using SamDiffSR.Runtime;
using System.Text.Json.Serialization;

namespace SamDiffSR.Diffusion;

/// <summary>The three methods compared in the paper (Table 1).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SrMethod>))]
public enum SrMethod
{
    /// <summary>SRDiff (Li et al. 2022): plain DDPM on the residual, no modulation, no mask anywhere.</summary>
    [OptionName("srdiff")]
    SrDiff,
    /// <summary>
    /// SAM-DiffSR: the SPE map modulates the forward-process noise during training only
    /// (<see cref="ModulationMode.Paper"/> or <see cref="ModulationMode.OfficialCode"/>); sampling needs no mask.
    /// </summary>
    [OptionName("samdiffsr")]
    SamDiffSR,
    /// <summary>
    /// "SAM+SRDiff" (paper §3.3, Fig. 3a): the SPE map is concatenated to the U-Net input as an extra channel,
    /// in training and at inference, so a segmenter must run at inference. The model config needs
    /// <c>ExtraInputChannels = 1</c>.
    /// </summary>
    [OptionName("samconcat")]
    SamConcat,
}

/// <summary>Reverse-process sampler.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SamplerKind>))]
public enum SamplerKind
{
    /// <summary>DDPM ancestral sampling over all T steps (the official sampler).</summary>
    [OptionName("ddpm")]
    Ddpm,
    /// <summary>DDIM with k steps (Song et al. 2021); η = 0 is deterministic. Refused for modulated models except k = T, η = 1.</summary>
    [OptionName("ddim")]
    Ddim,
    /// <summary>Exact few-step jumps for modulated models (<see cref="ModulatedJumpSampler"/>); Steps 0 = fewest feasible jumps, k = trailing k steps.</summary>
    [OptionName("jump")]
    Jump,
}
