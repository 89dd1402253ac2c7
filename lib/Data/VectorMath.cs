using System.Numerics;
using System.Runtime.InteropServices;

namespace SamDiffSR.Data;

/// <summary>Small SIMD kernels shared by the resize and the metrics (no fused multiply-add, so results equal the scalar loop).</summary>
public static class VectorMath
{
    /// <summary>o[i] += a · s[i] for every i (lengths must match).</summary>
    public static void Axpy(Span<double> o, ReadOnlySpan<double> s, double a)
    {
        if (o.Length != s.Length) throw new ArgumentException($"length mismatch {o.Length} vs {s.Length}");
        int i = 0;
        if (Vector.IsHardwareAccelerated && o.Length >= Vector<double>.Count)
        {
            var va = new Vector<double>(a);
            var vo = MemoryMarshal.Cast<double, Vector<double>>(o);
            var vs = MemoryMarshal.Cast<double, Vector<double>>(s);
            for (int j = 0; j < vo.Length; j++) vo[j] += va * vs[j];
            i = vo.Length * Vector<double>.Count;
        }
        for (; i < o.Length; i++) o[i] += a * s[i];
    }
}
