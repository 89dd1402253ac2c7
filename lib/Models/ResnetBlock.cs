using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// Time-conditioned residual block of the U-Net (official <c>commons.ResnetBlock</c>, groups = 0):
/// h = Block1(x) + Linear(Mish(t_emb)) broadcast over H×W; h = Block2(h); out = h + res_conv(x), where res_conv is a
/// 1×1 convolution if the channel count changes and the identity otherwise.
/// State-dict keys: <c>mlp.1.*</c>, <c>block1.block.1.*</c>, <c>block2.block.1.*</c>, <c>res_conv.*</c>.
/// </summary>
public sealed class ResnetBlock : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute names
    // Declared (and constructed) in the official order: mlp, block1, block2, res_conv.
    private readonly Sequential mlp;
    private readonly Block block1;
    private readonly Block block2;
    private readonly nn.Module<Tensor, Tensor> res_conv;
#pragma warning restore IDE1006

    /// <summary>Creates a block from <paramref name="dim"/> to <paramref name="dimOut"/> channels.</summary>
    /// <param name="dim">Input channels.</param>
    /// <param name="dimOut">Output channels.</param>
    /// <param name="timeEmbDim">Width of the time embedding t_emb (the U-Net's <c>dim</c>).</param>
    public ResnetBlock(long dim, long dimOut, long timeEmbDim) : base(nameof(ResnetBlock))
    {
        mlp = nn.Sequential(new Mish(), nn.Linear(timeEmbDim, dimOut));
        block1 = new Block(dim, dimOut);
        block2 = new Block(dimOut, dimOut);
        res_conv = dim != dimOut ? nn.Conv2d(dim, dimOut, 1) : nn.Identity();
        RegisterComponents();
    }

    /// <summary>
    /// x: (N, dim, H, W) float32; timeEmb: (N, timeEmbDim) float32 → (N, dimOut, H, W).
    /// </summary>
    public override Tensor forward(Tensor x, Tensor timeEmb)
    {
        using var scope = NewDisposeScope();
        var h = block1.call(x);
        h = h.Plus(mlp.call(timeEmb).unsqueeze(-1).unsqueeze(-1));
        h = block2.call(h);
        return h.Plus(res_conv.call(x)).MoveToOuterDisposeScope();
    }
}
