using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// Residual-in-residual dense block (ESRGAN; official <c>commons.RRDB</c>): three
/// <see cref="ResidualDenseBlock5C"/> in sequence, out = 0.2·RDB3(RDB2(RDB1(x))) + x.
/// State-dict keys <c>RDB1.*</c>, <c>RDB2.*</c>, <c>RDB3.*</c>.
/// </summary>
public sealed class RRDB : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute names
    private readonly ResidualDenseBlock5C RDB1;
    private readonly ResidualDenseBlock5C RDB2;
    private readonly ResidualDenseBlock5C RDB3;
#pragma warning restore IDE1006

    /// <summary>Creates the block with <paramref name="nf"/> features and growth <paramref name="gc"/>.</summary>
    public RRDB(long nf, long gc) : base(nameof(RRDB))
    {
        RDB1 = new ResidualDenseBlock5C(nf, gc);
        RDB2 = new ResidualDenseBlock5C(nf, gc);
        RDB3 = new ResidualDenseBlock5C(nf, gc);
        RegisterComponents();
    }

    /// <summary>(N, nf, H, W) → (N, nf, H, W).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var o = RDB3.call(RDB2.call(RDB1.call(x)));
        return o.Mul(0.2).Plus(x).MoveToOuterDisposeScope();
    }
}
