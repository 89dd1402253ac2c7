using System.Globalization;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Metrics;
using SamDiffSR.Metrics.Perceptual;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr bicubic --hr DIR --scale S [--y-convention double|uint8|rgb|pyiqa] [--metrics ...] [--json]</c>: the bicubic
/// baseline (modcrop, MATLAB imresize down and up) with PSNR/SSIM (and the <see cref="MetricsCliOptions"/> metrics) per
/// image and the set mean.
/// </summary>
public sealed class BicubicCommand : ICliCommand
{
    public string Name => "bicubic";
    public string Summary => "PSNR/SSIM of the MATLAB bicubic baseline on a folder of HR images (per image and mean).";
    public string Usage => "samdiffsr bicubic --hr <dir> --scale <s> [--y-convention double|uint8|rgb|pyiqa] [--json]\n" +
                           "                  [--metrics psnr,ssim,artifact,fid,lpips,maniqa] [--fid-onnx F] [--lpips-onnx F] [--maniqa-onnx F] [--max-pixels N]\n" +
                           "  double: Y from rgb2ycbcr(im2double), shave s (RCAN/EDSR tables; default)\n" +
                           "  uint8:  Y from rgb2ycbcr on uint8, shave s (SelfExSR)\n" +
                           "  rgb:    RGB, skimage PSNR/SSIM, no shave (SRDiff Measure)\n" +
                           "  pyiqa:  Y, pyiqa psnr-Y/ssim, no shave (SAM-DiffSR README)\n" +
                           MetricsCliOptions.Help +
                           "  --json prints one object: {\"set\",\"scale\",\"convention\",\"images\":[{\"name\",\"psnr\",\"ssim\",<metric>...}...],\n" +
                           "    \"mean\":{\"psnr\",\"ssim\",<metric>...,\"fid\"}[,\"unavailable\":{<metric>:reason}][,\"warnings\":[...]]}";

    public int Run(CliArgs args, CliContext ctx)
    {
        var hr = args.Require("hr");
        int scale = ScaleOption.Parse(args);
        var conv = args.Enum("y-convention", MetricConvention.YDouble);
        bool json = args.Flag("json");
        var metrics = MetricsCliOptions.Parse(args);
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();

        var folder = ImageFolder.Open(hr);
        var sizes = folder.CheckAll();
        for (int i = 0; i < folder.Count; i++) QualityMetrics.RequireMeasurable(folder.Files[i], sizes[i].Width, sizes[i].Height, scale, conv);
        var progress = new ConsoleProgress(ctx);
        SetEvaluation ev;
        PerceptualSetScores? extra;
        using (var scorer = metrics.OpenScorer())
        {
            try { ev = BicubicBaseline.EvaluateFolder(folder, scale, conv, progress, scorer is null ? null : (name, sr, gt) => scorer.Add(name, gt, sr)); }
            finally { progress.Finish(); }
            extra = scorer?.Finish();
        }
        if (json) MetricsCliOptions.ReportProblems(extra, ctx.Err, Name);   // the table has its own lines

        if (json) WriteJson(ctx.Out, ev, extra);
        else WriteTable(ctx.Out, ev, extra);
        return 0;
    }

    private static void WriteTable(TextWriter w, SetEvaluation ev, PerceptualSetScores? extra)
    {
        var inv = CultureInfo.InvariantCulture;
        int nameW = Math.Max(8, ev.Images.Max(i => i.Name.Length));
        w.WriteLine($"bicubic x{ev.Scale} on {ev.Set} ({ev.Images.Count} images), convention {ev.Convention}");
        w.WriteLine($"{"image".PadRight(nameW)}  {"PSNR(dB)",9}  {"SSIM",7}{MetricsCliOptions.HeaderCells(extra)}");
        for (int k = 0; k < ev.Images.Count; k++)
        {
            var i = ev.Images[k];
            w.WriteLine($"{i.Name.PadRight(nameW)}  {i.Psnr.ToString("F4", inv),9}  {i.Ssim.ToString("F4", inv),7}{MetricsCliOptions.ImageCells(extra, k)}");
        }
        w.WriteLine($"{"mean".PadRight(nameW)}  {ev.MeanPsnr.ToString("F4", inv),9}  {ev.MeanSsim.ToString("F4", inv),7}{MetricsCliOptions.MeanCells(extra)}");
        MetricsCliOptions.WriteTableFooter(w, extra);
    }

    /// <summary>One JSON object; non-finite PSNR (identical images) is written as the string "Infinity".</summary>
    private static void WriteJson(TextWriter w, SetEvaluation ev, PerceptualSetScores? extra)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("set", ev.Set);
            j.WriteNumber("scale", ev.Scale);
            j.WriteString("convention", ev.Convention.ToString());
            j.WriteStartArray("images");
            for (int k = 0; k < ev.Images.Count; k++)
            {
                var i = ev.Images[k];
                j.WriteStartObject();
                j.WriteString("name", i.Name);
                Num(j, "psnr", i.Psnr);
                Num(j, "ssim", i.Ssim);
                MetricsCliOptions.WriteImageJson(j, extra, k);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartObject("mean");
            Num(j, "psnr", ev.MeanPsnr);
            Num(j, "ssim", ev.MeanSsim);
            MetricsCliOptions.WriteMeanJson(j, extra);
            j.WriteEndObject();
            MetricsCliOptions.WriteSetJson(j, extra);
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
