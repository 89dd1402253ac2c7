using System.Text.Json;
using System.Text.RegularExpressions;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>One image's feature map from a network layer: C×H×W float32, channel first.</summary>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
/// <param name="Data">C·H·W values.</param>
public sealed record FeatureMap(int Channels, int Height, int Width, float[] Data)
{
    /// <summary>Checks the data length.</summary>
    public void Validate(string what)
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0 || Data is null || Data.Length != (long)Channels * Height * Width)
            throw new ArgumentException($"{what}: feature map {Channels}×{Height}×{Width} does not match its {Data?.Length ?? 0} values.");
    }
}

/// <summary>
/// The LPIPS v0.1 linear heads w_l (one non-negative weight per channel of each layer; lpips NetLinLayer = 1×1 conv
/// without bias). AlexNet layers have 64, 192, 384, 256, 256 channels. Loaded from JSON: an object with keys
/// <c>lin0</c>…<c>linL−1</c> (optionally with lpips' state-dict suffix <c>.model.1.weight</c>) whose values are
/// arrays (nested arrays such as the (1, C, 1, 1) weight tensor's <c>tolist()</c> are flattened), or an array of L arrays.
/// Export from Python: <c>{k: v.flatten().tolist() for k, v in torch.load("alex.pth").items()}</c> with the lpips
/// package's weights lpips/weights/v0.1/alex.pth.
/// </summary>
public sealed class LpipsLinearHeads
{
    private readonly double[][] _weights;

    /// <summary>Creates heads from per-layer weights (copied).</summary>
    /// <exception cref="ArgumentException">No layers, an empty layer, or a negative/non-finite weight.</exception>
    public LpipsLinearHeads(IReadOnlyList<double[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0) throw new ArgumentException("LPIPS needs at least one linear head.", nameof(weights));
        _weights = new double[weights.Count][];
        for (var l = 0; l < weights.Count; l++)
        {
            if (weights[l] is null || weights[l].Length == 0) throw new ArgumentException($"LPIPS head {l} is empty.", nameof(weights));
            foreach (var w in weights[l])
                if (!(w >= 0) || !double.IsFinite(w))
                    throw new ArgumentException($"LPIPS head {l} has weight {w}; the v0.1 heads are finite and non-negative (wrong file?).", nameof(weights));
            _weights[l] = (double[])weights[l].Clone();
        }
    }

    /// <summary>Number of layers L.</summary>
    public int LayerCount => _weights.Length;

    /// <summary>Weights of layer l.</summary>
    public ReadOnlySpan<double> Layer(int l) => _weights[l];

    /// <summary>Loads heads from a JSON file (format in the class remarks).</summary>
    /// <exception cref="FileNotFoundException">Missing file (says where the weights come from).</exception>
    /// <exception cref="InvalidDataException">Not in the expected format.</exception>
    public static LpipsLinearHeads Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"LPIPS linear-head weights '{path}' do not exist. {OnnxLpips.WeightsHint}", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var layers = new List<double[]>();
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in doc.RootElement.EnumerateArray()) layers.Add(Flatten(e));
            }
            else if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                var byIndex = new SortedDictionary<int, double[]>();
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    var m = Regex.Match(p.Name, @"^lin(\d+)(\.model\.1\.weight)?$");
                    if (!m.Success) throw new InvalidDataException($"unexpected key '{p.Name}' (expected lin0, lin1, … or lin0.model.1.weight, …)");
                    byIndex[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = Flatten(p.Value);
                }
                var expectedIndex = 0;
                foreach (var (k, v) in byIndex)
                {
                    if (k != expectedIndex) throw new InvalidDataException($"layer keys must be lin0..lin{byIndex.Count - 1} without gaps; lin{expectedIndex} is missing");
                    layers.Add(v);
                    expectedIndex++;
                }
            }
            else
            {
                throw new InvalidDataException("the root must be an object or an array");
            }
            return new LpipsLinearHeads(layers);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"LPIPS linear-head weights '{path}' are not in the expected format: {e.Message}. {OnnxLpips.WeightsHint}", e);
        }
    }

    private static double[] Flatten(JsonElement e)
    {
        var list = new List<double>();
        Walk(e);
        return [.. list];

        void Walk(JsonElement x)
        {
            if (x.ValueKind == JsonValueKind.Array)
                foreach (var y in x.EnumerateArray()) Walk(y);
            else if (x.ValueKind == JsonValueKind.Number)
                list.Add(x.GetDouble());
            else
                throw new InvalidDataException($"weights must be numbers, found {x.ValueKind}");
        }
    }
}

/// <summary>
/// LPIPS distance (Zhang et al., CVPR 2018; the <c>lpips</c> package v0.1, AlexNet variant used by SRDiff's
/// <c>Measure</c>): for feature maps f⁰_l, f¹_l of layers l = 1..L (AlexNet relu1..relu5 of the ScalingLayer-normalised
/// inputs), unit-normalise along channels, n = f / (‖f‖₂ + 1e-10) per pixel; square the difference; weight channels
/// with the non-negative head w_l (1×1 conv); average over the H_l×W_l pixels; sum over layers:
/// d = Σ_l (1 / H_l W_l) Σ_{h,w} Σ_c w_{l,c} (n⁰_{l,c,h,w} − n¹_{l,c,h,w})².
/// Inputs: images in [0, 1] → 2x − 1 (lpips <c>normalize=True</c>; SRDiff feeds uint8/127.5 − 1, the same on
/// 8-bit images) → ScalingLayer (x − shift)/scale with <see cref="Shift"/> and <see cref="Scale"/>.
/// </summary>
public static class LpipsDistance
{
    /// <summary>lpips ScalingLayer shift, per RGB channel.</summary>
    public static readonly double[] Shift = [-0.030, -0.088, -0.188];

    /// <summary>lpips ScalingLayer scale, per RGB channel.</summary>
    public static readonly double[] Scale = [0.458, 0.448, 0.450];

    /// <summary>ε of lpips <c>normalize_tensor</c>.</summary>
    public const double NormEpsilon = 1e-10;

    /// <summary>Channel counts of the AlexNet layers relu1..relu5.</summary>
    public static readonly int[] AlexChannels = [64, 192, 384, 256, 256];

    /// <summary>d = Σ_l layer term (see the class remarks); <paramref name="perLayer"/> receives each term when given.</summary>
    /// <exception cref="ArgumentException">Layer counts, shapes or channel counts disagree.</exception>
    public static double FromFeatures(IReadOnlyList<FeatureMap> first, IReadOnlyList<FeatureMap> second, LpipsLinearHeads heads, double[]? perLayer = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(heads);
        if (first.Count != heads.LayerCount || second.Count != heads.LayerCount)
            throw new ArgumentException($"LPIPS has {heads.LayerCount} linear heads but got {first.Count} and {second.Count} feature maps.");
        if (perLayer is not null && perLayer.Length != heads.LayerCount)
            throw new ArgumentException($"perLayer must have {heads.LayerCount} entries.", nameof(perLayer));
        double total = 0;
        for (var l = 0; l < heads.LayerCount; l++)
        {
            var t = LayerTerm(first[l], second[l], heads.Layer(l), l);
            if (perLayer is not null) perLayer[l] = t;
            total += t;
        }
        return total;
    }

    /// <summary>One layer's term (1 / HW) Σ_{h,w} Σ_c w_c (n⁰ − n¹)², n = f / (‖f‖₂ + 1e-10) along channels.</summary>
    public static double LayerTerm(FeatureMap a, FeatureMap b, ReadOnlySpan<double> weights, int layer = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Validate($"LPIPS layer {layer} (first)");
        b.Validate($"LPIPS layer {layer} (second)");
        if (a.Channels != b.Channels || a.Height != b.Height || a.Width != b.Width)
            throw new ArgumentException($"LPIPS layer {layer}: feature maps {a.Channels}×{a.Height}×{a.Width} and {b.Channels}×{b.Height}×{b.Width} differ (images of different sizes?).");
        if (weights.Length != a.Channels)
            throw new ArgumentException($"LPIPS layer {layer}: the head has {weights.Length} weights but the feature map has {a.Channels} channels (heads and network do not match).");
        var hw = a.Height * a.Width;
        var c = a.Channels;
        double sum = 0;
        for (var p = 0; p < hw; p++)
        {
            double na = 0, nb = 0;
            for (var k = 0; k < c; k++)
            {
                double x = a.Data[k * hw + p], y = b.Data[k * hw + p];
                na += x * x;
                nb += y * y;
            }
            var ia = 1.0 / (Math.Sqrt(na) + NormEpsilon);
            var ib = 1.0 / (Math.Sqrt(nb) + NormEpsilon);
            double s = 0;
            for (var k = 0; k < c; k++)
            {
                var d = a.Data[k * hw + p] * ia - b.Data[k * hw + p] * ib;
                s += weights[k] * d * d;
            }
            sum += s;
        }
        return sum / hw;
    }
}
