namespace SamDiffSR.Metrics.Perceptual;

/// <summary>Model files for the network-based metrics; null entries fall back to the environment variables.</summary>
/// <param name="FidOnnx">Inception-v3 pool3 ONNX (<see cref="PerceptualMetrics.FidEnvironmentVariable"/>).</param>
/// <param name="LpipsOnnx">LPIPS ONNX (<see cref="PerceptualMetrics.LpipsEnvironmentVariable"/>).</param>
/// <param name="ManiqaOnnx">MANIQA ONNX (<see cref="PerceptualMetrics.ManiqaEnvironmentVariable"/>).</param>
public sealed record PerceptualMetricPaths(string? FidOnnx = null, string? LpipsOnnx = null, string? ManiqaOnnx = null);

/// <summary>
/// Registry of the perceptual metrics beyond PSNR/SSIM: which can run and how to open them.
/// <list type="bullet">
/// <item><c>artifact</c> — LDL artifact map score (<see cref="LdlArtifactMap"/>), per GT/SR pair; always available.</item>
/// <item><c>fid</c> — per set of images (<see cref="FidCalculator"/>); needs <c>SAMDIFFSR_FID_ONNX</c> or an explicit path.</item>
/// <item><c>lpips</c> — per GT/SR pair (<see cref="OnnxLpips"/>); needs <c>SAMDIFFSR_LPIPS_ONNX</c>.</item>
/// <item><c>maniqa</c> — per SR image, no reference (<see cref="OnnxManiqa"/>); needs <c>SAMDIFFSR_MANIQA_ONNX</c>.</item>
/// </list>
/// Explicit paths win over the environment. With validation on, each configured model is opened once and its
/// signature checked, so a wrong file is reported as unavailable with the reason instead of failing mid-evaluation.
/// Each model may have a description JSON beside it (<c>model.onnx</c> → <c>model.json</c>) with its input/output names
/// and preprocessing; see <see cref="FidModelDescription"/>, <see cref="LpipsModelDescription"/>, <see cref="ManiqaModelDescription"/>.
/// </summary>
public sealed class PerceptualMetrics
{
    /// <summary>Metric key of the LDL artifact score.</summary>
    public const string Artifact = "artifact";

    /// <summary>Metric key of FID.</summary>
    public const string Fid = "fid";

    /// <summary>Metric key of LPIPS.</summary>
    public const string Lpips = "lpips";

    /// <summary>Metric key of MANIQA.</summary>
    public const string Maniqa = "maniqa";

    /// <summary>Environment variable naming the FID Inception ONNX.</summary>
    public const string FidEnvironmentVariable = "SAMDIFFSR_FID_ONNX";

    /// <summary>Environment variable naming the LPIPS ONNX.</summary>
    public const string LpipsEnvironmentVariable = "SAMDIFFSR_LPIPS_ONNX";

    /// <summary>Environment variable naming the MANIQA ONNX.</summary>
    public const string ManiqaEnvironmentVariable = "SAMDIFFSR_MANIQA_ONNX";

    /// <summary>All metric keys handled here, in report order.</summary>
    public static IReadOnlyList<string> Names { get; } = [Artifact, Fid, Lpips, Maniqa];

    private readonly Dictionary<string, MetricAvailability> _availability;
    private readonly int _threads;

    private PerceptualMetrics(PerceptualMetricPaths paths, Dictionary<string, MetricAvailability> availability, int threads)
    {
        Paths = paths;
        _availability = availability;
        _threads = threads;
    }

    /// <summary>The resolved model paths (explicit or from the environment).</summary>
    public PerceptualMetricPaths Paths { get; }

    /// <summary>Availability of every metric, in <see cref="Names"/> order.</summary>
    public IReadOnlyList<MetricAvailability> Availability => [.. Names.Select(n => _availability[n])];

    /// <summary>Availability of one metric key (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown key.</exception>
    public MetricAvailability this[string metric] =>
        _availability.TryGetValue(metric.ToLowerInvariant(), out var a)
            ? a
            : throw new ArgumentException($"Unknown perceptual metric '{metric}'; known: {string.Join(", ", Names)}.", nameof(metric));

    /// <summary>Whether <paramref name="metric"/> can be computed.</summary>
    public bool IsAvailable(string metric) => this[metric].IsAvailable;

    /// <summary>
    /// Resolves paths (explicit, else environment) and checks each model.
    /// </summary>
    /// <param name="paths">Explicit model paths; null entries fall back to the environment variables.</param>
    /// <param name="validate">Open each configured model once to check its signature (default true).</param>
    /// <param name="threads">ONNX Runtime threads for validation and for the opened metrics (0 = its default).</param>
    /// <param name="environment">Environment lookup (default <see cref="Environment.GetEnvironmentVariable(string)"/>; tests inject one).</param>
    public static PerceptualMetrics Discover(PerceptualMetricPaths? paths = null, bool validate = true, int threads = 0, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        paths ??= new PerceptualMetricPaths();
        var resolved = new PerceptualMetricPaths(
            Pick(paths.FidOnnx, environment(FidEnvironmentVariable)),
            Pick(paths.LpipsOnnx, environment(LpipsEnvironmentVariable)),
            Pick(paths.ManiqaOnnx, environment(ManiqaEnvironmentVariable)));
        var map = new Dictionary<string, MetricAvailability>
        {
            [Artifact] = new(Artifact, true, "LDL artifact map (no network needed): score = 100 · mean(M) per image, mean over images per set."),
            [Fid] = Check(Fid, resolved.FidOnnx, FidEnvironmentVariable, OnnxFeatureExtractor.WeightsHint, validate,
                p => { using var x = OnnxFeatureExtractor.Open(p, threads: threads); return x.Description; }),
            [Lpips] = Check(Lpips, resolved.LpipsOnnx, LpipsEnvironmentVariable, OnnxLpips.WeightsHint, validate,
                p => { using var x = OnnxLpips.Open(p, threads: threads); return $"ONNX '{p}' ({x.Settings.Mode} mode)"; }),
            [Maniqa] = Check(Maniqa, resolved.ManiqaOnnx, ManiqaEnvironmentVariable, OnnxManiqa.WeightsHint, validate,
                p => { using var x = OnnxManiqa.Open(p, threads: threads); return $"ONNX '{p}', {x.Settings.CropRows}×{x.Settings.CropColumns} grid of {x.Settings.CropSize}² crops"; }),
        };
        return new PerceptualMetrics(resolved, map, threads);
    }

    /// <summary>Opens FID (per set). </summary>
    /// <exception cref="InvalidOperationException">FID is unavailable (message gives the reason).</exception>
    public FidCalculator OpenFid(FrechetOptions? options = null) =>
        new(OnnxFeatureExtractor.Open(Require(Fid), threads: _threads), options);

    /// <summary>Opens LPIPS (per image pair).</summary>
    /// <exception cref="InvalidOperationException">LPIPS is unavailable (message gives the reason).</exception>
    public OnnxLpips OpenLpips() => OnnxLpips.Open(Require(Lpips), threads: _threads);

    /// <summary>Opens MANIQA (per image).</summary>
    /// <exception cref="InvalidOperationException">MANIQA is unavailable (message gives the reason).</exception>
    public OnnxManiqa OpenManiqa() => OnnxManiqa.Open(Require(Maniqa), threads: _threads);

    private string Require(string metric)
    {
        var a = _availability[metric];
        if (!a.IsAvailable || a.ModelPath is null)
            throw new InvalidOperationException($"Metric '{metric}' is unavailable: {a.Reason}");
        return a.ModelPath;
    }

    private static string? Pick(string? explicitPath, string? env) =>
        !string.IsNullOrWhiteSpace(explicitPath) ? explicitPath : string.IsNullOrWhiteSpace(env) ? null : env;

    private static MetricAvailability Check(string metric, string? path, string variable, string hint, bool validate, Func<string, string> open)
    {
        if (path is null)
            return new(metric, false, $"no model configured: set {variable} to the ONNX file (or pass it explicitly). {hint}");
        if (!File.Exists(path))
            return new(metric, false, $"model file '{path}' does not exist. {hint}", path);
        if (!validate)
            return new(metric, true, $"ONNX '{path}' (not yet validated)", path);
        try
        {
            return new(metric, true, open(path), path);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException or ArgumentException)
        {
            return new(metric, false, e.Message, path);
        }
    }
}
