using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Runtime;

/// <summary>
/// Tensor–number operations that keep their <see cref="Scalar"/> alive until the native call returns.
/// <para>TorchSharp 0.107 turns the number of <c>tensor * 0.2</c>, <c>clamp(-1, 1)</c>, <c>add_(x, alpha: a)</c> … into a
/// temporary <see cref="Scalar"/>, passes its handle to libtorch and leaves the object to the finalizer. Once the handle
/// is read the object is unreachable, so a garbage collection started by another thread (the prefetching batch loader,
/// a progress callback) can run the finalizer and free the native scalar while libtorch still reads it: the process
/// dies with "Unknown scalar type" (seen here in a quickstart run with the batch loader on). The fix upstream is open
/// (dotnet/TorchSharp pull requests 1434 and 1496). These helpers hold the Scalar in a <c>using</c> around the call:
/// the same native operation, so results are bitwise unchanged.</para>
/// <para>TorchSharp's own <c>tensor + tensor</c> also passes a temporary alpha = 1 Scalar (its <c>add(Tensor)</c> calls
/// <c>add(target, 1)</c>; <c>tensor - tensor</c> calls the native sub without one): <see cref="Plus"/> passes a held
/// alpha, and the per-step paths use it (residual connections of
/// the U-Net and the RRDB, the forward process, the loss, the three samplers, the residual maps). Sums elsewhere
/// (set-up code, metrics on a few tensors) still use the operators; long jobs stay resumable.</para>
/// </summary>
public static class ScalarOps
{
    // alpha = 1 for add(): TorchSharp's add(Scalar)/add(Tensor) create it as a temporary on every call. Never disposed.
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>t · v.</summary>
    public static Tensor Mul(this Tensor t, double v) { using var s = v.ToScalar(); return t.mul(s); }

    /// <summary>t · v in place.</summary>
    public static Tensor MulInPlace(this Tensor t, double v) { using var s = v.ToScalar(); return t.mul_(s); }

    /// <summary>t / v.</summary>
    public static Tensor Div(this Tensor t, double v) { using var s = v.ToScalar(); return t.div(s); }

    /// <summary>t / v in place.</summary>
    public static Tensor DivInPlace(this Tensor t, double v) { using var s = v.ToScalar(); return t.div_(s); }

    /// <summary>t + v (with the held alpha 1: TorchSharp's <c>add(Scalar)</c> makes a temporary one).</summary>
    public static Tensor Add(this Tensor t, double v) { using var s = v.ToScalar(); return t.add(s, One); }

    /// <summary>a + b (PyTorch's <c>add(b, alpha=1)</c> with the held alpha; bitwise the same as <c>a + b</c>).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>t − v.</summary>
    public static Tensor Sub(this Tensor t, double v) { using var s = v.ToScalar(); return t.sub(s); }

    /// <summary>t += alpha · other, in place (PyTorch's <c>add_(other, alpha=…)</c>).</summary>
    public static Tensor AddScaledInPlace(this Tensor t, Tensor other, double alpha) { using var s = alpha.ToScalar(); return t.add_(other, s); }

    /// <summary>clamp(t, lo, hi).</summary>
    public static Tensor ClampTo(this Tensor t, double lo, double hi)
    {
        using var a = lo.ToScalar();
        using var b = hi.ToScalar();
        return t.clamp(a, b);
    }

    /// <summary>t ≠ v (bool tensor).</summary>
    public static Tensor NotEqual(this Tensor t, long v) { using var s = v.ToScalar(); return t.ne(s); }
}
