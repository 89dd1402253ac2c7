using System.Security.Cryptography;

namespace SamDiffSR.Data;

/// <summary>
/// An owned 8-bit image: <see cref="Height"/> × <see cref="Width"/> × <see cref="Channels"/> (1 = gray, 3 = RGB),
/// stored row-major in HWC order (<c>Data[(y * Width + x) * Channels + c]</c>), the layout of a uint8 numpy array
/// or a MATLAB image permuted to rows-first. Gray stays 1 channel: the literature measures Set14 <c>bridge.png</c>
/// on its own values (docs/data.md §Pitfalls).
/// </summary>
public sealed class ImageU8
{
    /// <summary>Rows (H).</summary>
    public int Height { get; }

    /// <summary>Columns (W).</summary>
    public int Width { get; }

    /// <summary>1 (gray) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>The pixels, HWC row-major, length H·W·C. Owned by this image; mutate only if you own it.</summary>
    public byte[] Data { get; }

    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    /// <exception cref="ArgumentException">Non-positive size, channels not 1 or 3, or wrong buffer length.</exception>
    public ImageU8(int height, int width, int channels, byte[] data)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size must be positive, got {height}x{width} (HxW)");
        if (channels is not (1 or 3)) throw new ArgumentException($"image channels must be 1 (gray) or 3 (RGB), got {channels}");
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != (long)height * width * channels)
            throw new ArgumentException($"pixel buffer has {data.LongLength} bytes, expected {height}x{width}x{channels} = {(long)height * width * channels}");
        Height = height; Width = width; Channels = channels; Data = data;
    }

    /// <summary>A zero-filled image.</summary>
    public ImageU8(int height, int width, int channels) : this(height, width, channels, new byte[checked(height * width * channels)]) { }

    /// <summary>True for a single-channel (gray) image.</summary>
    public bool IsGray => Channels == 1;

    /// <summary>Pixel value at row <paramref name="y"/>, column <paramref name="x"/>, channel <paramref name="c"/>.</summary>
    public byte this[int y, int x, int c = 0] => Data[(y * Width + x) * Channels + c];

    /// <summary>A copy of the rectangle rows [y, y+h), columns [x, x+w).</summary>
    public ImageU8 Crop(int y, int x, int h, int w)
    {
        if (y < 0 || x < 0 || h <= 0 || w <= 0 || y + h > Height || x + w > Width)
            throw new ArgumentException($"crop rows {y}..{y + h - 1}, cols {x}..{x + w - 1} is outside the {Height}x{Width} image");
        var dst = new byte[h * w * Channels];
        int rowBytes = w * Channels;
        for (int r = 0; r < h; r++)
            Buffer.BlockCopy(Data, ((y + r) * Width + x) * Channels, dst, r * rowBytes, rowBytes);
        return new ImageU8(h, w, Channels, dst);
    }

    /// <summary>Gray → RGB by copying the value into R, G and B (RCAN's prepare script does this); RGB is returned as is.</summary>
    public ImageU8 ToRgb()
    {
        if (Channels == 3) return this;
        var dst = new byte[Data.Length * 3];
        for (int i = 0, j = 0; i < Data.Length; i++, j += 3) { byte v = Data[i]; dst[j] = v; dst[j + 1] = v; dst[j + 2] = v; }
        return new ImageU8(Height, Width, 3, dst);
    }

    /// <summary>A deep copy.</summary>
    public ImageU8 Clone() => new(Height, Width, Channels, (byte[])Data.Clone());

    /// <summary>
    /// SHA-256 of the raw pixel buffer (HWC row-major, no container) as lowercase hex: the definition of the golden LR
    /// checksums in docs/data.md §Checksums (which list the first 16 hex digits).
    /// </summary>
    public string PixelSha256() => Convert.ToHexStringLower(SHA256.HashData(Data));

    /// <inheritdoc/>
    public override string ToString() => $"ImageU8 {Height}x{Width}x{Channels}";
}
