using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// LeakyReLU(x) = max(x, 0) + slope·min(x, 0), as <c>nn.LeakyReLU</c> (no parameters, so state dicts are unchanged),
/// but holding its slope as one long-lived <see cref="Scalar"/>. TorchSharp 0.107's <c>nn.LeakyReLU</c> converts the
/// double slope to a temporary Scalar on every call and leaves it to the finalizer, which can free it while the native
/// call still runs (seen as a rare "c10::Error … toFloat" in long notebook runs; dotnet/TorchSharp PR 1496).
/// </summary>
public sealed class StableLeakyReLU : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _slope;

    /// <summary>Creates the activation with the given negative slope (RRDB: 0.2).</summary>
    public StableLeakyReLU(double negativeSlope) : base("LeakyReLU")
    {
        NegativeSlope = negativeSlope;
        _slope = negativeSlope.ToScalar();
    }

    /// <summary>The negative slope.</summary>
    public double NegativeSlope { get; }

    public override Tensor forward(Tensor x)
    {
        var y = x.leaky_relu(_slope);
        GC.KeepAlive(_slope);
        return y;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _slope.Dispose();
        base.Dispose(disposing);
    }
}
