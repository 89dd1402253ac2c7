using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SamDiffSR.Masks.Sam;

/// <summary>
/// SAM through ONNX Runtime: the counterpart of segment-anything's <c>SamPredictor</c> for an encoder export plus the
/// official prompt-encoder/mask-decoder export (<c>scripts/export_onnx_model.py</c>), described by a
/// <see cref="SamModelDescription"/>.
/// <para><b>Encoding</b> (<see cref="EncodeImage"/>, SAM's <c>set_image</c>): the RGB image is resized so its longest
/// side is <see cref="SamModelDescription.LongestSide"/> with Pillow-style antialiased bilinear resampling on uint8
/// (<see cref="SamTransforms.ResizeBilinearPil"/>; SAM calls torchvision's resize on a PIL image), normalised per channel
/// with (x − mean)/std in float32, zero-padded at the bottom/right to a square and laid out as configured.</para>
/// <para><b>Decoding</b> (<see cref="Decode"/>): each point (x, y) is mapped to the resized frame
/// (x·W'/W, y·H'/H), given label 1 and followed by the padding point (0, 0) with label −1; mask_input is zeros and
/// has_mask_input 0; orig_im_size is (H, W). The decoder's mask count K is handled as follows: K = 4 (official export
/// without <c>--return-single-mask</c>: all four mask tokens) → masks 1..3, exactly what SAM's multimask output returns;
/// K = 3 → all three; K = 1 (an export with <c>--return-single-mask</c>, whose choice of mask is baked into the graph)
/// → that one mask, so the automatic generator then sees one mask per point instead of three. If the decoder declares a
/// dynamic first axis for point_coords, a whole batch of points is decoded in one call (image_embeddings is still fed
/// with batch 1); otherwise (the official export) points are decoded one at a time, lazily, when the caller asks for
/// them. Full-size logits come from <c>low_res_masks</c> upscaled as SAM does (default) or from <c>masks</c>
/// (<see cref="SamModelDescription.MaskSource"/>).</para>
/// <para>Speed: SAM ViT-H's encoder takes tens of seconds per image on a CPU and the automatic generator decodes 1024
/// prompts, so real SAM on CPU costs minutes per image. The GPU can be used by passing <see cref="SessionOptions"/>
/// with a CUDA execution provider (needs the Microsoft.ML.OnnxRuntime.Gpu package).</para>
/// </summary>
public sealed class SamPredictor : ISamBackend, IDisposable
{
    private readonly InferenceSession _encoder;
    private readonly InferenceSession _decoder;
    private readonly bool _encoderUint8;
    private readonly long[] _maskInputShape;

    private SamPredictor(SamModelDescription description, InferenceSession encoder, InferenceSession decoder)
    {
        Description = description;
        _encoder = encoder;
        _decoder = decoder;
        _encoderUint8 = encoder.InputMetadata[description.EncoderInput].ElementDataType == TensorElementType.UInt8;
        var pc = decoder.InputMetadata[description.DecoderPointCoords].Dimensions;
        DecoderTakesPointBatches = pc.Length == 3 && pc[0] < 0;
        if (!string.IsNullOrEmpty(description.DecoderMaskInput))
        {
            var md = decoder.InputMetadata[description.DecoderMaskInput].Dimensions;
            _maskInputShape = md.Select((d, i) => d > 0 ? d : i < 2 ? 1L : 256L).ToArray();
        }
        else _maskInputShape = Array.Empty<long>();
    }

    /// <summary>The model description in use.</summary>
    public SamModelDescription Description { get; }

    /// <summary>True if the decoder accepts several point prompts per call (dynamic first axis of point_coords).</summary>
    public bool DecoderTakesPointBatches { get; }

    /// <inheritdoc/>
    public float MaskThreshold => (float)Description.MaskThreshold;

    /// <summary>
    /// Opens both ONNX files and checks their signatures against the description. Throws
    /// <see cref="FileNotFoundException"/> for a missing file and <see cref="InvalidDataException"/> for a file ONNX
    /// Runtime cannot load or whose inputs/outputs do not match (the message lists the expected and the found signature
    /// and the fix).
    /// </summary>
    /// <param name="description">The model description.</param>
    /// <param name="options">ONNX Runtime session options (threads, execution providers); CPU defaults if null.</param>
    public static SamPredictor Open(SamModelDescription description, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        description.Validate();
        var encoder = OpenSession(description.EncoderPath, "encoder", description, options);
        InferenceSession? decoder = null;
        try
        {
            decoder = OpenSession(description.DecoderPath, "decoder", description, options);
            SamSignature.CheckEncoder(description, encoder);
            SamSignature.CheckDecoder(description, decoder, encoder);
            return new SamPredictor(description, encoder, decoder);
        }
        catch
        {
            encoder.Dispose();
            decoder?.Dispose();
            throw;
        }
    }

    /// <summary>Loads the description JSON and opens the models (see <see cref="Open(SamModelDescription, SessionOptions?)"/>).</summary>
    public static SamPredictor Open(string descriptionJson, SessionOptions? options = null) =>
        Open(SamModelDescription.Load(descriptionJson), options);

    private static InferenceSession OpenSession(string path, string role, SamModelDescription d, SessionOptions? options)
    {
        string key = role == "encoder" ? "\"encoder\"" : "\"decoder\"";
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: SAM {role} ONNX file not found (from {d.SourcePath ?? "the model description"}, key {key}); " +
                $"export it (decoder: segment-anything scripts/export_onnx_model.py; encoder: an image-encoder export) and set {key} to its path", path);
        try
        {
            return options is null ? new InferenceSession(path) : new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load this SAM {role} ({ex.Message}); is the file a complete ONNX model (not a truncated download or a .pth checkpoint)?", ex);
        }
    }

    /// <summary>Encodes an RGB image (HWC bytes) — SAM's <c>set_image</c>.</summary>
    public SamImageEmbedding EncodeImage(byte[] hwcRgb, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(hwcRgb);
        if (height <= 0 || width <= 0 || hwcRgb.LongLength != 3L * height * width)
            throw new ArgumentException($"image buffer has {hwcRgb.LongLength} bytes, expected H·W·3 for {height}×{width} RGB", nameof(hwcRgb));
        var d = Description;
        var (nh, nw) = SamTransforms.PreprocessShape(height, width, d.LongestSide);
        var resized = SamTransforms.ResizeBilinearPil(hwcRgb, height, width, nh, nw);
        int th = d.PadToSquare ? d.LongestSide : nh, tw = d.PadToSquare ? d.LongestSide : nw;
        var mean = d.PixelMean.Select(v => (float)v).ToArray();
        var std = d.PixelStd.Select(v => (float)v).ToArray();
        long[] shape = d.EncoderLayout switch
        {
            SamInputLayout.Nchw => new long[] { 1, 3, th, tw },
            SamInputLayout.Nhwc => new long[] { 1, th, tw, 3 },
            _ => new long[] { th, tw, 3 },
        };
        int plane = th * tw;
        // Index of (row, col, channel) in the encoder input.
        Func<int, int, int, int> index = d.EncoderLayout == SamInputLayout.Nchw
            ? (r, c, ch) => ch * plane + r * tw + c
            : (r, c, ch) => (r * tw + c) * 3 + ch;

        OrtValue input;
        if (_encoderUint8)
        {
            var buf = new byte[3 * plane];
            for (int r = 0; r < nh; r++)
                for (int c = 0; c < nw; c++)
                    for (int ch = 0; ch < 3; ch++)
                        buf[index(r, c, ch)] = resized[(r * nw + c) * 3 + ch];
            input = OrtValue.CreateTensorValueFromMemory(buf, shape);
        }
        else
        {
            var buf = new float[3 * plane];
            for (int r = 0; r < nh; r++)
                for (int c = 0; c < nw; c++)
                    for (int ch = 0; ch < 3; ch++)
                    {
                        float v = resized[(r * nw + c) * 3 + ch];
                        buf[index(r, c, ch)] = d.Normalize ? (v - mean[ch]) / std[ch] : v;
                    }
            input = OrtValue.CreateTensorValueFromMemory(buf, shape);
        }
        using (input)
        {
            using var ro = new RunOptions();
            using var outputs = Run(_encoder, d.EncoderPath, ro, new Dictionary<string, OrtValue> { [d.EncoderInput] = input }, new[] { d.EncoderOutput });
            var o = outputs[0];
            var info = o.GetTensorTypeAndShape();
            if (info.ElementDataType != TensorElementType.Float)
                throw new InvalidDataException($"{d.EncoderPath}: encoder output '{d.EncoderOutput}' is {info.ElementDataType}, expected float32");
            return new SamImageEmbedding(o.GetTensorDataAsSpan<float>().ToArray(), info.Shape, height, width, nh, nw);
        }
    }

    ISamEmbedding ISamBackend.EncodeImage(byte[] hwcRgb, int height, int width) => EncodeImage(hwcRgb, height, width);

    /// <summary>
    /// Decodes one positive point prompt per entry (pixel coordinates in the encoded image) with multimask output
    /// (see the class remarks for how the decoder's mask count is mapped). Logits are full-size (H×W).
    /// </summary>
    public SamDecodeResult Decode(ISamEmbedding embedding, IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (embedding is not SamImageEmbedding e)
            throw new ArgumentException("the embedding was not made by this SamPredictor's EncodeImage", nameof(embedding));
        if (points.Count == 0)
            return new SamDecodeResult(0, 3, e.Height, e.Width, (_, _) => float.NaN, (_, _) => Array.Empty<float>());

        if (DecoderTakesPointBatches)
        {
            var all = RunDecoder(e, points);
            return new SamDecodeResult(points.Count, all.K, e.Height, e.Width,
                (p, k) => all.Iou[p * all.K + k], (p, k) => all.FullLogits(p, k), (p, k) => all.LowRes(p, k));
        }

        // One decoder call per point, run lazily and cached for the last point (memory: one point's outputs).
        var first = RunDecoder(e, new[] { points[0] });
        int cachedPoint = 0;
        var cached = first;
        DecoderOutput Get(int p)
        {
            if (p != cachedPoint)
            {
                cached = RunDecoder(e, new[] { points[p] });
                if (cached.K != first.K)
                    throw new InvalidDataException($"{Description.DecoderPath}: decoder returned {cached.K} masks for one prompt and {first.K} for another");
                cachedPoint = p;
            }
            return cached;
        }
        return new SamDecodeResult(points.Count, first.K, e.Height, e.Width,
            (p, k) => Get(p).Iou[k], (p, k) => Get(p).FullLogits(0, k), (p, k) => Get(p).LowRes(0, k));
    }

    private DecoderOutput RunDecoder(SamImageEmbedding e, IReadOnlyList<(double X, double Y)> points)
    {
        var d = Description;
        int b = points.Count;
        int n = d.AppendPaddingPoint ? 2 : 1;
        var coords = new float[b * n * 2];
        var labels = new float[b * n];
        for (int i = 0; i < b; i++)
        {
            var (x, y) = SamTransforms.ApplyCoords(points[i], e.Height, e.Width, d.LongestSide);
            coords[i * n * 2] = (float)x;
            coords[i * n * 2 + 1] = (float)y;
            labels[i * n] = 1f;
            if (n == 2) labels[i * n + 1] = -1f; // padding point (0, 0)
        }
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs[d.DecoderImageEmbeddings] = OrtValue.CreateTensorValueFromMemory(e.Data, e.Shape.ToArray());
            inputs[d.DecoderPointCoords] = OrtValue.CreateTensorValueFromMemory(coords, new long[] { b, n, 2 });
            inputs[d.DecoderPointLabels] = OrtValue.CreateTensorValueFromMemory(labels, new long[] { b, n });
            if (!string.IsNullOrEmpty(d.DecoderMaskInput))
                inputs[d.DecoderMaskInput] = OrtValue.CreateTensorValueFromMemory(new float[_maskInputShape.Aggregate(1L, (a, v) => a * v)], _maskInputShape);
            if (!string.IsNullOrEmpty(d.DecoderHasMaskInput))
                inputs[d.DecoderHasMaskInput] = OrtValue.CreateTensorValueFromMemory(new float[1], new long[] { 1 });
            if (!string.IsNullOrEmpty(d.DecoderOrigImSize))
                inputs[d.DecoderOrigImSize] = OrtValue.CreateTensorValueFromMemory(new float[] { e.Height, e.Width }, new long[] { 2 });

            bool useMasks = d.MaskSource == SamMaskSource.Masks;
            var names = new List<string> { d.DecoderIouPredictions, useMasks ? d.DecoderMasks : d.DecoderLowResMasks };
            using var ro = new RunOptions();
            using var outs = Run(_decoder, d.DecoderPath, ro, inputs, names);
            var iouShape = outs[0].GetTensorTypeAndShape().Shape;
            var maskShape = outs[1].GetTensorTypeAndShape().Shape;
            if (iouShape.Length != 2 || iouShape[0] != b || maskShape.Length != 4 || maskShape[0] != b || maskShape[1] != iouShape[1])
                throw new InvalidDataException(
                    $"{d.DecoderPath}: for {b} prompt(s) the decoder returned {d.DecoderIouPredictions} [{string.Join(", ", iouShape)}] and " +
                    $"{names[1]} [{string.Join(", ", maskShape)}]; expected [{b}, K] and [{b}, K, h, w]");
            int kAll = (int)iouShape[1];
            int[] pick = kAll switch
            {
                4 => new[] { 1, 2, 3 },
                3 => new[] { 0, 1, 2 },
                1 => new[] { 0 },
                _ => throw new InvalidDataException($"{d.DecoderPath}: the decoder returns {kAll} masks per prompt; SAM exports return 4 (all mask tokens), 3 (multimask) or 1 (--return-single-mask)"),
            };
            int mh = (int)maskShape[2], mw = (int)maskShape[3];
            if (useMasks && (mh != e.Height || mw != e.Width))
                throw new InvalidDataException(
                    $"{d.DecoderPath}: '{d.DecoderMasks}' is {mh}×{mw} but orig_im_size is {e.Height}×{e.Width}; " +
                    "use \"mask_source\": \"low_res_masks\" in the model description so the masks are upscaled here");
            var iouAll = outs[0].GetTensorDataAsSpan<float>();
            var maskAll = outs[1].GetTensorDataAsSpan<float>();
            int k = pick.Length;
            var iou = new float[b * k];
            var maps = new float[b * k][];
            long plane = (long)mh * mw;
            for (int i = 0; i < b; i++)
                for (int j = 0; j < k; j++)
                {
                    iou[i * k + j] = iouAll[i * kAll + pick[j]];
                    maps[i * k + j] = maskAll.Slice((int)((i * kAll + pick[j]) * plane), (int)plane).ToArray();
                }
            return new DecoderOutput(this, e, k, iou, maps, useMasks, mh, mw);
        }
        finally
        {
            foreach (var v in inputs.Values) v.Dispose();
        }
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession s, string path, RunOptions ro,
        IReadOnlyDictionary<string, OrtValue> inputs, IReadOnlyCollection<string> outputs)
    {
        try
        {
            return s.Run(ro, inputs, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime failed to run the model with inputs {string.Join(", ", inputs.Keys)} ({ex.Message}); check the model description's names and layout", ex);
        }
    }

    private sealed class DecoderOutput(SamPredictor owner, SamImageEmbedding e, int k, float[] iou, float[][] maps, bool full, int mh, int mw)
    {
        public int K { get; } = k;

        public float[] Iou { get; } = iou;

        public float[] FullLogits(int p, int j)
        {
            var m = maps[p * K + j];
            if (full) return m;
            return SamTransforms.PostprocessLowResMask(m, mh, mw, owner.Description.LongestSide, e.ResizedHeight, e.ResizedWidth, e.Height, e.Width);
        }

        public float[]? LowRes(int p, int j) => full ? null : maps[p * K + j];
    }

    /// <summary>Releases both ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }
}
