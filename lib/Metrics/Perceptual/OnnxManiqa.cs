namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// MANIQA (Yang et al., CVPRW 2022) no-reference quality score with the network from a user-supplied ONNX file
/// (<see cref="ManiqaModelDescription"/>); higher is better. The paper's Table 2 reports MANIQA but neither
/// SAM-DiffSR nor SRDiff computes it; which pyiqa variant was used is unknown (docs/official-code.md §MANIQA): pyiqa 'maniqa' is the
/// KonIQ-10k checkpoint, 'maniqa-pipal' and 'maniqa-kadid' the others.
/// <para><b>Protocol (pyiqa MANIQA forward, made deterministic).</b> The image in [0, 1] is normalised with
/// (x − 0.5)/0.5; if min(H, W) ≤ 224 it is first enlarged by s = 225 / min(H, W) with bilinear interpolation
/// (pyiqa <c>random_crop</c>: <c>F.interpolate(scale_factor=s, mode='bilinear')</c>, <see cref="ImageResampling.TorchBilinear"/>).
/// pyiqa then scores 20 crops of 224×224 at uniformly random positions; here the 20 crops are a fixed 4 × 5 grid
/// (<see cref="CropGrid"/>): top = round(i·(H − 224)/3), left = round(j·(W − 224)/4), so the score is reproducible
/// and covers the image evenly, at the price of differing from any single pyiqa run by its crop-sampling noise.
/// The image score is the mean of the per-crop scores, or, when the export provides per-patch scores and weights
/// (<see cref="ManiqaModelDescription.WeightOutput"/>), Σ w·s / (Σ w + 1e-8) over all patches of all crops — pyiqa's
/// exact pooling (its forward reshapes all crops of one image together before the weighted sum).</para>
/// </summary>
public sealed class OnnxManiqa : IDisposable
{
    /// <summary>Where the weights come from (used in error messages).</summary>
    public const string WeightsHint =
        "MANIQA needs an ONNX export of pyiqa's MANIQA (e.g. the KonIQ-10k checkpoint ckpt_koniq10k.pt from the IIGROUP/MANIQA releases, pyiqa 'maniqa') taking normalised 224×224 crops; see README. Set SAMDIFFSR_MANIQA_ONNX or pass the path.";

    private readonly OnnxNetwork _net;
    private readonly string _input;
    private readonly string _output;
    private readonly string? _weightOutput;
    private readonly int _fixedBatch;

    private OnnxManiqa(OnnxNetwork net, ManiqaModelDescription description, string input, string output, string? weightOutput, int fixedBatch)
    {
        _net = net;
        Settings = description;
        _input = input;
        _output = output;
        _weightOutput = weightOutput;
        _fixedBatch = fixedBatch;
    }

    /// <summary>The description in force.</summary>
    public ManiqaModelDescription Settings { get; }

    /// <summary>Opens the model and checks its signature (description: argument, else JSON beside the model, else defaults).</summary>
    /// <exception cref="FileNotFoundException">Model file missing.</exception>
    /// <exception cref="InvalidDataException">Unloadable file, bad description or wrong signature.</exception>
    public static OnnxManiqa Open(string modelPath, ManiqaModelDescription? description = null, int threads = 0)
    {
        description ??= ManiqaModelDescription.Load(OnnxDescriptionJson.SidecarPath(modelPath));
        if (description.CropSize <= 0 || description.CropRows <= 0 || description.CropColumns <= 0 || description.BatchSize <= 0)
            throw new InvalidDataException($"MANIQA description for '{modelPath}': cropSize, cropRows, cropColumns and batchSize must be positive.");
        description.Normalization.Validate(3, $"MANIQA description for '{modelPath}'");
        var net = OnnxNetwork.Open(modelPath, "MANIQA", WeightsHint, threads);
        try
        {
            var cs = description.CropSize;
            var input = net.ResolveInput(description.Input, $"float32 [N, 3, {cs}, {cs}] normalised crops");
            var batch = net.RequireImageInput(input, 3, cs, cs);
            var output = net.ResolveOutput(description.Output, "float32 [N] or [N, 1] score per crop");
            net.RequireFloatOutput(output, $"output '{output}' float32 [N] or [N, 1]");
            string? weight = null;
            if (description.WeightOutput is not null)
            {
                weight = net.ResolveOutput(description.WeightOutput, "float32 [N, P] per-patch weights");
                net.RequireFloatOutput(weight, $"output '{weight}' float32 [N, P]");
            }
            return new OnnxManiqa(net, description, input, output, weight, batch);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Top-left corners of the deterministic crop grid for an H×W image (after any enlargement):
    /// top_i = round(i·(H − crop)/(rows − 1)), left_j = round(j·(W − crop)/(cols − 1)) (half away from zero), row-major;
    /// a single row/column is centred, ⌊(H − crop)/2⌋.
    /// </summary>
    public static IReadOnlyList<(int Top, int Left)> CropGrid(int height, int width, int cropSize, int rows, int columns)
    {
        if (height < cropSize || width < cropSize)
            throw new ArgumentException($"A {height}×{width} image is smaller than the {cropSize}×{cropSize} crop.");
        var result = new List<(int, int)>(rows * columns);
        for (var i = 0; i < rows; i++)
        {
            var top = Position(i, rows, height - cropSize);
            for (var j = 0; j < columns; j++) result.Add((top, Position(j, columns, width - cropSize)));
        }
        return result;

        static int Position(int k, int count, int span) =>
            count == 1 ? span / 2 : (int)Math.Round((double)k * span / (count - 1), MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// The normalised image actually cropped: (x − mean)/std per channel and, if min(H, W) ≤ crop size, enlarged by
    /// (crop + 1)/min(H, W) bilinearly. Returned as planes C×H'×W' with the new size.
    /// </summary>
    public (float[][] Planes, int Height, int Width) PrepareImage(PerceptualImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 3) throw new ArgumentException($"MANIQA needs RGB images; got {image.Channels} channel(s).", nameof(image));
        var norm = Settings.Normalization;
        var h = image.Height;
        var w = image.Width;
        var planes = new float[3][];
        for (var c = 0; c < 3; c++)
        {
            var p = image.Plane(c);
            for (var i = 0; i < p.Length; i++) p[i] = norm.Apply(p[i] * norm.PixelScale, c);
            planes[c] = p;
        }
        var cs = Settings.CropSize;
        if (Math.Min(h, w) <= cs)
        {
            var s = (cs + 1.0) / Math.Min(h, w);
            int nh = 0, nw = 0;
            for (var c = 0; c < 3; c++) planes[c] = ImageResampling.TorchBilinear(planes[c], h, w, s, out nh, out nw);
            h = nh;
            w = nw;
        }
        return (planes, h, w);
    }

    /// <summary>The MANIQA score of one image (H×W×3 in [0, 1]); per-crop scores in <paramref name="perCrop"/> when given.</summary>
    public double Score(PerceptualImage image, List<double>? perCrop = null)
    {
        var (planes, h, w) = PrepareImage(image);
        var cs = Settings.CropSize;
        var crops = CropGrid(h, w, cs, Settings.CropRows, Settings.CropColumns);
        var batch = _fixedBatch > 0 ? _fixedBatch : Settings.BatchSize;
        var per = 3 * cs * cs;
        double sumScores = 0, sumWeighted = 0, sumWeights = 0;
        var outputs = _weightOutput is null ? new[] { _output } : new[] { _output, _weightOutput };
        for (var start = 0; start < crops.Count; start += batch)
        {
            var n = Math.Min(batch, crops.Count - start);
            var count = _fixedBatch > 0 ? _fixedBatch : n;
            var data = new float[count * per];
            for (var k = 0; k < count; k++)
            {
                var (top, left) = crops[start + Math.Min(k, n - 1)];
                for (var c = 0; c < 3; c++)
                    for (var y = 0; y < cs; y++)
                        planes[c].AsSpan((top + y) * w + left, cs).CopyTo(data.AsSpan(k * per + (c * cs + y) * cs, cs));
            }
            var outs = _net.Run([(_input, data, [count, 3, cs, cs])], outputs);
            var scores = outs[0].Data;
            if (scores.Length % count != 0 || outs[0].Shape.Length == 0 || outs[0].Shape[0] != count)
                throw _net.Mismatch($"output '{_output}' with first dimension N = {count}; got shape [{string.Join(",", outs[0].Shape)}]");
            var patches = scores.Length / count;
            if (_weightOutput is null && patches != 1)
                throw _net.Mismatch($"one score per crop from '{_output}' (or set weightOutput for per-patch scores); got shape [{string.Join(",", outs[0].Shape)}]");
            for (var k = 0; k < n; k++)
            {
                if (_weightOutput is null)
                {
                    perCrop?.Add(scores[k]);
                    sumScores += scores[k];
                    continue;
                }
                var weights = outs[1].Data;
                if (weights.Length != scores.Length)
                    throw _net.Mismatch($"'{_weightOutput}' with the same shape as '{_output}'; got [{string.Join(",", outs[1].Shape)}] vs [{string.Join(",", outs[0].Shape)}]");
                double cw = 0, cws = 0;
                for (var p = 0; p < patches; p++)
                {
                    cws += (double)weights[k * patches + p] * scores[k * patches + p];
                    cw += weights[k * patches + p];
                }
                perCrop?.Add(cws / (cw + 1e-8));
                sumWeighted += cws;
                sumWeights += cw;
            }
        }
        return _weightOutput is null ? sumScores / crops.Count : sumWeighted / (sumWeights + 1e-8);
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
