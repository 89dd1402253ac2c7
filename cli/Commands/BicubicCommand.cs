using System.Globalization;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Metrics;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr bicubic --hr DIR --scale S [--y-convention double|uint8|rgb|pyiqa] [--json]</c>: the bicubic baseline
/// (modcrop, MATLAB imresize down and up) with PSNR/SSIM per image and the set mean.
/// </summary>
public sealed class BicubicCommand : ICliCommand
{
    public string Name => "bicubic";
    public string Summary => "PSNR/SSIM of the MATLAB bicubic baseline on a folder of HR images (per image and mean).";
    public string Usage => "samdiffsr bicubic --hr <dir> --scale <s> [--y-convention double|uint8|rgb|pyiqa] [--json]\n" +
                           "  double: Y from rgb2ycbcr(im2double), shave s (RCAN/EDSR tables; default)\n" +
                           "  uint8:  Y from rgb2ycbcr on uint8, shave s (SelfExSR)\n" +
                           "  rgb:    RGB, skimage PSNR/SSIM, no shave (SRDiff Measure)\n" +
                           "  pyiqa:  Y, pyiqa psnr-Y/ssim, no shave (SAM-DiffSR README)";

    public int Run(CliArgs args, CliContext ctx)
    {
        var hr = args.Require("hr");
        int scale = ScaleOption.Parse(args);
        var conv = args.Choice("y-convention", "double", "double", "uint8", "rgb", "pyiqa") switch
        {
            "uint8" => MetricConvention.YUint8,
            "rgb" => MetricConvention.Rgb,
            "pyiqa" => MetricConvention.Pyiqa,
            _ => MetricConvention.YDouble,
        };
        bool json = args.Flag("json");
        args.EnsureAllUsed();

        var folder = ImageFolder.Open(hr);
        var progress = new ConsoleProgress(ctx);
        SetEvaluation ev;
        try { ev = BicubicBaseline.EvaluateFolder(folder, scale, conv, progress); }
        finally { progress.Finish(); }

        if (json) WriteJson(ctx.Out, ev);
        else WriteTable(ctx.Out, ev);
        return 0;
    }

    private static void WriteTable(TextWriter w, SetEvaluation ev)
    {
        var inv = CultureInfo.InvariantCulture;
        int nameW = Math.Max(8, ev.Images.Max(i => i.Name.Length));
        w.WriteLine($"bicubic x{ev.Scale} on {ev.Set} ({ev.Images.Count} images), convention {ev.Convention}");
        w.WriteLine($"{"image".PadRight(nameW)}  {"PSNR(dB)",9}  {"SSIM",7}");
        foreach (var i in ev.Images)
            w.WriteLine($"{i.Name.PadRight(nameW)}  {i.Psnr.ToString("F4", inv),9}  {i.Ssim.ToString("F4", inv),7}");
        w.WriteLine($"{"mean".PadRight(nameW)}  {ev.MeanPsnr.ToString("F4", inv),9}  {ev.MeanSsim.ToString("F4", inv),7}");
    }

    /// <summary>One JSON object; non-finite PSNR (identical images) is written as the string "Infinity".</summary>
    private static void WriteJson(TextWriter w, SetEvaluation ev)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms))
        {
            j.WriteStartObject();
            j.WriteString("set", ev.Set);
            j.WriteNumber("scale", ev.Scale);
            j.WriteString("convention", ev.Convention.ToString());
            j.WriteStartArray("images");
            foreach (var i in ev.Images)
            {
                j.WriteStartObject();
                j.WriteString("name", i.Name);
                Num(j, "psnr", i.Psnr);
                Num(j, "ssim", i.Ssim);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartObject("mean");
            Num(j, "psnr", ev.MeanPsnr);
            Num(j, "ssim", ev.MeanSsim);
            j.WriteEndObject();
            j.WriteEndObject();
        }
        w.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static void Num(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v);
        else j.WriteString(name, v > 0 ? "Infinity" : v < 0 ? "-Infinity" : "NaN");
    }
}
