using System.Net;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SamDiffSR.Display;

/// <summary>
/// Inline images for notebooks and HTML reports: PNG data URIs, side-by-side galleries and grayscale maps.
/// No notebook dependency; a notebook shows the returned HTML with <c>HTML(...)</c> / <c>display(...)</c>.
/// </summary>
public static class HtmlImage
{
    /// <summary>PNG bytes of an interleaved uint8 image (channels 1 = gray, 3 = RGB), row-major H×W×C.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> hwc, int height, int width, int channels)
    {
        if (hwc.Length != height * width * channels) throw new ArgumentException($"expected {height}×{width}×{channels} bytes, got {hwc.Length}");
        using var ms = new MemoryStream();
        if (channels == 1)
        {
            using var img = Image.LoadPixelData<L8>(hwc, width, height);
            img.SaveAsPng(ms);
        }
        else if (channels == 3)
        {
            using var img = Image.LoadPixelData<Rgb24>(hwc, width, height);
            img.SaveAsPng(ms);
        }
        else throw new ArgumentException($"channels must be 1 or 3, got {channels}");
        return ms.ToArray();
    }

    /// <summary>An &lt;img&gt; tag with the PNG inlined as a data URI; nearest-neighbour upscaling for small images.</summary>
    public static string ImgTag(byte[] png, string? caption = null, int? displayWidth = null)
    {
        var style = "image-rendering:pixelated;" + (displayWidth is int w ? $"width:{w}px;" : "");
        var img = $"<img style=\"{style}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"/>";
        return caption == null ? img
            : $"<figure style=\"display:inline-block;margin:4px;text-align:center\">{img}<figcaption style=\"font:12px sans-serif\">{WebUtility.HtmlEncode(caption)}</figcaption></figure>";
    }

    /// <summary>A row of captioned images (e.g. LR-up, SRDiff, SAM-DiffSR, HR).</summary>
    public static string Gallery(IEnumerable<(byte[] Png, string Caption)> items, int? displayWidth = 192)
    {
        var sb = new StringBuilder("<div style=\"display:flex;flex-wrap:wrap;align-items:flex-end\">");
        foreach (var (png, cap) in items) sb.Append(ImgTag(png, cap, displayWidth));
        return sb.Append("</div>").ToString();
    }

    /// <summary>
    /// Maps a real-valued H×W field to 8-bit gray: linear from <paramref name="min"/> (black) to
    /// <paramref name="max"/> (white), clamped; by default the field's own range (a constant field is mid-gray).
    /// </summary>
    public static byte[] ToGray(ReadOnlySpan<double> values, double? min = null, double? max = null)
    {
        double lo = min ?? double.PositiveInfinity, hi = max ?? double.NegativeInfinity;
        if (min is null || max is null)
            foreach (var v in values) { if (min is null && v < lo) lo = v; if (max is null && v > hi) hi = v; }
        var res = new byte[values.Length];
        double span = hi - lo;
        for (int i = 0; i < values.Length; i++)
            res[i] = span <= 0 ? (byte)128 : (byte)Math.Round(Math.Clamp((values[i] - lo) / span, 0, 1) * 255);
        return res;
    }
}
