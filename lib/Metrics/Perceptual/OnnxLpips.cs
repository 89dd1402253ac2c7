namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// LPIPS with the network from a user-supplied ONNX file (<see cref="LpipsModelDescription"/>):
/// <list type="bullet">
/// <item><see cref="LpipsOnnxMode.Features"/> (default): the ONNX is the AlexNet backbone returning the L feature maps
/// (relu1..relu5) of a normalised image batch; the linear heads come from a JSON file and the distance is computed here
/// by <see cref="LpipsDistance"/>. Export e.g. <c>lpips.pretrained_networks.alexnet(requires_grad=False,
/// pretrained=True)</c> wrapped to return its five slices as a tuple, dynamic axes N, H, W.</item>
/// <item><see cref="LpipsOnnxMode.Distance"/>: the ONNX is the whole <c>lpips.LPIPS(net='alex')</c> module taking two
/// images in [−1, 1] and returning (N, 1, 1, 1).</item>
/// </list>
/// Images are compared at their own size (as SRDiff's Measure does: no resize), so the network needs dynamic H and W
/// or exactly the images' size; both images must have the same shape.
/// </summary>
public sealed class OnnxLpips : IDisposable
{
    /// <summary>Where the weights come from (used in error messages).</summary>
    public const string WeightsHint =
        "LPIPS needs an ONNX export of the lpips package's AlexNet backbone (torchvision ImageNet AlexNet weights) plus the v0.1 linear heads lpips/weights/v0.1/alex.pth converted to JSON, or an ONNX export of the whole lpips.LPIPS(net='alex') module; see README. Set SAMDIFFSR_LPIPS_ONNX or pass the path.";

    private readonly OnnxNetwork _net;
    private readonly string[] _inputs;
    private readonly string[] _outputs;
    private readonly LpipsLinearHeads? _heads;
    private readonly ImageNormalization _normalization;
    private readonly int _fixedBatch;

    private OnnxLpips(OnnxNetwork net, LpipsModelDescription description, string[] inputs, string[] outputs, LpipsLinearHeads? heads, int fixedBatch)
    {
        _net = net;
        Settings = description;
        _inputs = inputs;
        _outputs = outputs;
        _heads = heads;
        _normalization = description.EffectiveNormalization;
        _fixedBatch = fixedBatch;
    }

    /// <summary>The description in force.</summary>
    public LpipsModelDescription Settings { get; }

    /// <summary>Opens the model (and, in features mode, the heads) and checks the signature.</summary>
    /// <param name="modelPath">The ONNX file.</param>
    /// <param name="description">Overrides the JSON beside the model (<c>model.json</c>); null = that file or the defaults.</param>
    /// <param name="heads">Linear heads to use instead of the description's weight file (features mode).</param>
    /// <param name="threads">ONNX Runtime intra-op threads (0 = its default).</param>
    /// <exception cref="FileNotFoundException">Model or weight file missing.</exception>
    /// <exception cref="InvalidDataException">Unloadable file or wrong signature (expected vs found).</exception>
    public static OnnxLpips Open(string modelPath, LpipsModelDescription? description = null, LpipsLinearHeads? heads = null, int threads = 0)
    {
        var sidecar = OnnxDescriptionJson.SidecarPath(modelPath);
        description ??= LpipsModelDescription.Load(sidecar);
        description.EffectiveNormalization.Validate(3, $"LPIPS description for '{modelPath}'");
        if (description.Mode == LpipsOnnxMode.Features && heads is null)
        {
            if (description.Weights is null)
                throw new InvalidDataException($"LPIPS description for '{modelPath}' is in features mode but names no 'weights' file. {WeightsHint}");
            var dir = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
            heads = LpipsLinearHeads.Load(Path.IsPathRooted(description.Weights) ? description.Weights : Path.Combine(dir, description.Weights));
        }
        var net = OnnxNetwork.Open(modelPath, "LPIPS", WeightsHint, threads);
        try
        {
            string[] inputs;
            string[] outputs;
            int batch;
            if (description.Mode == LpipsOnnxMode.Features)
            {
                inputs = [net.ResolveInput(description.Inputs is { Length: > 0 } i ? i[0] : null, "float32 [N, 3, H, W] normalised image")];
                batch = net.RequireImageInput(inputs[0], 3, null, null);
                outputs = description.Outputs ?? [.. net.OutputNames];
                if (outputs.Length != heads!.LayerCount)
                    throw net.Mismatch($"{heads.LayerCount} feature-map outputs (one per linear head)");
                for (var l = 0; l < outputs.Length; l++)
                {
                    var name = net.ResolveOutput(outputs[l], $"feature map {l}");
                    net.RequireFloatOutput(name, $"feature output '{name}' float32 [N, C, H, W]");
                    var od = net.OutputDimensions(name);
                    if (od.Length != 4 || (od[1] >= 0 && od[1] != heads.Layer(l).Length))
                        throw net.Mismatch($"feature output '{name}' float32 [N, {heads.Layer(l).Length}, H, W] to match linear head {l}");
                }
            }
            else
            {
                inputs = description.Inputs ?? [.. net.InputNames];
                if (inputs.Length != 2)
                    throw net.Mismatch("two image inputs (in0, in1) float32 [N, 3, H, W] in [-1, 1]");
                for (var k = 0; k < 2; k++) inputs[k] = net.ResolveInput(inputs[k], $"image input {k}");
                batch = net.RequireImageInput(inputs[0], 3, null, null);
                net.RequireImageInput(inputs[1], 3, null, null);
                outputs = [net.ResolveOutput(description.Outputs is { Length: > 0 } o ? o[0] : null, "the distance float32 [N, 1, 1, 1]")];
                net.RequireFloatOutput(outputs[0], $"output '{outputs[0]}' float32 [N, 1, 1, 1]");
            }
            return new OnnxLpips(net, description, inputs, outputs, heads, batch);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>LPIPS distance between two images of equal shape (H×W×3 in [0, 1]); lower is more similar.</summary>
    public double Distance(PerceptualImage first, PerceptualImage second) => Distance(first, second, null);

    /// <summary>As <see cref="Distance(PerceptualImage, PerceptualImage)"/>, also returning per-layer terms in features mode.</summary>
    public double Distance(PerceptualImage first, PerceptualImage second, double[]? perLayer)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Channels != 3 || second.Channels != 3)
            throw new ArgumentException($"LPIPS needs RGB images; got {first.Channels} and {second.Channels} channels.");
        if (first.Height != second.Height || first.Width != second.Width)
            throw new ArgumentException($"LPIPS compares images of equal size; got {first.Height}×{first.Width} and {second.Height}×{second.Width}.");
        // A model with a fixed batch size B gets B copies of each image (only the first result is used).
        var n = _fixedBatch > 0 ? _fixedBatch : 1;
        long[] shape = [n, 3, first.Height, first.Width];
        if (Settings.Mode == LpipsOnnxMode.Distance)
        {
            var outs = _net.Run(
                [(_inputs[0], Repeat(first, n), shape), (_inputs[1], Repeat(second, n), shape)],
                _outputs);
            if (outs[0].Data.Length != n)
                throw _net.Mismatch($"a single distance value per pair from '{_outputs[0]}'; got shape [{string.Join(",", outs[0].Shape)}]");
            return outs[0].Data[0];
        }

        IReadOnlyList<FeatureMap> fa, fb;
        if (_fixedBatch > 0 && _fixedBatch != 2)
        {
            fa = Split(_net.Run([(_inputs[0], Repeat(first, n), shape)], _outputs), 0, n);
            fb = Split(_net.Run([(_inputs[0], Repeat(second, n), shape)], _outputs), 0, n);
        }
        else
        {
            // One call with N = 2.
            var packed = OnnxNetwork.PackNchw([first, second], _normalization);
            long[] shape2 = [2, 3, first.Height, first.Width];
            var outs = _net.Run([(_inputs[0], packed, shape2)], _outputs);
            fa = Split(outs, 0, 2);
            fb = Split(outs, 1, 2);
        }
        return LpipsDistance.FromFeatures(fa, fb, _heads!, perLayer);
    }

    private float[] Repeat(PerceptualImage image, int count) =>
        OnnxNetwork.PackNchw([.. Enumerable.Repeat(image, count)], _normalization);

    private List<FeatureMap> Split(IReadOnlyList<(float[] Data, long[] Shape)> outs, int item, int batch)
    {
        var maps = new List<FeatureMap>(outs.Count);
        for (var l = 0; l < outs.Count; l++)
        {
            var (data, s) = outs[l];
            if (s.Length != 4 || s[0] != batch)
                throw _net.Mismatch($"feature output '{_outputs[l]}' of shape [{batch}, C, H, W]; got [{string.Join(",", s)}]");
            var per = (int)(s[1] * s[2] * s[3]);
            maps.Add(new FeatureMap((int)s[1], (int)s[2], (int)s[3], data.AsSpan(item * per, per).ToArray()));
        }
        return maps;
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
