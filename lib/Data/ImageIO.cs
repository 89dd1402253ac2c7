using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SamDiffSR.IO;

namespace SamDiffSR.Data;

/// <summary>
/// Reads PNG, JPEG and BMP files into <see cref="ImageU8"/> and writes PNG, with SixLabors.ImageSharp 2.1.
/// <para>Decoding rules (explicit, so that metrics do not depend on a decoder's defaults):</para>
/// <list type="bullet">
/// <item>Gray stays gray (1 channel) when the file <em>declares</em> gray: PNG colour type 0 (gray) or 4 (gray+alpha),
/// or a JPEG with a single luminance component. It is decided by the container, never by R=G=B, so Set14
/// <c>man.png</c> (RGB with equal channels) stays RGB and <c>bridge.png</c> (PNG gray) stays gray.</item>
/// <item>Alpha is dropped, not composited (what PIL's <c>convert('RGB')</c> does in the Python SR code bases).</item>
/// <item>16-bit samples become 8-bit as round(v / 257), half away from zero (exact inverse of 8→16 bit v·257).</item>
/// <item>Palette PNGs and palette BMPs are expanded to RGB (even when the palette is gray). Low bit depth gray PNGs
/// (1/2/4 bit) are scaled to 0..255 by the decoder.</item>
/// <item>Damaged containers are refused before decoding (<see cref="ImageIntegrity"/>: PNG chunk CRCs, IEND and the
/// full image-data length; JPEG end-of-image; BMP pixel-array length), since ImageSharp decodes them leniently.</item>
/// <item>A file whose header says more than <see cref="ImageLoadOptions.MaxPixels"/> pixels is refused before
/// decoding; a file that cannot be decoded raises <see cref="InvalidDataException"/> naming the file.</item>
/// </list>
/// </summary>
public static class ImageIO
{
    /// <summary>File extensions (lower case, with dot) that <see cref="Load"/> accepts.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    // Only the three formats we promise; GIF/TIFF/WebP/... are refused with a clear message.
    private static readonly Configuration Config = new(new PngConfigurationModule(), new JpegConfigurationModule(), new BmpConfigurationModule());

    /// <summary>True when <paramref name="path"/> has one of <see cref="Extensions"/> (case-insensitive).</summary>
    public static bool IsImagePath(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Decodes an image file (see the class remarks for the rules).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Undecodable, unsupported format, or over the pixel limit.</exception>
    public static ImageU8 Load(string path, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= ImageLoadOptions.Default;
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: '{path}'. Check the path.", path);
        var bytes = File.ReadAllBytes(path);
        return Decode(bytes, path, options);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static ImageU8 Decode(byte[] encoded, string name, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        options ??= ImageLoadOptions.Default;
        ImageIntegrity.Check(encoded, name);
        try
        {
            var info = Identify(encoded, name, options, out var format);

            var (gray, sixteen) = Classify(info, format);
            return (gray, sixteen) switch
            {
                (true, false) => DecodeGray8(encoded),
                (true, true) => DecodeGray16(encoded),
                (false, false) => DecodeRgb8(encoded),
                (false, true) => DecodeRgb16(encoded),
            };
        }
        catch (Exception ex) when (ex is UnknownImageFormatException or InvalidImageContentException or ImageFormatException
                                       or NotSupportedException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"cannot decode image '{name}': {ex.Message.TrimEnd('.')}. The file is corrupt or not a PNG/JPEG/BMP; re-export it as PNG.", ex);
        }
    }

    /// <summary>
    /// Checks an image file without decoding its pixels: it exists, its container is intact
    /// (<see cref="ImageIntegrity"/>), its header names a supported format with a non-empty size within the pixel
    /// limit. Returns (width, height). Commands run this over every input before they write anything.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Damaged, unsupported, empty or over the pixel limit; names the file.</exception>
    public static (int Width, int Height) Check(string path, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= ImageLoadOptions.Default;
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: '{path}'. Check the path.", path);
        var bytes = File.ReadAllBytes(path);
        ImageIntegrity.Check(bytes, path);
        try
        {
            var info = Identify(bytes, path, options, out _);
            return (info.Width, info.Height);
        }
        catch (Exception ex) when (ex is UnknownImageFormatException or InvalidImageContentException or ImageFormatException
                                       or NotSupportedException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"cannot decode image '{path}': {ex.Message.TrimEnd('.')}. The file is corrupt or not a PNG/JPEG/BMP; re-export it as PNG.", ex);
        }
    }

    /// <summary>Header read with the format, size and pixel-limit checks shared by <see cref="Decode"/> and <see cref="Check"/>.</summary>
    private static IImageInfo Identify(byte[] encoded, string name, ImageLoadOptions options, out IImageFormat format)
    {
        var info = Image.Identify(Config, encoded, out IImageFormat? f);
        if (info is null || f is null)
            throw new InvalidDataException($"cannot decode image '{name}': not a PNG, JPEG or BMP file (or it is corrupt). Convert it to PNG or remove it from the folder.");
        format = f;
        long pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0)
            throw new InvalidDataException($"cannot decode image '{name}': header gives an empty size {info.Width}x{info.Height}.");
        if (pixels > options.MaxPixels)
            throw new InvalidDataException($"image '{name}' is {info.Width}x{info.Height} = {pixels:N0} pixels, over the limit of {options.MaxPixels:N0}; " +
                                           $"if you trust the file, raise the limit with --max-pixels {pixels} (in code: ImageLoadOptions).");
        return info;
    }

    private static (bool Gray, bool Sixteen) Classify(IImageInfo info, IImageFormat format)
    {
        if (format is PngFormat)
        {
            var png = info.Metadata.GetPngMetadata();
            bool gray = png.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
            bool sixteen = png.BitDepth == PngBitDepth.Bit16;
            return (gray, sixteen);
        }
        if (format is JpegFormat)
        {
            var jpg = info.Metadata.GetJpegMetadata();
            return (jpg.ColorType == JpegColorType.Luminance, false);
        }
        return (false, false); // BMP: 24/32-bit colour or palette, always RGB.
    }

    private static ImageU8 DecodeGray8(byte[] encoded)
    {
        using var img = Image.Load<La16>(Config, encoded);
        var px = new La16[img.Width * img.Height];
        img.CopyPixelDataTo(px);
        var data = new byte[px.Length];
        for (int i = 0; i < px.Length; i++) data[i] = px[i].L;
        return new ImageU8(img.Height, img.Width, 1, data);
    }

    private static ImageU8 DecodeGray16(byte[] encoded)
    {
        using var img = Image.Load<La32>(Config, encoded);
        var px = new La32[img.Width * img.Height];
        img.CopyPixelDataTo(px);
        var data = new byte[px.Length];
        for (int i = 0; i < px.Length; i++) data[i] = To8Bit(px[i].L);
        return new ImageU8(img.Height, img.Width, 1, data);
    }

    private static ImageU8 DecodeRgb8(byte[] encoded)
    {
        using var img = Image.Load<Rgba32>(Config, encoded);
        var px = new Rgba32[img.Width * img.Height];
        img.CopyPixelDataTo(px);
        var data = new byte[px.Length * 3];
        for (int i = 0, j = 0; i < px.Length; i++, j += 3) { data[j] = px[i].R; data[j + 1] = px[i].G; data[j + 2] = px[i].B; }
        return new ImageU8(img.Height, img.Width, 3, data);
    }

    private static ImageU8 DecodeRgb16(byte[] encoded)
    {
        using var img = Image.Load<Rgba64>(Config, encoded);
        var px = new Rgba64[img.Width * img.Height];
        img.CopyPixelDataTo(px);
        var data = new byte[px.Length * 3];
        for (int i = 0, j = 0; i < px.Length; i++, j += 3)
        { data[j] = To8Bit(px[i].R); data[j + 1] = To8Bit(px[i].G); data[j + 2] = To8Bit(px[i].B); }
        return new ImageU8(img.Height, img.Width, 3, data);
    }

    /// <summary>16-bit → 8-bit: round(v / 257), half away from zero; integer form (v + 128) / 257.</summary>
    public static byte To8Bit(ushort v) => (byte)((v + 128) / 257);

    /// <summary>Encodes as PNG (8-bit gray for 1 channel, 8-bit RGB for 3), lossless.</summary>
    public static byte[] EncodePng(ImageU8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var ms = new MemoryStream();
        if (image.IsGray)
        {
            using var img = Image.LoadPixelData<L8>(Config, image.Data, image.Width, image.Height);
            img.SaveAsPng(ms, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        }
        else
        {
            using var img = Image.LoadPixelData<Rgb24>(Config, image.Data, image.Width, image.Height);
            img.SaveAsPng(ms, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        }
        return ms.ToArray();
    }

    /// <summary>Writes a PNG atomically (temporary file + rename, <see cref="AtomicFile"/>); creates the folder.</summary>
    public static void SavePng(ImageU8 image, string path) => AtomicFile.WriteAllBytes(path, EncodePng(image));
}
