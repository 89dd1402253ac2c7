using System.Globalization;
using System.Text.Json;
using SamDiffSR.Metrics.Perceptual;

namespace SamDiffSR.Cli;

/// <summary>
/// Shared <c>--metrics</c> option of <c>eval</c> and <c>bicubic</c>: which metrics beyond PSNR/SSIM to compute
/// (<see cref="PerceptualSetScorer"/>), the optional model paths, and how the values appear in the table and the JSON.
/// PSNR and SSIM are always reported (the JSON keys of old callers stay); a requested metric without its model is
/// reported as unavailable with the reason (JSON: top-level <c>"unavailable": {"fid": "reason"}</c>), and the exit code
/// stays 0.
/// </summary>
/// <param name="Perceptual">Requested perceptual metric keys, in <see cref="PerceptualMetrics.Names"/> order.</param>
/// <param name="Paths">Explicit ONNX paths (null entries: the environment variables).</param>
public sealed record MetricsCliOptions(IReadOnlyList<string> Perceptual, PerceptualMetricPaths Paths)
{
    /// <summary>Option help lines.</summary>
    public const string Help = """
          --metrics   comma list of psnr,ssim,artifact,fid,lpips,maniqa (default psnr,ssim; psnr and ssim are always
                      reported). artifact = LDL artifact score 100·mean(M) per image, set = mean of images (no weights
                      needed); lpips and maniqa per image; fid per set (SR set vs HR set). Network metrics need ONNX
                      files: --fid-onnx/--lpips-onnx/--maniqa-onnx, else SAMDIFFSR_FID_ONNX/_LPIPS_ONNX/_MANIQA_ONNX
                      (lib/Metrics/Perceptual/README.md); without them the metric is reported as unavailable.
        """ + "\n";

    /// <summary>Every metric name <c>--metrics</c> accepts.</summary>
    public static IReadOnlyList<string> Known { get; } = ["psnr", "ssim", .. PerceptualMetrics.Names];

    /// <summary>Parses <c>--metrics</c>, <c>--fid-onnx</c>, <c>--lpips-onnx</c>, <c>--maniqa-onnx</c>.</summary>
    /// <exception cref="CliUsageException">Unknown or empty metric name, or a model path for a metric not requested.</exception>
    public static MetricsCliOptions Parse(CliArgs args)
    {
        var raw = args.GetOr("metrics", "psnr,ssim");
        var names = raw.Split(',', StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
        foreach (var n in names)
            if (!Known.Contains(n))
                throw new CliUsageException($"--metrics: unknown metric '{n}' in '{raw}'; known: {string.Join(",", Known)}");
        var perceptual = PerceptualMetrics.Names.Where(names.Contains).ToList();
        string? Path(string metric)
        {
            var p = args.Get(metric + "-onnx");
            if (p is not null && !perceptual.Contains(metric))
                throw new CliUsageException($"--{metric}-onnx is given but '{metric}' is not in --metrics ({raw})");
            return p;
        }
        return new MetricsCliOptions(perceptual, new PerceptualMetricPaths(Path(PerceptualMetrics.Fid), Path(PerceptualMetrics.Lpips), Path(PerceptualMetrics.Maniqa)));
    }

    /// <summary>The scorer for the requested perceptual metrics, or null when only PSNR/SSIM are requested.</summary>
    /// <param name="threads">ONNX Runtime threads (0 = its default).</param>
    public PerceptualSetScorer? OpenScorer(int threads = 0) =>
        Perceptual.Count == 0 ? null : new PerceptualSetScorer(PerceptualMetrics.Discover(Paths, validate: false, threads: threads), Perceptual);

    /// <summary>Writes each unavailable metric and each warning as one line to stderr (for --json, whose stdout is one object).</summary>
    public static void ReportProblems(PerceptualSetScores? s, TextWriter err, string command)
    {
        if (s is null) return;
        foreach (var (m, why) in s.Unavailable) err.WriteLine($"[{command}] {m} unavailable: {why}");
        foreach (var w in s.Warnings) err.WriteLine($"[{command}] warning: {w}");
    }

    /// <summary>Table header cells of the per-image metrics (after the command's own columns).</summary>
    public static string HeaderCells(PerceptualSetScores? s) =>
        s is null ? "" : string.Concat(s.PerImageMetrics.Select(m => $"  {m,9}"));

    /// <summary>Table cells of image <paramref name="index"/>.</summary>
    public static string ImageCells(PerceptualSetScores? s, int index) =>
        s is null ? "" : string.Concat(s.PerImageMetrics.Select(m => "  " + Fmt(s.Images[index].Values[m]).PadLeft(9)));

    /// <summary>Table cells of the mean row.</summary>
    public static string MeanCells(PerceptualSetScores? s) =>
        s is null ? "" : string.Concat(s.PerImageMetrics.Select(m => "  " + (s.Means.TryGetValue(m, out var v) ? Fmt(v) : "-").PadLeft(9)));

    /// <summary>Lines after the table: FID of the set, warnings, unavailable metrics with the reason.</summary>
    public static void WriteTableFooter(TextWriter w, PerceptualSetScores? s)
    {
        if (s is null) return;
        if (s.Means.TryGetValue(PerceptualMetrics.Fid, out var fid))
            w.WriteLine($"fid (SR set vs HR set): {Fmt(fid)}");
        foreach (var x in s.Warnings) w.WriteLine($"warning: {x}");
        foreach (var (m, why) in s.Unavailable) w.WriteLine($"{m}: unavailable — {why}");
    }

    /// <summary>JSON keys of image <paramref name="index"/> (one per available per-image metric).</summary>
    public static void WriteImageJson(Utf8JsonWriter j, PerceptualSetScores? s, int index)
    {
        if (s is null) return;
        foreach (var m in s.PerImageMetrics) Number(j, m, s.Images[index].Values[m]);
    }

    /// <summary>JSON keys inside <c>mean</c>: the per-image metric means and <c>fid</c>.</summary>
    public static void WriteMeanJson(Utf8JsonWriter j, PerceptualSetScores? s)
    {
        if (s is null) return;
        foreach (var m in s.Requested)
            if (s.Means.TryGetValue(m, out var v)) Number(j, m, v);
    }

    /// <summary>Top-level JSON keys: <c>"unavailable": {metric: reason}</c> and <c>"warnings": [...]</c>, each only when non-empty.</summary>
    public static void WriteSetJson(Utf8JsonWriter j, PerceptualSetScores? s)
    {
        if (s is null) return;
        if (s.Unavailable.Count > 0)
        {
            j.WriteStartObject("unavailable");
            foreach (var (m, why) in s.Unavailable) j.WriteString(m, why);
            j.WriteEndObject();
        }
        if (s.Warnings.Count > 0)
        {
            j.WriteStartArray("warnings");
            foreach (var w in s.Warnings) j.WriteStringValue(w);
            j.WriteEndArray();
        }
    }

    /// <summary>A number; non-finite values as the strings "Infinity", "-Infinity", "NaN".</summary>
    public static void Number(Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v);
        else j.WriteString(name, v > 0 ? "Infinity" : v < 0 ? "-Infinity" : "NaN");
    }

    /// <summary>Runs <paramref name="write"/> on a JSON writer (readable non-ASCII) and returns the text.</summary>
    public static string Json(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(j);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Fmt(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
