using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>The element-mean regression losses of <see cref="LossType"/>.</summary>
public static class DiffusionLoss
{
    /// <summary>
    /// Mean over all elements of |target − prediction| (L1) or (target − prediction)² (L2); a 0-d tensor.
    /// </summary>
    /// <param name="prediction">ε_θ(x_t, x_LR, t), same shape as <paramref name="target"/>.</param>
    /// <param name="target">The regression target from <see cref="ForwardProcess.Diffuse"/>.</param>
    /// <param name="type">L1 (official) or L2 (paper eq. 5).</param>
    public static Tensor Compute(Tensor prediction, Tensor target, LossType type)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (!prediction.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"prediction shape [{string.Join(",", prediction.shape)}] differs from target shape [{string.Join(",", target.shape)}]", nameof(prediction));
        using var scope = NewDisposeScope();
        var d = target - prediction;
        var loss = type switch
        {
            LossType.L1 => d.abs().mean(),
            LossType.L2 => d.square().mean(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown loss type"),
        };
        return loss.MoveToOuterDisposeScope();
    }
}
