using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// Mish activation, Mish(x) = x · tanh(softplus(x)) (Misra 2019), written exactly as the official
/// <c>commons.Mish</c> composes it (softplus with PyTorch's default β = 1, threshold 20), so that gradients
/// follow the same floating-point path as the reference implementation. Parameter-free.
/// <para>TorchSharp 0.107's public <c>softplus(double, double)</c> turns β and the threshold into temporary Scalars that
/// the finalizer may free during the native call (see <see cref="Runtime.ScalarOps"/>); this module passes two
/// long-lived Scalars to the same native softplus instead (through TorchSharp's private Scalar overload, found once by
/// reflection; without it, the public overload).</para>
/// </summary>
public sealed class Mish : nn.Module<Tensor, Tensor>
{
    private static readonly Func<Tensor, Scalar, Scalar, Tensor>? SoftplusWithScalars = FindSoftplus();
    private static readonly Scalar Beta = 1.0.ToScalar(), Threshold = 20.0.ToScalar();   // never disposed: shared by every Mish

    /// <summary>Creates the activation.</summary>
    public Mish() : base(nameof(Mish)) { }

    /// <summary>Whether the long-lived-Scalar softplus path is in use (false: TorchSharp changed its private API).</summary>
    public static bool UsesStableSoftplus => SoftplusWithScalars is not null;

    /// <summary>Applies Mish elementwise. <paramref name="x"/>: any shape, float32.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sp = SoftplusWithScalars is { } f ? f(x, Beta, Threshold) : nn.functional.softplus(x);
        GC.KeepAlive(Beta);
        GC.KeepAlive(Threshold);
        return x.mul(sp.tanh()).MoveToOuterDisposeScope();
    }

    private static Func<Tensor, Scalar, Scalar, Tensor>? FindSoftplus()
    {
        var m = typeof(Tensor).GetMethod("softplus1", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(Scalar), typeof(Scalar)]);
        return m is null || m.ReturnType != typeof(Tensor) ? null : m.CreateDelegate<Func<Tensor, Scalar, Scalar, Tensor>>();
    }
}
