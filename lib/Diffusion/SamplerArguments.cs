using TorchSharp;

namespace SamDiffSR.Diffusion;

/// <summary>Argument checks and the chain loop shared by the reverse-chain samplers (<see cref="DdpmSampler"/>,
/// <see cref="DdimSampler"/>, <see cref="ModulatedJumpSampler"/>).</summary>
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

    /// <summary>
    /// The reverse chain every sampler runs: x = noise.Initial (x_T ~ N(0, I)), then for each visited index
    /// <paramref name="visited"/>[j] the observer, one <paramref name="step"/> in its own dispose scope (it returns the next
    /// x, which this method owns), cancellation before each step and one progress report after it. Returns x_0 (caller owns it).
    /// </summary>
    public static torch.Tensor RunChain(long[] shape, INoiseSource noise, torch.ScalarType dtype, torch.Device device, IReadOnlyList<int> visited,
                                        Func<int, torch.Tensor, torch.Tensor> step, string stage, IProgress<Runtime.ProgressInfo>? progress,
                                        Action<int, torch.Tensor>? onStep, CancellationToken cancellationToken)
    {
        using var grad = torch.no_grad();
        torch.Tensor x;
        using (var s0 = torch.NewDisposeScope())
            x = noise.Initial(shape, dtype, device).clone().MoveToOuterDisposeScope();
        try
        {
            for (int j = 0; j < visited.Count; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                onStep?.Invoke(visited[j], x);
                torch.Tensor next;
                using (var scope = torch.NewDisposeScope())
                    next = step(j, x).MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
                progress?.Report(new Runtime.ProgressInfo(stage, j + 1, visited.Count, $"t={visited[j]}"));
            }
            return x;
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }
}
