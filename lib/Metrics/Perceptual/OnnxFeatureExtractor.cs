namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// FID feature network from a user-supplied ONNX export of Inception-v3 up to the 2048-d pool3 features.
/// Preprocessing per image (defaults = pyiqa FID 'clean' mode, itself clean-fid's): x·255 per channel, Pillow
/// bicubic resize of each channel as a float image to 299×299 (<see cref="ImageResampling.PilBicubic"/>), clip to
/// [0, 255], then (v − 128)/128, NCHW float32; all set by <see cref="FidModelDescription"/>. Note that pyiqa reads
/// 8-bit PNGs, so feeding [0, 1] images made from 8-bit files reproduces its input exactly up to float rounding.
/// Outputs of shape (N, D) or (N, D, 1, 1) are flattened to N×D.
/// <para>Weights: pytorch-fid's FID Inception (pt_inception-2015-12-05-6726825d.pth, the TF Inception port used by
/// pyiqa's InceptionV3), exported e.g. with <c>torch.onnx.export(InceptionV3([3], resize_input=False,
/// normalize_input=False), torch.zeros(1, 3, 299, 299), "inception_fid.onnx", dynamic_axes={"input": {0: "N"}})</c>.</para>
/// </summary>
public sealed class OnnxFeatureExtractor : IFeatureExtractor
{
    /// <summary>Where the weights come from (used in error messages).</summary>
    public const string WeightsHint =
        "FID needs an ONNX export of Inception-v3 pool3 features (pytorch-fid's FID Inception weights pt_inception-2015-12-05-6726825d.pth as used by pyiqa; export with torch.onnx.export, see README). Set SAMDIFFSR_FID_ONNX or pass the path.";

    private readonly OnnxNetwork _net;
    private readonly string _input;
    private readonly string _output;
    private readonly int _fixedBatch;

    private OnnxFeatureExtractor(OnnxNetwork net, FidModelDescription description, string input, string output, int fixedBatch)
    {
        _net = net;
        Settings = description;
        _input = input;
        _output = output;
        _fixedBatch = fixedBatch;
    }

    /// <summary>The description in force.</summary>
    public FidModelDescription Settings { get; }

    /// <inheritdoc />
    public string Description => $"ONNX '{_net.Path}' ({_input} → {_output}), {Settings.Height}×{Settings.Width}, resize {Settings.Resize}";

    /// <summary>
    /// Opens the model and checks its signature. The description comes from <paramref name="description"/>, else
    /// the JSON beside the model (<c>model.json</c>), else the defaults.
    /// </summary>
    /// <exception cref="FileNotFoundException">Model file missing (message says where weights come from).</exception>
    /// <exception cref="InvalidDataException">Not loadable, or the signature does not fit (message gives expected vs found).</exception>
    public static OnnxFeatureExtractor Open(string modelPath, FidModelDescription? description = null, int threads = 0)
    {
        description ??= FidModelDescription.Load(OnnxDescriptionJson.SidecarPath(modelPath));
        if (description.Height <= 0 || description.Width <= 0 || description.BatchSize <= 0)
            throw new InvalidDataException($"FID description for '{modelPath}': height, width and batchSize must be positive.");
        description.Normalization.Validate(3, $"FID description for '{modelPath}'");
        var net = OnnxNetwork.Open(modelPath, "FID", WeightsHint, threads);
        try
        {
            var input = net.ResolveInput(description.Input, $"float32 [N, 3, {description.Height}, {description.Width}]");
            var output = net.ResolveOutput(description.Output, "float32 [N, D] or [N, D, 1, 1] pool features");
            var batch = net.RequireImageInput(input, 3, description.Height, description.Width);
            net.RequireFloatOutput(output, $"output '{output}' float32 [N, D]");
            var od = net.OutputDimensions(output);
            if (od.Length is not (2 or 4) || (od.Length == 4 && ((od[2] >= 0 && od[2] != 1) || (od[3] >= 0 && od[3] != 1))))
                throw net.Mismatch($"output '{output}' float32 [N, D] or [N, D, 1, 1]");
            return new OnnxFeatureExtractor(net, description, input, output, batch);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Preprocesses one image to the network's normalised C×H×W input (exposed for tests and inspection).</summary>
    public float[] Preprocess(PerceptualImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 3)
            throw new ArgumentException($"FID needs RGB images; got {image.Channels} channel(s). Convert gray images to RGB first.", nameof(image));
        var h = Settings.Height;
        var w = Settings.Width;
        if (Settings.Resize == FidResize.None && (image.Height != h || image.Width != w))
            throw new ArgumentException($"The FID description says resize 'none' but the image is {image.Height}×{image.Width}, not {h}×{w}.", nameof(image));
        var norm = Settings.Normalization;
        var result = new float[3 * h * w];
        for (var c = 0; c < 3; c++)
        {
            var plane = image.Plane(c);
            for (var i = 0; i < plane.Length; i++) plane[i] = (float)(plane[i] * norm.PixelScale);
            var resized = Settings.Resize == FidResize.PilBicubic ? ImageResampling.PilBicubic(plane, image.Height, image.Width, h, w) : plane;
            var top = norm.PixelScale;
            for (var i = 0; i < h * w; i++)
                result[c * h * w + i] = norm.Apply(Math.Clamp(resized[i], 0.0, top), c);
        }
        return result;
    }

    /// <inheritdoc />
    public FeatureMatrix Extract(IReadOnlyList<PerceptualImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images to extract features from.", nameof(images));
        var batch = _fixedBatch > 0 ? _fixedBatch : Settings.BatchSize;
        var per = 3 * Settings.Height * Settings.Width;
        var rows = new List<float[]>(images.Count);
        var dim = -1;
        for (var start = 0; start < images.Count; start += batch)
        {
            var n = Math.Min(batch, images.Count - start);
            var count = _fixedBatch > 0 ? _fixedBatch : n; // pad a fixed-batch model with copies of the last image
            var data = new float[count * per];
            for (var k = 0; k < count; k++)
                Preprocess(images[start + Math.Min(k, n - 1)]).CopyTo(data, k * per);
            var outs = _net.Run([(_input, data, [count, 3, Settings.Height, Settings.Width])], [_output]);
            var (o, shape) = outs[0];
            if (shape.Length == 0 || shape[0] != count || o.Length % count != 0)
                throw _net.Mismatch($"output '{_output}' with first dimension N = {count}; got shape [{string.Join(",", shape)}]");
            var d = o.Length / count;
            if (dim >= 0 && d != dim) throw _net.Mismatch($"a constant feature dimension {dim}; got {d}");
            dim = d;
            for (var k = 0; k < n; k++) rows.Add(o.AsSpan(k * d, d).ToArray());
        }
        var result = new float[rows.Count * dim];
        for (var k = 0; k < rows.Count; k++) rows[k].CopyTo(result, k * dim);
        return new FeatureMatrix(result, rows.Count, dim);
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
