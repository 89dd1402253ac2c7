namespace SamDiffSR.Data;

/// <summary>
/// An owned float64 image, HWC row-major like <see cref="ImageU8"/>, with no range restriction (the float path of
/// MATLAB's imresize keeps values unclipped, e.g. bicubic overshoot). Used for the float resize and for SRDiff's
/// LR-up (docs/official-code.md §Residual mode and LR-up).
/// </summary>
public sealed class ImageF64
{
    /// <summary>Rows (H).</summary>
    public int Height { get; }

    /// <summary>Columns (W).</summary>
    public int Width { get; }

    /// <summary>Channels (any positive count; 1 or 3 in practice).</summary>
    public int Channels { get; }

    /// <summary>Values, HWC row-major, length H·W·C.</summary>
    public double[] Data { get; }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public ImageF64(int height, int width, int channels, double[] data)
    {
        if (height <= 0 || width <= 0 || channels <= 0)
            throw new ArgumentException($"image shape must be positive, got {height}x{width}x{channels} (HxWxC)");
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != (long)height * width * channels)
            throw new ArgumentException($"buffer has {data.LongLength} values, expected {height}x{width}x{channels}");
        Height = height; Width = width; Channels = channels; Data = data;
    }

    /// <summary>Value at row <paramref name="y"/>, column <paramref name="x"/>, channel <paramref name="c"/>.</summary>
    public double this[int y, int x, int c = 0] => Data[(y * Width + x) * Channels + c];

    /// <summary>uint8 values divided by <paramref name="divisor"/> (255 = MATLAB <c>im2double</c>; 256 = SRDiff's LR-up quirk).</summary>
    public static ImageF64 FromU8(ImageU8 img, double divisor = 255.0)
    {
        ArgumentNullException.ThrowIfNull(img);
        var d = new double[img.Data.Length];
        for (int i = 0; i < d.Length; i++) d[i] = img.Data[i] / divisor;
        return new ImageF64(img.Height, img.Width, img.Channels, d);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ImageF64 {Height}x{Width}x{Channels}";
}
