namespace SamDiffSR.Masks;

/// <summary>
/// A single-channel float32 H×W map, row-major (index row·W + col): the structural position encoding E_SAM of
/// paper eq. (6), or a crop of it. The model consumes it as a (1, H, W) tensor per sample, batched to (B, 1, H, W),
/// broadcast over the 3 colour channels (spe_cases.json "model_input_shape"). Immutable.
/// </summary>
public sealed class SpeMap
{
    private readonly float[] _data;

    /// <summary>Creates a map from a row-major buffer (copied).</summary>
    public SpeMap(int height, int width, ReadOnlySpan<float> rowMajor)
        : this(height, width, rowMajor.ToArray(), check: true) { }

    private SpeMap(int height, int width, float[] data, bool check)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"map size {height}×{width} must be positive");
        if (check && data.Length != (long)height * width)
            throw new ArgumentException($"map buffer has {data.Length} values, expected H·W = {height}·{width} = {(long)height * width}");
        Height = height;
        Width = width;
        _data = data;
    }

    /// <summary>Wraps a buffer without copying (the caller gives up ownership).</summary>
    internal static SpeMap Own(int height, int width, float[] rowMajor) => new(height, width, rowMajor, check: true);

    /// <summary>An all-zero map (what the official code uses when an image has no masks).</summary>
    public static SpeMap Zeros(int height, int width) => new(height, width, new float[checked(height * width)], check: true);

    /// <summary>Rows H.</summary>
    public int Height { get; }

    /// <summary>Columns W.</summary>
    public int Width { get; }

    /// <summary>Value at (row, col).</summary>
    public float this[int row, int col]
    {
        get
        {
            if ((uint)row >= (uint)Height || (uint)col >= (uint)Width)
                throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {col}) is outside the {Height}×{Width} map");
            return _data[row * Width + col];
        }
    }

    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<float> Values => _data;

    /// <summary>A copy of the values, row-major.</summary>
    public float[] ToArray() => (float[])_data.Clone();

    /// <summary>
    /// The window rows [top, top+height), columns [left, left+width). Throws <see cref="ArgumentOutOfRangeException"/>
    /// if it does not lie inside the map.
    /// </summary>
    public SpeMap Crop(int top, int left, int height, int width)
    {
        if (height <= 0 || width <= 0 || top < 0 || left < 0 || top + height > Height || left + width > Width)
            throw new ArgumentOutOfRangeException(nameof(top),
                $"crop rows {top}..{top + height - 1}, cols {left}..{left + width - 1} is not inside the {Height}×{Width} map");
        var buf = new float[height * width];
        for (int r = 0; r < height; r++)
            _data.AsSpan((top + r) * Width + left, width).CopyTo(buf.AsSpan(r * width, width));
        return new SpeMap(height, width, buf, check: false);
    }

    /// <summary>
    /// Bilinear resize with OpenCV's <c>cv2.resize(..., INTER_LINEAR)</c> geometry for float images, which the official
    /// packer and dataset use (docs/official-code.md §Mask storage with training crops): source coordinate = (dst + 0.5)·(src/dst) − 0.5, clamped to the border
    /// (same as PyTorch <c>interpolate(mode="bilinear", align_corners=False)</c>). No antialiasing when shrinking.
    /// Same size returns this map.
    /// </summary>
    public SpeMap ResizeBilinear(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"target size {height}×{width} must be positive");
        if (height == Height && width == Width) return this;
        var (y0, y1, wy) = Taps(Height, height);
        var (x0, x1, wx) = Taps(Width, width);
        var buf = new float[height * width];
        for (int r = 0; r < height; r++)
        {
            int ra = y0[r] * Width, rb = y1[r] * Width;
            double fy = wy[r];
            for (int c = 0; c < width; c++)
            {
                double fx = wx[c];
                double top = _data[ra + x0[c]] * (1 - fx) + _data[ra + x1[c]] * fx;
                double bot = _data[rb + x0[c]] * (1 - fx) + _data[rb + x1[c]] * fx;
                buf[r * width + c] = (float)(top * (1 - fy) + bot * fy);
            }
        }
        return new SpeMap(height, width, buf, check: false);
    }

    private static (int[] I0, int[] I1, double[] F) Taps(int src, int dst)
    {
        var i0 = new int[dst]; var i1 = new int[dst]; var f = new double[dst];
        double scale = (double)src / dst;
        for (int d = 0; d < dst; d++)
        {
            double s = (d + 0.5) * scale - 0.5;
            int si = (int)Math.Floor(s);
            double fr = s - si;
            if (si < 0) { si = 0; fr = 0; }
            if (si >= src - 1) { si = src - 1; fr = 0; }
            i0[d] = si; i1[d] = Math.Min(si + 1, src - 1); f[d] = fr;
        }
        return (i0, i1, f);
    }
}
