using System.Net;
using System.Text;
using SamDiffSR.Data;

namespace SamDiffSR.Display;

/// <summary>
/// Side-by-side super-resolution results for one image, as in the paper's Fig. 5: a row with the LR input
/// (nearest-neighbour upscaled to the HR size, so its pixels stay visible), bicubic, each method and HR; then the HR
/// image with a box drawn on it and the box's crop from every result, enlarged with nearest-neighbour pixels.
/// </summary>
public static class SrGallery
{
    /// <summary>Nearest-neighbour upscaling by an integer factor (display only; never used for metrics).</summary>
    public static ImageU8 NearestUpscale(ImageU8 image, int factor)
    {
        if (factor < 1) throw new ArgumentException($"factor must be ≥ 1, got {factor}");
        int h = image.Height * factor, w = image.Width * factor, c = image.Channels;
        var dst = new byte[h * w * c];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Buffer.BlockCopy(image.Data, ((y / factor) * image.Width + x / factor) * c, dst, (y * w + x) * c, c);
        return new ImageU8(h, w, c, dst);
    }

    /// <summary>A copy of <paramref name="image"/> (as RGB) with a red rectangle outline of the given thickness.</summary>
    public static ImageU8 DrawBox(ImageU8 image, (int Y, int X, int H, int W) box, int thickness = 2)
    {
        var (by, bx, bh, bw) = box;
        if (by < 0 || bx < 0 || bh <= 0 || bw <= 0 || by + bh > image.Height || bx + bw > image.Width)
            throw new ArgumentException($"box rows {by}..{by + bh - 1}, cols {bx}..{bx + bw - 1} is outside the {image.Height}x{image.Width} image");
        var rgb = image.ToRgb();
        var d = (byte[])rgb.Data.Clone();
        for (int y = by; y < by + bh; y++)
            for (int x = bx; x < bx + bw; x++)
            {
                bool edge = y < by + thickness || y >= by + bh - thickness || x < bx + thickness || x >= bx + bw - thickness;
                if (!edge) continue;
                int i = (y * rgb.Width + x) * 3;
                d[i] = 255; d[i + 1] = 0; d[i + 2] = 0;
            }
        return new ImageU8(rgb.Height, rgb.Width, 3, d);
    }

    /// <summary>
    /// The square box (side a quarter of the shorter image side, a multiple of <paramref name="scale"/>, aligned to
    /// the LR grid) whose HR luminance varies most: where super-resolution has the most detail to restore.
    /// </summary>
    public static (int Y, int X, int H, int W) DetailBox(ImageU8 hr, int scale)
    {
        int side = Math.Max(scale, Math.Min(hr.Height, hr.Width) / 4 / scale * scale);
        side = Math.Min(side, Math.Min(hr.Height, hr.Width));
        int H = hr.Height, W = hr.Width;
        // Integral images of luminance and its square.
        var s = new double[(H + 1) * (W + 1)];
        var s2 = new double[(H + 1) * (W + 1)];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double v = hr.Channels == 1 ? hr[y, x] : 0.299 * hr[y, x, 0] + 0.587 * hr[y, x, 1] + 0.114 * hr[y, x, 2];
                int i = (y + 1) * (W + 1) + x + 1;
                s[i] = v + s[i - 1] + s[i - (W + 1)] - s[i - (W + 1) - 1];
                s2[i] = v * v + s2[i - 1] + s2[i - (W + 1)] - s2[i - (W + 1) - 1];
            }
        double Sum(double[] a, int y, int x) =>
            a[(y + side) * (W + 1) + x + side] - a[y * (W + 1) + x + side] - a[(y + side) * (W + 1) + x] + a[y * (W + 1) + x];
        int step = Math.Max(scale, side / 4 / scale * scale);
        double best = -1; (int, int) at = (0, 0);
        double n = (double)side * side;
        for (int y = 0; y + side <= H; y += step)
            for (int x = 0; x + side <= W; x += step)
            {
                double m = Sum(s, y, x) / n, var = Sum(s2, y, x) / n - m * m;
                if (var > best) { best = var; at = (y, x); }
            }
        return (at.Item1, at.Item2, side, side);
    }

    /// <summary>
    /// HTML for one image: the full-size row (LR nearest-upscaled, then <paramref name="results"/> in order, e.g.
    /// Bicubic, SRDiff, SAM-DiffSR, HR) and the Fig. 5 panel (HR with the box drawn, then every crop).
    /// All images must be the HR size; <paramref name="box"/> defaults to <see cref="DetailBox"/>.
    /// </summary>
    public static string Compare(string name, ImageU8 lr, int scale, IReadOnlyList<(string Label, ImageU8 Image)> results, ImageU8 hr,
                                 (int Y, int X, int H, int W)? box = null, int displayWidth = 192, int cropDisplayWidth = 144)
    {
        var lrUp = NearestUpscale(lr, scale);
        var all = new List<(string Label, ImageU8 Image)> { ($"LR (×{scale} nearest)", lrUp) };
        all.AddRange(results);
        all.Add(("HR", hr));
        foreach (var (label, im) in all)
            if (im.Height != hr.Height || im.Width != hr.Width)
                throw new ArgumentException($"{name}: '{label}' is {im.Height}x{im.Width}, HR is {hr.Height}x{hr.Width}");
        var b = box ?? DetailBox(hr, scale);
        byte[] Png(ImageU8 im) => HtmlImage.EncodePng(im.Data, im.Height, im.Width, im.Channels);

        var sb = new StringBuilder();
        sb.Append("<section class=\"sr-compare\"><h3>").Append(WebUtility.HtmlEncode(name)).Append("</h3>\n");
        sb.Append(HtmlImage.Gallery(all.Select(a => (Png(a.Image), a.Label)), displayWidth)).Append('\n');
        var crops = new List<(byte[], string)>
        {
            (Png(DrawBox(hr, b, Math.Max(1, Math.Min(hr.Height, hr.Width) / 128))), $"HR, box rows {b.Y}–{b.Y + b.H - 1}, cols {b.X}–{b.X + b.W - 1}"),
        };
        crops.AddRange(all.Select(a => (Png(a.Image.Crop(b.Y, b.X, b.H, b.W)), a.Label)));
        sb.Append(HtmlImage.Gallery(crops, cropDisplayWidth)).Append("</section>\n");
        return sb.ToString();
    }

    /// <summary>
    /// <see cref="Compare"/> for every image of an HR folder: LR = MATLAB bicubic downscale of the modcropped HR (as the
    /// evaluation makes it), results read as <c>&lt;folder&gt;/&lt;image name&gt;.png</c>; a missing result is skipped
    /// with a note in its place.
    /// </summary>
    public static string FromFolders(string hrFolder, int scale, IReadOnlyList<(string Label, string Folder)> results, int? maxImages = null)
    {
        var sb = new StringBuilder();
        int n = 0;
        foreach (var (file, img) in ImageFolder.Open(hrFolder).ReadAll())
        {
            if (maxImages is int m && n++ >= m) break;
            var hr = ImageOps.Modcrop(img, scale, file);
            var lr = MatlabResize.Downscale(hr, scale);
            var found = new List<(string, ImageU8)>();
            var missing = new List<string>();
            foreach (var (label, folder) in results)
            {
                var p = Path.Combine(folder, Path.ChangeExtension(file, ".png"));
                if (File.Exists(p)) found.Add((label, ImageIO.Load(p))); else missing.Add(label);
            }
            sb.Append(Compare(file, lr, scale, found, hr));
            if (missing.Count > 0)
                sb.Append("<p><i>").Append(WebUtility.HtmlEncode($"{file}: no result for {string.Join(", ", missing)}")).Append("</i></p>\n");
        }
        return sb.ToString();
    }
}
