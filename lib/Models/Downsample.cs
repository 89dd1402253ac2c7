using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// U-Net downsampling (official <c>commons.Downsample</c>): ReflectionPad2d(1) → Conv2d 3×3 stride 2, no padding.
/// Halves even H and W exactly. State-dict keys <c>conv.1.weight</c>, <c>conv.1.bias</c>.
/// </summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute name
    private readonly Sequential conv;
#pragma warning restore IDE1006

    /// <summary>Creates the layer for <paramref name="dim"/> channels.</summary>
    public Downsample(long dim) : base(nameof(Downsample))
    {
        conv = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, stride: 2));
        RegisterComponents();
    }

    /// <summary>(N, dim, H, W) → (N, dim, H/2, W/2) for even H, W.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return conv.call(x).MoveToOuterDisposeScope();
    }
}
