using System.Globalization;
using System.Net;
using System.Text;
using SamDiffSR.Data;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Metrics;
using SamDiffSR.Schedules;

namespace SamDiffSR.Display;

/// <summary>
/// The HTML a library value shows when it is the value of a notebook cell. notebooks/setup.dib registers each method
/// with the kernel's formatter (text/html); the library itself has no notebook dependency, and reports may call the
/// same methods. Every renderer returns one self-contained HTML fragment (images as PNG data URIs, no scripts).
/// </summary>
public static class RichHtml
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>An 8-bit image (gray or RGB) with its size as the caption; small images are upscaled (pixelated) to at least 128 px.</summary>
    public static string Image(ImageU8 image, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = image.Channels is 1 or 3 ? image : image.ToRgb();
        var png = HtmlImage.EncodePng(rgb.Data, rgb.Height, rgb.Width, rgb.Channels);
        return HtmlImage.ImgTag(png, caption ?? $"ImageU8 {image.Width}×{image.Height}×{image.Channels}", DisplayWidth(image.Width));
    }

    /// <summary>
    /// A float image. Values in [0, 1] are shown as 0..255, values in [0, 255] as they are; any other range (e.g. the
    /// residual in [−1, 1], bicubic overshoot) is stretched from its minimum to its maximum, and the caption says which.
    /// Only 1- and 3-channel images are drawn (others show channel 0).
    /// </summary>
    public static string Image(ImageF64 image, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var v in image.Data) { if (v < lo) lo = v; if (v > hi) hi = v; }
        (double a, double b, string how) = lo >= 0 && hi <= 1 ? (0.0, 1.0, "[0,1]")
            : lo >= 0 && hi <= 255 ? (0.0, 255.0, "[0,255]")
            : (lo, hi, string.Format(Inv, "stretched [{0:G4}, {1:G4}]", lo, hi));
        int c = image.Channels == 3 ? 3 : 1;
        var px = new byte[image.Height * image.Width * c];
        double span = b - a;
        for (int i = 0, n = image.Height * image.Width; i < n; i++)
            for (int k = 0; k < c; k++)
            {
                double v = image.Data[i * image.Channels + k];
                px[i * c + k] = span <= 0 ? (byte)128 : (byte)Math.Round(Math.Clamp((v - a) / span, 0, 1) * 255);
            }
        var png = HtmlImage.EncodePng(px, image.Height, image.Width, c);
        return HtmlImage.ImgTag(png, caption ?? $"ImageF64 {image.Width}×{image.Height}×{image.Channels}, {how}", DisplayWidth(image.Width));
    }

    /// <summary>
    /// An SPE map in a diverging colour map (blue negative, white 0, red positive, symmetric about 0 with limit
    /// <paramref name="limit"/>, default the map's largest |E|), with a colour bar. With <paramref name="background"/>
    /// (an RGB or gray image of the same size) the colours are blended over it (<paramref name="alpha"/> = colour weight);
    /// with <paramref name="boundaries"/> (H·W flags) segment boundaries are drawn black.
    /// </summary>
    public static string Spe(SpeMap map, string? caption = null, double? limit = null, ImageU8? background = null,
                             double alpha = 0.6, bool[]? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        int h = map.Height, w = map.Width;
        if (background != null && (background.Height != h || background.Width != w))
            throw new ArgumentException($"background is {background.Width}×{background.Height}, the SPE map {w}×{h}");
        if (boundaries != null && boundaries.Length != h * w)
            throw new ArgumentException($"boundaries has {boundaries.Length} flags, expected {h}×{w}");
        var vals = map.Values;
        double lim = limit ?? 0;
        if (limit is null) foreach (var v in vals) lim = Math.Max(lim, Math.Abs(v));
        if (!(lim > 0)) lim = 1;
        var px = new byte[h * w * 3];
        for (int i = 0; i < h * w; i++)
        {
            var (r, g, b) = Diverging(vals[i] / lim);
            if (background != null)
            {
                int bc = background.Channels;
                double br = background.Data[i * bc], bg = background.Data[i * bc + (bc == 3 ? 1 : 0)], bb = background.Data[i * bc + (bc == 3 ? 2 : 0)];
                r = (byte)Math.Round(alpha * r + (1 - alpha) * br);
                g = (byte)Math.Round(alpha * g + (1 - alpha) * bg);
                b = (byte)Math.Round(alpha * b + (1 - alpha) * bb);
            }
            if (boundaries != null && boundaries[i]) (r, g, b) = ((byte)0, (byte)0, (byte)0);
            px[3 * i] = r; px[3 * i + 1] = g; px[3 * i + 2] = b;
        }
        var png = HtmlImage.EncodePng(px, h, w, 3);
        var cap = caption ?? $"SPE map {w}×{h}";
        return "<div style=\"display:inline-flex;align-items:center;gap:8px\">"
             + HtmlImage.ImgTag(png, cap, DisplayWidth(w)) + ColourBar(-lim, lim, 16, 180) + "</div>";
    }

    /// <summary>The diverging colour of t ∈ [−1, 1] (clamped): (59,76,192) at −1, white at 0, (180,4,38) at +1.</summary>
    public static (byte R, byte G, byte B) Diverging(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, -1, 1);
        (double r, double g, double b) end = t < 0 ? (59, 76, 192) : (180, 4, 38);
        double u = Math.Abs(t);
        return ((byte)Math.Round(255 + (end.r - 255) * u), (byte)Math.Round(255 + (end.g - 255) * u), (byte)Math.Round(255 + (end.b - 255) * u));
    }

    /// <summary>A vertical colour bar for <see cref="Diverging"/> from <paramref name="min"/> (bottom) to <paramref name="max"/> (top), with three labels.</summary>
    public static string ColourBar(double min, double max, int width = 16, int height = 180)
    {
        static string Css((byte R, byte G, byte B) c) => $"rgb({c.R},{c.G},{c.B})";
        var grad = $"linear-gradient(to top,{Css(Diverging(-1))},{Css(Diverging(0))},{Css(Diverging(1))})";
        string L(double v) => v.ToString("G4", Inv);
        return $"<div class=\"samdiffsr-colourbar\" style=\"display:flex;align-items:stretch;gap:4px;font:11px sans-serif\">"
             + $"<div style=\"width:{width}px;height:{height}px;background:{grad};border:1px solid #888\"></div>"
             + $"<div style=\"display:flex;flex-direction:column;justify-content:space-between;height:{height}px\">"
             + $"<span>{L(max)}</span><span>{L((min + max) / 2)}</span><span>{L(min)}</span></div></div>";
    }

    /// <summary>
    /// A diffusion schedule: its description and a table of β_t, ᾱ_t, φ_t and both E coefficients at a few paper steps
    /// t (1, 2, 3, 10, T/2, T−1, T by default).
    /// </summary>
    public static string Schedule(DiffusionSchedule schedule, IEnumerable<int>? paperSteps = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int T = schedule.Timesteps;
        var steps = (paperSteps ?? new[] { 1, 2, 3, 10, T / 2, T - 1, T }).Where(t => t >= 1 && t <= T).Distinct().Order().ToArray();
        var sb = new StringBuilder();
        sb.Append($"<div><b>DiffusionSchedule</b> {Enc(schedule.Description)}, T = {T}</div>");
        sb.Append(TableStart("t", "β_t", "ᾱ_t", "φ_t", "paper coef √((1−ᾱ_t)/β_t)", "official coef √(1−ᾱ_t)·β_t"));
        foreach (var t in steps)
        {
            int i = t - 1;
            Row(sb, t.ToString(Inv), G(schedule.Betas[i]), G(schedule.AlphasCumprod[i]), G(schedule.Phi[i]),
                G(schedule.PaperTargetCoefficient[i]), G(schedule.OfficialMaskCoefficient[i]));
        }
        return sb.Append("</table>").ToString();
    }

    /// <summary>A set's PSNR/SSIM per image and the mean (the value of <c>BicubicBaseline.EvaluateFolder</c>).</summary>
    public static string Evaluation(SetEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var sb = new StringBuilder($"<div><b>{Enc(evaluation.Set)}</b> ×{evaluation.Scale}, {evaluation.Convention}: mean PSNR {evaluation.MeanPsnr.ToString("F3", Inv)} dB, SSIM {evaluation.MeanSsim.ToString("F4", Inv)}</div>");
        sb.Append(TableStart("image", "PSNR (dB)", "SSIM"));
        foreach (var i in evaluation.Images) Row(sb, i.Name, i.Psnr.ToString("F3", Inv), i.Ssim.ToString("F4", Inv));
        Row(sb, "<b>mean</b>", evaluation.MeanPsnr.ToString("F3", Inv), evaluation.MeanSsim.ToString("F4", Inv), encode: false);
        return sb.Append("</table>").ToString();
    }

    /// <summary>A diffusion model's evaluation (the value of <c>SrInference.EvaluateFolder</c>): PSNR, SSIM, LR-PSNR and seconds per image.</summary>
    public static string Evaluation(SrEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var sb = new StringBuilder($"<div><b>{Enc(evaluation.Set)}</b> ×{evaluation.Scale}, {evaluation.Convention}, sampler {Enc(evaluation.Sampler)}: "
            + $"mean PSNR {F(evaluation.MeanPsnr, 3)} dB, SSIM {F(evaluation.MeanSsim, 4)}, LR-PSNR {F(evaluation.MeanLrPsnr, 2)} dB, {F(evaluation.TotalSeconds, 1)} s</div>");
        sb.Append(TableStart("image", "PSNR (dB)", "SSIM", "LR-PSNR (dB)", "seconds"));
        foreach (var i in evaluation.Images) Row(sb, i.Name, F(i.Psnr, 3), F(i.Ssim, 4), F(i.LrPsnr, 2), F(i.Seconds, 2));
        return sb.Append("</table>").ToString();
    }

    /// <summary>One super-resolved image's scores.</summary>
    public static string Result(SrImageResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sb = new StringBuilder(TableStart("image", "PSNR (dB)", "SSIM", "LR-PSNR (dB)", "seconds"));
        Row(sb, result.Name, F(result.Psnr, 3), F(result.Ssim, 4), F(result.LrPsnr, 2), F(result.Seconds, 2));
        return sb.Append("</table>").ToString();
    }

    /// <summary>One image's PSNR/SSIM.</summary>
    public static string Result(ImageScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        var sb = new StringBuilder(TableStart("image", "PSNR (dB)", "SSIM"));
        Row(sb, score.Name, F(score.Psnr, 3), F(score.Ssim, 4));
        return sb.Append("</table>").ToString();
    }

    private static int? DisplayWidth(int width) => width < 128 ? 128 : null;
    private static string Enc(string s) => WebUtility.HtmlEncode(s);
    private static string G(double v) => v.ToString("G6", Inv);
    private static string F(double v, int digits) => v.ToString("F" + digits, Inv);

    private static string TableStart(params string[] headers) =>
        "<table style=\"border-collapse:collapse;font:12px sans-serif\"><tr>"
        + string.Concat(headers.Select(h => $"<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:right\">{Enc(h)}</th>")) + "</tr>";

    private static void Row(StringBuilder sb, string first, params string[] rest) => Row(sb, first, rest, encode: true);

    private static void Row(StringBuilder sb, string first, string a, string b, bool encode) => Row(sb, first, new[] { a, b }, encode);

    private static void Row(StringBuilder sb, string first, string[] rest, bool encode)
    {
        sb.Append("<tr>");
        sb.Append($"<td style=\"padding:2px 8px\">{(encode ? Enc(first) : first)}</td>");
        foreach (var c in rest) sb.Append($"<td style=\"padding:2px 8px;text-align:right\">{Enc(c)}</td>");
        sb.Append("</tr>");
    }
}
