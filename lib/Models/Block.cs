using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// The U-Net's basic conv unit (official <c>commons.Block</c> with groups = 0): ReflectionPad2d(1) → Conv2d 3×3
/// (no padding, bias) → Mish. Keeps H×W. State-dict keys <c>block.1.weight</c>, <c>block.1.bias</c>.
/// </summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the official PyTorch attribute names (state-dict keys)
    private readonly Sequential block;
#pragma warning restore IDE1006

    /// <summary>Creates the block mapping <paramref name="dim"/> to <paramref name="dimOut"/> channels.</summary>
    public Block(long dim, long dimOut) : base(nameof(Block))
    {
        block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dimOut, 3), new Mish());
        RegisterComponents();
    }

    /// <summary>(N, dim, H, W) → (N, dimOut, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return block.call(x).MoveToOuterDisposeScope();
    }
}
