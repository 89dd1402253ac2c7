using TorchSharp;

namespace SamDiffSR.Diffusion;

/// <summary>Argument checks shared by the reverse-chain samplers (<see cref="DdpmSampler"/>, <see cref="DdimSampler"/>).</summary>
internal static class SamplerArguments
{
    /// <summary>Rejects a missing denoiser and a sample shape that is not (B, C, H, W)-like with positive sizes.</summary>
    public static void CheckChain(long[] shape, Func<torch.Tensor, torch.Tensor, torch.Tensor> denoiser)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(denoiser);
        if (shape.Length < 2 || shape.Any(d => d < 1))
            throw new ArgumentException($"sample shape must be (B, C, H, W) with positive sizes; got [{string.Join(",", shape)}]", nameof(shape));
    }
}
