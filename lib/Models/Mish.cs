using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// Mish activation, Mish(x) = x · tanh(softplus(x)) (Misra 2019), written exactly as the official
/// <c>commons.Mish</c> composes it (softplus with PyTorch's default β = 1, threshold 20), so that gradients
/// follow the same floating-point path as the reference implementation. Parameter-free.
/// </summary>
public sealed class Mish : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the activation.</summary>
    public Mish() : base(nameof(Mish)) { }

    /// <summary>Applies Mish elementwise. <paramref name="x"/>: any shape, float32.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return x.mul(nn.functional.softplus(x).tanh()).MoveToOuterDisposeScope();
    }
}
