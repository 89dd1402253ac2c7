using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// A loaded ONNX model (Microsoft.ML.OnnxRuntime, CPU execution provider, sequential execution) with signature checks
/// that explain mismatches ("expected … found …") and float32 NCHW calls. Owned by the metric classes.
/// </summary>
internal sealed class OnnxNetwork : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxNetwork(InferenceSession session, string path, string metric)
    {
        _session = session;
        Path = path;
        Metric = metric;
    }

    /// <summary>Model file.</summary>
    public string Path { get; }

    /// <summary>Metric name for messages.</summary>
    public string Metric { get; }

    /// <summary>Input names in model order.</summary>
    public IReadOnlyList<string> InputNames => _session.InputNames;

    /// <summary>Output names in model order.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Opens a model file; <paramref name="weightsHint"/> says where the weights come from.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load the file.</exception>
    public static OnnxNetwork Open(string path, string metric, string weightsHint, int threads)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{metric} model file '{path}' does not exist. {weightsHint}", path);
        var options = new SessionOptions
        {
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Math.Max(0, threads),
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            return new OnnxNetwork(new InferenceSession(path, options), path, metric);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{metric} model file '{path}' could not be loaded by ONNX Runtime ({e.Message.Trim()}). It must be an ONNX export; {weightsHint}", e);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>Human-readable signature, e.g. "inputs: x float[-1,3,299,299]; outputs: pool3 float[-1,2048]".</summary>
    public string Signature()
    {
        static string Describe(IReadOnlyDictionary<string, NodeMetadata> meta, IReadOnlyList<string> names) =>
            string.Join(", ", names.Select(n =>
            {
                var m = meta[n];
                var type = m.IsTensor ? m.ElementDataType.ToString().ToLowerInvariant() : m.OnnxValueType.ToString();
                return $"{n} {type}[{string.Join(",", m.Dimensions)}]";
            }));
        return $"inputs: {Describe(_session.InputMetadata, _session.InputNames)}; outputs: {Describe(_session.OutputMetadata, _session.OutputNames)}";
    }

    /// <summary>Dimensions of an input (−1 = dynamic).</summary>
    public int[] InputDimensions(string name) => _session.InputMetadata[name].Dimensions;

    /// <summary>Dimensions of an output (−1 = dynamic).</summary>
    public int[] OutputDimensions(string name) => _session.OutputMetadata[name].Dimensions;

    /// <summary>Picks an input name: the configured one (must exist) or the model's only input.</summary>
    public string ResolveInput(string? configured, string expected)
    {
        if (configured is not null)
        {
            if (!_session.InputMetadata.ContainsKey(configured))
                throw Mismatch($"an input named '{configured}' ({expected})");
            return configured;
        }
        if (_session.InputNames.Count != 1)
            throw Mismatch($"exactly one input ({expected}), or name it in the description JSON");
        return _session.InputNames[0];
    }

    /// <summary>Picks an output name: the configured one (must exist) or the model's first output.</summary>
    public string ResolveOutput(string? configured, string expected)
    {
        if (configured is not null)
        {
            if (!_session.OutputMetadata.ContainsKey(configured))
                throw Mismatch($"an output named '{configured}' ({expected})");
            return configured;
        }
        return _session.OutputNames[0];
    }

    /// <summary>
    /// Checks that <paramref name="input"/> is a float32 rank-4 NCHW tensor with C = <paramref name="channels"/> and,
    /// when given and fixed in the model, H/W equal to <paramref name="height"/>/<paramref name="width"/>.
    /// Returns the model's fixed batch size, or −1 when dynamic.
    /// </summary>
    public int RequireImageInput(string input, int channels, int? height, int? width)
    {
        var meta = _session.InputMetadata[input];
        var d = meta.Dimensions;
        var hw = height is null ? "H, W" : $"{height}, {width}";
        var expected = $"input '{input}' float32 [N, {channels}, {hw}]";
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float || d.Length != 4)
            throw Mismatch(expected);
        if (d[1] >= 0 && d[1] != channels) throw Mismatch(expected);
        if (height is { } h && d[2] >= 0 && d[2] != h) throw Mismatch(expected);
        if (width is { } w && d[3] >= 0 && d[3] != w) throw Mismatch(expected);
        return d[0];
    }

    /// <summary>Checks that an output is a float32 tensor.</summary>
    public void RequireFloatOutput(string output, string expected)
    {
        var meta = _session.OutputMetadata[output];
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float) throw Mismatch(expected);
    }

    /// <summary>An error that states the expected and the found signature.</summary>
    public InvalidDataException Mismatch(string expected) =>
        new($"{Metric} model '{Path}' does not have the expected signature: expected {expected}; found {Signature()}. Re-export the model or describe its names in '{OnnxDescriptionJson.SidecarPath(Path)}'.");

    /// <summary>Runs the model on float32 inputs and returns the requested outputs (data and shape).</summary>
    public IReadOnlyList<(float[] Data, long[] Shape)> Run(IReadOnlyList<(string Name, float[] Data, long[] Shape)> inputs, IReadOnlyList<string> outputs)
    {
        var values = new List<OrtValue>();
        try
        {
            var dict = new Dictionary<string, OrtValue>();
            foreach (var (name, data, shape) in inputs)
            {
                var v = OrtValue.CreateTensorValueFromMemory(data, shape);
                values.Add(v);
                dict[name] = v;
            }
            using var runOptions = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = _session.Run(runOptions, dict, outputs);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidDataException($"{Metric} model '{Path}' failed on inputs {string.Join(", ", inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]"))}: {e.Message.Trim()} (model signature: {Signature()}).", e);
            }
            using (results)
            {
                var list = new List<(float[], long[])>(results.Count);
                foreach (var r in results)
                {
                    var info = r.GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float)
                        throw Mismatch("float32 outputs");
                    list.Add((r.GetTensorDataAsSpan<float>().ToArray(), info.Shape));
                }
                return list;
            }
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Packs images (all the same size) into a normalised float32 NCHW batch.</summary>
    public static float[] PackNchw(IReadOnlyList<PerceptualImage> images, ImageNormalization normalization)
    {
        var h = images[0].Height;
        var w = images[0].Width;
        var c = images[0].Channels;
        var data = new float[images.Count * c * h * w];
        for (var n = 0; n < images.Count; n++)
        {
            var img = images[n].Data;
            for (var ch = 0; ch < c; ch++)
            {
                var dst = (n * c + ch) * h * w;
                for (var i = 0; i < h * w; i++)
                    data[dst + i] = normalization.Apply(img[i * c + ch] * normalization.PixelScale, ch);
            }
        }
        return data;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
