using TorchSharp;

namespace SamDiffSR.Models;

/// <summary>Parameter counts of the U-Net and the RRDB encoder (elements, not tensors).</summary>
/// <param name="Unet">Parameters of ε_θ (official <c>denoise_fn</c>); 12,934,915 for the paper x4 config.</param>
/// <param name="Rrdb">Parameters of the RRDB encoder; 12,381,443 for the paper config; 0 without RRDB.</param>
/// <param name="Trainable">Parameters with requires_grad = true at the time of counting.</param>
public sealed record ParameterCounts(long Unet, long Rrdb, long Trainable)
{
    /// <summary>U-Net + RRDB.</summary>
    public long Total => Unet + Rrdb;

    /// <summary>Counts the parameters of the given modules.</summary>
    public static ParameterCounts Of(torch.nn.Module unet, torch.nn.Module? rrdb)
    {
        long u = 0, r = 0, tr = 0;
        foreach (var p in unet.parameters()) { u += p.numel(); if (p.requires_grad) tr += p.numel(); }
        if (rrdb is not null)
            foreach (var p in rrdb.parameters()) { r += p.numel(); if (p.requires_grad) tr += p.numel(); }
        return new ParameterCounts(u, r, tr);
    }
}
