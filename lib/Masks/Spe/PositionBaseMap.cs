namespace SamDiffSR.Masks.Spe;

/// <summary>
/// Base maps B ∈ ℝ^{H×W} (x_RoPE of paper §4.2) for each <see cref="SpeVariant"/>, computed in float64.
/// The official code computes the RoPE map in float32; the closed form here agrees with its values to ~4e-7
/// (data/reference/spe_cases.json, <c>rope_base_map</c>).
/// </summary>
public static class PositionBaseMap
{
    /// <summary>The base map, row-major (index row·W + col).</summary>
    public static double[] Compute(SpeVariant variant, int height, int width)
    {
        var cm = ComputeColumnMajor(variant, height, width);
        var rm = new double[cm.Length];
        for (int c = 0; c < width; c++)
            for (int r = 0; r < height; r++)
                rm[r * width + c] = cm[c * height + r];
        return rm;
    }

    /// <summary>The base map in column-major order (index col·H + row), matching COCO run order.</summary>
    internal static double[] ComputeColumnMajor(SpeVariant variant, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"map size {height}×{width} must be positive");
        var b = new double[checked(height * width)];
        switch (variant)
        {
            case SpeVariant.RoPE:
                // Rows p are positions; the feature dimension is the column index (dim = W).
                Rotary(width, height, (p, f, v) => b[f * height + p] = v);
                break;
            case SpeVariant.RoPETransposed:
                // Columns are positions; the feature dimension is the row index (dim = H).
                Rotary(height, width, (p, f, v) => b[p * height + f] = v);
                break;
            case SpeVariant.CosineGrid:
                for (int c = 0; c < width; c++)
                {
                    double cc = Math.Cos(Math.PI * c / width);
                    for (int r = 0; r < height; r++) b[c * height + r] = Math.Cos(Math.PI * r / height) * cc;
                }
                break;
            case SpeVariant.LinearGrid:
                {
                    double denom = (double)height * width - 1;
                    for (int c = 0; c < width; c++)
                        for (int r = 0; r < height; r++)
                            b[c * height + r] = denom > 0 ? ((double)r * width + c) / denom : 0.0;
                    break;
                }
            case SpeVariant.OfficialCosineSimilarity:
                Array.Fill(b, 1.0);
                break;
            case SpeVariant.OfficialSinCos:
                {
                    if (height != width)
                        throw new ArgumentException($"SpeVariant.OfficialSinCos needs a square map (the official code only broadcasts for H = W), got {height}×{width}");
                    // Official: vct[i] = 1 / 0.001^(2i/H); row_sin = sin(vct) (1×H); col_cos = cos(row_sin^T) (H×1);
                    // B = row_sin * col_cos  =>  B[r, c] = sin(v_c) · cos(sin(v_r)).
                    var v = new double[height];
                    for (int i = 0; i < height; i++) v[i] = 1.0 / Math.Pow(0.001, 2.0 * i / height);
                    for (int c = 0; c < width; c++)
                    {
                        double sc = Math.Sin(v[c]);
                        for (int r = 0; r < height; r++) b[c * height + r] = sc * Math.Cos(Math.Sin(v[r]));
                    }
                    break;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown SPE variant");
        }
        return b;
    }

    /// <summary>
    /// Rotary embedding of an all-ones input: for positions p &lt; <paramref name="positions"/> and feature pairs
    /// k &lt; dim/2 with ω_k = 10000^(−2k/dim), θ = p·ω_k: feature 2k = cos θ − sin θ, 2k+1 = cos θ + sin θ
    /// (interleaved rotate_half: (x₁, x₂) → (−x₂, x₁)); an odd last feature stays 1.
    /// </summary>
    private static void Rotary(int dim, int positions, Action<int, int, double> set)
    {
        int pairs = dim / 2;
        for (int k = 0; k < pairs; k++)
        {
            double omega = Math.Pow(10000.0, -2.0 * k / dim);
            for (int p = 0; p < positions; p++)
            {
                double theta = p * omega;
                double cos = Math.Cos(theta), sin = Math.Sin(theta);
                set(p, 2 * k, cos - sin);
                set(p, 2 * k + 1, cos + sin);
            }
        }
        if ((dim & 1) == 1)
            for (int p = 0; p < positions; p++) set(p, dim - 1, 1.0);
    }
}
