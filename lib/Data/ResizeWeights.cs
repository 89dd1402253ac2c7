namespace SamDiffSR.Data;

/// <summary>
/// The 1-D resampling matrix of MATLAB's <c>contributions()</c> for one dimension: output sample i is
/// Σ_k <see cref="Weights"/>[i·Taps + k] · in[<see cref="Indices"/>[i·Taps + k]] (0-based indices, already mapped into
/// [0, N_in) by the border rule). Precompute once per (N_in, scale) and reuse for every row or column.
/// </summary>
public sealed class ResizeWeights
{
    /// <summary>Input length N_in.</summary>
    public int InLength { get; }

    /// <summary>Output length N_out.</summary>
    public int OutLength { get; }

    /// <summary>Taps per output sample after dropping all-zero columns (step 6).</summary>
    public int Taps { get; }

    /// <summary>Tap indices, row-major (OutLength × Taps), 0-based.</summary>
    public int[] Indices { get; }

    /// <summary>Normalised weights (each row sums to 1), row-major (OutLength × Taps).</summary>
    public double[] Weights { get; }

    private ResizeWeights(int inLength, int outLength, int taps, int[] indices, double[] weights)
    { InLength = inLength; OutLength = outLength; Taps = taps; Indices = indices; Weights = weights; }

    /// <summary>
    /// Keys cubic kernel with a = −0.5 (Keys 1981), as MATLAB's <c>cubic</c>:
    /// 1.5|x|³ − 2.5|x|² + 1 on |x| ≤ 1; −0.5|x|³ + 2.5|x|² − 4|x| + 2 on 1 &lt; |x| ≤ 2; 0 elsewhere.
    /// </summary>
    public static double Cubic(double x)
    {
        double ax = Math.Abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }

    /// <summary>
    /// Builds the matrix exactly as docs/data.md §Bicubic degradation steps 1–6: antialiased kernel h(x) = s·cubic(s·x) with width
    /// 4/s when s &lt; 1; u = x/s + 0.5(1 − 1/s) for x = 1..N_out; left = floor(u − width/2); P = ceil(width) + 2 taps
    /// left..left+P−1; weights h(u − index) normalised per row; border rule; all-zero columns dropped.
    /// </summary>
    public static ResizeWeights Create(int inLength, int outLength, double scale, ResizeBorder border = ResizeBorder.Clamp)
    {
        if (inLength <= 0 || outLength <= 0) throw new ArgumentException($"resize lengths must be positive, got {inLength} -> {outLength}");
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentException($"resize scale must be a positive finite number, got {scale}");
        bool antialias = scale < 1;
        double width = antialias ? 4.0 / scale : 4.0;
        int p = (int)Math.Ceiling(width) + 2;
        var idx = new int[outLength * p];
        var w = new double[outLength * p];
        for (int i = 0; i < outLength; i++)
        {
            double x = i + 1;
            double u = x / scale + 0.5 * (1 - 1 / scale);
            double left = Math.Floor(u - width / 2);
            double sum = 0;
            for (int k = 0; k < p; k++)
            {
                double ind = left + k; // 1-based
                double d = u - ind;
                double h = antialias ? scale * Cubic(scale * d) : Cubic(d);
                w[i * p + k] = h;
                sum += h;
                idx[i * p + k] = MapIndex((long)ind, inLength, border);
            }
            for (int k = 0; k < p; k++) w[i * p + k] /= sum;
        }
        // Step 6: drop columns whose weight is zero in every row (they do not change the result).
        var keep = new List<int>(p);
        for (int k = 0; k < p; k++)
        {
            bool any = false;
            for (int i = 0; i < outLength && !any; i++) any = w[i * p + k] != 0;
            if (any) keep.Add(k);
        }
        int t = keep.Count;
        var idx2 = new int[outLength * t];
        var w2 = new double[outLength * t];
        for (int i = 0; i < outLength; i++)
            for (int j = 0; j < t; j++)
            { idx2[i * t + j] = idx[i * p + keep[j]]; w2[i * t + j] = w[i * p + keep[j]]; }
        return new ResizeWeights(inLength, outLength, t, idx2, w2);
    }

    /// <summary>1-based MATLAB index → 0-based in-range index under the border rule.</summary>
    private static int MapIndex(long oneBased, int n, ResizeBorder border)
    {
        if (border == ResizeBorder.Clamp) return (int)(Math.Clamp(oneBased, 1, n) - 1);
        long z = oneBased - 1, period = 2L * n;
        long m = ((z % period) + period) % period;
        return (int)(m < n ? m : period - 1 - m);
    }
}
