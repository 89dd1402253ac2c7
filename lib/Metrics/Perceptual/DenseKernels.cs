using System.Numerics;
using System.Runtime.InteropServices;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Small SIMD kernels (System.Numerics.Vector&lt;double&gt;) on contiguous double spans, used by the eigen solver and
/// the Fréchet distance. Each result is computed by one thread in a fixed order, so results are reproducible
/// run to run on the same machine (the SIMD width may change the last bits between machines).
/// </summary>
internal static class DenseKernels
{
    /// <summary>Σ x_i y_i.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = x.Length;
        var i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var k = 0;
            for (; k + 1 < vx.Length; k += 2)
            {
                acc0 += vx[k] * vy[k];
                acc1 += vx[k + 1] * vy[k + 1];
            }
            for (; k < vx.Length; k++) acc0 += vx[k] * vy[k];
            s = Vector.Sum(acc0 + acc1);
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y += a · x.</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        var n = x.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            var va = new Vector<double>(a);
            for (var k = 0; k < vx.Length; k++) vy[k] += va * vx[k];
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>y -= a · u + b · v (symmetric rank-2 update of one row).</summary>
    public static void Rank2Row(double a, ReadOnlySpan<double> u, double b, ReadOnlySpan<double> v, Span<double> y)
    {
        var n = y.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vu = MemoryMarshal.Cast<double, Vector<double>>(u[..n]);
            var vv = MemoryMarshal.Cast<double, Vector<double>>(v[..n]);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
            var va = new Vector<double>(a);
            var vb = new Vector<double>(b);
            for (var k = 0; k < vy.Length; k++) vy[k] -= va * vu[k] + vb * vv[k];
            i = vy.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] -= a * u[i] + b * v[i];
    }

    /// <summary>Plane rotation of two rows: (x, y) ← (c·x − s·y, s·x + c·y).</summary>
    public static void Rotate(Span<double> x, Span<double> y, double c, double s)
    {
        var n = x.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            var vc = new Vector<double>(c);
            var vs = new Vector<double>(s);
            for (var k = 0; k < vx.Length; k++)
            {
                var a = vx[k];
                var b = vy[k];
                vx[k] = vc * a - vs * b;
                vy[k] = vs * a + vc * b;
            }
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < n; i++)
        {
            var a = x[i];
            var b = y[i];
            x[i] = c * a - s * b;
            y[i] = s * a + c * b;
        }
    }

    /// <summary>Minimum work per parallel chunk before rows are spread over threads.</summary>
    public const int ParallelThreshold = 192;
}
