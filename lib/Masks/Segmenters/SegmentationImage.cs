using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SamDiffSR.Masks.Segmenters;

/// <summary>
/// An 8-bit image in height × width × channels (HWC) row-major layout, the input of every <see cref="ISegmenter"/>.
/// Channels is 3 (RGB) or 1 (gray). Values are the raw 0..255 codes; segmenters scale them as they need
/// (Felzenszwalb divides by 255, as scikit-image's <c>img_as_float64</c> does).
/// </summary>
public sealed class SegmentationImage
{
    /// <summary>Creates an image over <paramref name="pixels"/> (not copied), shape (H, W, C), uint8.</summary>
    /// <exception cref="ArgumentException">Non-positive size, C not 1 or 3, or a buffer of the wrong length.</exception>
    public SegmentationImage(int height, int width, int channels, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Image size must be positive, got {height}×{width}.", nameof(height));
        if (channels != 1 && channels != 3)
            throw new ArgumentException($"Segmenters take 1 (gray) or 3 (RGB) channels, got {channels}; convert RGBA or other layouts to RGB first.", nameof(channels));
        if ((long)height * width * channels != pixels.LongLength)
            throw new ArgumentException($"Pixel buffer holds {pixels.LongLength} bytes but {height}×{width}×{channels} = {(long)height * width * channels} are needed (layout HWC, row-major).", nameof(pixels));
        Height = height;
        Width = width;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Rows (H).</summary>
    public int Height { get; }

    /// <summary>Columns (W).</summary>
    public int Width { get; }

    /// <summary>Channels (C): 3 for RGB, 1 for gray.</summary>
    public int Channels { get; }

    /// <summary>Pixel codes, (H, W, C) row-major, uint8 in [0, 255]. Index = (y·W + x)·C + c.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// Reads a PNG/BMP/JPEG file. Gray PNGs (colour type Grayscale or GrayscaleWithAlpha) give a 1-channel image,
    /// everything else RGB (alpha dropped), which is what <c>skimage.io.imread</c> followed by dropping alpha gives.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image.</exception>
    public static SegmentationImage Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' not found; check the path (or the --images folder).", path);
        Image<Rgb24> img;
        bool gray;
        try
        {
            using var any = Image.Load(path, out var format);
            gray = format is PngFormat
                   && any.Metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
            img = any.CloneAs<Rgb24>();
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' is not a readable image ({e.Message}); re-save it as PNG.", e);
        }
        using (img)
        {
            int h = img.Height, w = img.Width, c = gray ? 1 : 3;
            var px = new byte[(long)h * w * c];
            img.ProcessPixelRows(acc =>
            {
                for (int y = 0; y < h; y++)
                {
                    var row = acc.GetRowSpan(y);
                    int o = y * w * c;
                    for (int x = 0; x < w; x++)
                    {
                        var p = row[x];
                        if (gray) px[o + x] = p.R;
                        else { px[o + 3 * x] = p.R; px[o + 3 * x + 1] = p.G; px[o + 3 * x + 2] = p.B; }
                    }
                }
            });
            return new SegmentationImage(h, w, c, px);
        }
    }
}
