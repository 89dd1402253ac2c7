using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// U-Net upsampling (official <c>commons.Upsample</c>): ConvTranspose2d(dim, dim, kernel 4, stride 2, padding 1),
/// an exact doubling of H and W. State-dict keys <c>conv.0.weight</c>, <c>conv.0.bias</c>.
/// </summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute name
    private readonly Sequential conv;
#pragma warning restore IDE1006

    /// <summary>Creates the layer for <paramref name="dim"/> channels.</summary>
    public Upsample(long dim) : base(nameof(Upsample))
    {
        conv = nn.Sequential(nn.ConvTranspose2d(dim, dim, 4, stride: 2, padding: 1));
        RegisterComponents();
    }

    /// <summary>(N, dim, H, W) → (N, dim, 2H, 2W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return conv.call(x).MoveToOuterDisposeScope();
    }
}
