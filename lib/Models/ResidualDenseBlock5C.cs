using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// Residual dense block with five 3×3 convolutions (ESRGAN, Wang et al. 2018; official
/// <c>commons.ResidualDenseBlock_5C</c>): conv k sees concat(x, x_1..x_{k−1}); LeakyReLU(0.2) after conv1..conv4;
/// out = 0.2·x_5 + x. Convs: nf→gc, nf+gc→gc, nf+2gc→gc, nf+3gc→gc, nf+4gc→nf (padding 1, bias).
/// State-dict keys <c>conv1.*</c> … <c>conv5.*</c>.
/// </summary>
public sealed class ResidualDenseBlock5C : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute names
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d conv3;
    private readonly Conv2d conv4;
    private readonly Conv2d conv5;
    private readonly StableLeakyReLU lrelu;
#pragma warning restore IDE1006

    /// <summary>Creates the block with <paramref name="nf"/> features and growth <paramref name="gc"/>.</summary>
    public ResidualDenseBlock5C(long nf, long gc) : base("ResidualDenseBlock_5C")
    {
        conv1 = nn.Conv2d(nf, gc, 3, padding: 1);
        conv2 = nn.Conv2d(nf + gc, gc, 3, padding: 1);
        conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, padding: 1);
        conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, padding: 1);
        conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, padding: 1);
        lrelu = new StableLeakyReLU(0.2);
        RegisterComponents();
    }

    /// <summary>(N, nf, H, W) → (N, nf, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x1 = lrelu.call(conv1.call(x));
        var x2 = lrelu.call(conv2.call(torch.cat([x, x1], 1)));
        var x3 = lrelu.call(conv3.call(torch.cat([x, x1, x2], 1)));
        var x4 = lrelu.call(conv4.call(torch.cat([x, x1, x2, x3], 1)));
        var x5 = conv5.call(torch.cat([x, x1, x2, x3, x4], 1));
        return x5.Mul(0.2).Plus(x).MoveToOuterDisposeScope();
    }
}
