using System.Text.Json;

namespace SamDiffSR.Masks.Sam;

/// <summary>How the image encoder's input tensor is laid out.</summary>
public enum SamInputLayout
{
    /// <summary>[1, 3, H, W] (SAM's own <c>image_encoder</c> input; the usual encoder exports).</summary>
    Nchw,
    /// <summary>[1, H, W, 3].</summary>
    Nhwc,
    /// <summary>[H, W, 3] without a batch axis (exports that bake preprocessing into the graph, e.g. samexporter's
    /// <c>--use-preprocess</c>, which take the resized RGB image as raw float values).</summary>
    Hwc,
}

/// <summary>Where full-resolution mask logits come from.</summary>
public enum SamMaskSource
{
    /// <summary>
    /// The decoder's <c>low_res_masks</c> (256×256), upscaled here exactly as SAM's <c>postprocess_masks</c> does
    /// (<see cref="SamTransforms.PostprocessLowResMask"/>). Default: decoders exported with segment-anything 1.0 from PyPI
    /// froze the crop size of the dummy image into <c>masks</c> (SAM issues #56/#130, fixed by PR #58), so their
    /// <c>masks</c> output is misaligned for other aspect ratios; the low-res path is right for every export.
    /// </summary>
    LowResMasks,
    /// <summary>The decoder's <c>masks</c> output at <c>orig_im_size</c>, used as is.</summary>
    Masks,
}

/// <summary>
/// Describes a SAM model exported to ONNX as two files — an image encoder and a prompt-encoder/mask-decoder in the layout
/// of segment-anything's <c>scripts/export_onnx_model.py</c> — and the preprocessing the encoder expects. Loaded from a
/// small JSON file (<see cref="Load"/>); every key is optional and defaults to SAM's values:
/// <code>
/// {
///   "model": "vit_h",                          // vit_h | vit_l | vit_b | mobile_sam | any label
///   "encoder": "sam_vit_h_encoder.onnx",       // paths relative to the JSON file's folder
///   "decoder": "sam_vit_h_decoder.onnx",
///   "encoder_input": "image", "encoder_output": "image_embeddings",
///   "encoder_layout": "nchw",                  // nchw | nhwc | hwc
///   "normalize": true,                         // (x − pixel_mean)/pixel_std before the encoder
///   "pad_to_square": true,                     // zero-pad bottom/right to longest_side²
///   "longest_side": 1024,
///   "pixel_mean": [123.675, 116.28, 103.53], "pixel_std": [58.395, 57.12, 57.375],
///   "mask_threshold": 0.0,
///   "decoder_inputs": {"image_embeddings": "image_embeddings", "point_coords": "point_coords",
///                      "point_labels": "point_labels", "mask_input": "mask_input",
///                      "has_mask_input": "has_mask_input", "orig_im_size": "orig_im_size"},
///   "decoder_outputs": {"masks": "masks", "iou_predictions": "iou_predictions", "low_res_masks": "low_res_masks"},
///   "append_padding_point": true,              // add SAM's (0, 0) label −1 padding point to each prompt
///   "mask_source": "low_res_masks"             // low_res_masks | masks
/// }
/// </code>
/// An optional decoder input or output may be set to "" when the export lacks it (mask_input, has_mask_input,
/// orig_im_size; masks or low_res_masks as long as <see cref="MaskSource"/> does not need it).
/// </summary>
public sealed record SamModelDescription
{
    /// <summary>Model label (vit_h, vit_l, vit_b, mobile_sam); informational.</summary>
    public string ModelName { get; init; } = "vit_h";

    /// <summary>Absolute path of the image-encoder ONNX file.</summary>
    public string EncoderPath { get; init; } = "sam_vit_h_encoder.onnx";

    /// <summary>Absolute path of the prompt-encoder/mask-decoder ONNX file.</summary>
    public string DecoderPath { get; init; } = "sam_vit_h_decoder.onnx";

    /// <summary>Encoder input name.</summary>
    public string EncoderInput { get; init; } = "image";

    /// <summary>Encoder output name (the image embedding, [1, 256, 64, 64] for SAM).</summary>
    public string EncoderOutput { get; init; } = "image_embeddings";

    /// <summary>Encoder input layout.</summary>
    public SamInputLayout EncoderLayout { get; init; } = SamInputLayout.Nchw;

    /// <summary>Normalise with <see cref="PixelMean"/>/<see cref="PixelStd"/> (false: raw 0..255 values; required
    /// for uint8 encoder inputs).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Zero-pad the resized image at the bottom/right to <see cref="LongestSide"/>² (after normalising).</summary>
    public bool PadToSquare { get; init; } = true;

    /// <summary>The image's longest side is resized to this (SAM: <c>image_encoder.img_size</c> = 1024).</summary>
    public int LongestSide { get; init; } = 1024;

    /// <summary>Per-channel RGB mean subtracted before the encoder (SAM: ImageNet mean × 255).</summary>
    public IReadOnlyList<double> PixelMean { get; init; } = new[] { 123.675, 116.28, 103.53 };

    /// <summary>Per-channel RGB standard deviation divided by before the encoder.</summary>
    public IReadOnlyList<double> PixelStd { get; init; } = new[] { 58.395, 57.12, 57.375 };

    /// <summary>Logit threshold that binarises masks (SAM's <c>mask_threshold</c>).</summary>
    public double MaskThreshold { get; init; }

    /// <summary>Decoder input carrying the image embedding.</summary>
    public string DecoderImageEmbeddings { get; init; } = "image_embeddings";

    /// <summary>Decoder input with point coordinates [B, N, 2] in the resized frame.</summary>
    public string DecoderPointCoords { get; init; } = "point_coords";

    /// <summary>Decoder input with point labels [B, N] (1 foreground, 0 background, −1 padding).</summary>
    public string DecoderPointLabels { get; init; } = "point_labels";

    /// <summary>Decoder input with a previous low-res mask [1, 1, 256, 256] (fed zeros); "" if absent.</summary>
    public string DecoderMaskInput { get; init; } = "mask_input";

    /// <summary>Decoder input flag [1] telling whether mask_input is used (fed 0); "" if absent.</summary>
    public string DecoderHasMaskInput { get; init; } = "has_mask_input";

    /// <summary>Decoder input [2] = (H, W) of the original image as float; "" if absent.</summary>
    public string DecoderOrigImSize { get; init; } = "orig_im_size";

    /// <summary>Decoder output: mask logits [B, K, H, W] at orig_im_size; "" if absent.</summary>
    public string DecoderMasks { get; init; } = "masks";

    /// <summary>Decoder output: predicted IoU [B, K].</summary>
    public string DecoderIouPredictions { get; init; } = "iou_predictions";

    /// <summary>Decoder output: low-res mask logits [B, K, 256, 256]; "" if absent.</summary>
    public string DecoderLowResMasks { get; init; } = "low_res_masks";

    /// <summary>
    /// Append the padding point (0, 0) with label −1 to each prompt, as SAM's predictor does when no box is given
    /// (the official ONNX decoder expects the caller to add it; see segment-anything's onnx_model_example notebook).
    /// </summary>
    public bool AppendPaddingPoint { get; init; } = true;

    /// <summary>Which decoder output gives the full-size logits.</summary>
    public SamMaskSource MaskSource { get; init; } = SamMaskSource.LowResMasks;

    /// <summary>The JSON file this was loaded from (for messages); null when built in code.</summary>
    public string? SourcePath { get; init; }

    private static readonly string[] TopKeys =
    [
        "model", "encoder", "decoder", "encoder_input", "encoder_output", "encoder_layout", "normalize", "pad_to_square",
        "longest_side", "pixel_mean", "pixel_std", "mask_threshold", "decoder_inputs", "decoder_outputs",
        "append_padding_point", "mask_source",
    ];

    private static readonly string[] DecoderInputKeys = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"];
    private static readonly string[] DecoderOutputKeys = ["masks", "iou_predictions", "low_res_masks"];

    /// <summary>
    /// Reads a description from JSON (comments allowed); relative model paths are resolved against the JSON file's
    /// folder. Throws <see cref="FileNotFoundException"/> if the JSON is missing and <see cref="InvalidDataException"/>
    /// for bad JSON, unknown keys or bad values, naming the file and the key. Model files are not opened here
    /// (see <see cref="SamPredictor.Open(SamModelDescription, Microsoft.ML.OnnxRuntime.SessionOptions?)"/>).
    /// </summary>
    public static SamModelDescription Load(string jsonPath)
    {
        if (!File.Exists(jsonPath))
            throw new FileNotFoundException($"{jsonPath}: SAM model description not found; create a JSON file naming the encoder and decoder ONNX files (keys \"encoder\", \"decoder\")", jsonPath);
        var full = Path.GetFullPath(jsonPath);
        return Parse(File.ReadAllText(full), full, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses a description from JSON text; relative paths are resolved against <paramref name="baseFolder"/>.</summary>
    public static SamModelDescription Parse(string json, string source, string baseFolder)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({ex.Message}); expected a SAM model description object", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object describing the SAM ONNX model, found {root.ValueKind}");
            CheckKeys(root, TopKeys, source, "");
            var d = new SamModelDescription { SourcePath = source };
            d = d with
            {
                ModelName = Str(root, "model", d.ModelName, source),
                EncoderPath = Resolve(Str(root, "encoder", d.EncoderPath, source), baseFolder),
                DecoderPath = Resolve(Str(root, "decoder", d.DecoderPath, source), baseFolder),
                EncoderInput = Str(root, "encoder_input", d.EncoderInput, source),
                EncoderOutput = Str(root, "encoder_output", d.EncoderOutput, source),
                EncoderLayout = Enum(root, "encoder_layout", d.EncoderLayout, source,
                    ("nchw", SamInputLayout.Nchw), ("nhwc", SamInputLayout.Nhwc), ("hwc", SamInputLayout.Hwc)),
                Normalize = Bool(root, "normalize", d.Normalize, source),
                PadToSquare = Bool(root, "pad_to_square", d.PadToSquare, source),
                LongestSide = Int(root, "longest_side", d.LongestSide, source),
                PixelMean = Triple(root, "pixel_mean", d.PixelMean, source),
                PixelStd = Triple(root, "pixel_std", d.PixelStd, source),
                MaskThreshold = Num(root, "mask_threshold", d.MaskThreshold, source),
                AppendPaddingPoint = Bool(root, "append_padding_point", d.AppendPaddingPoint, source),
                MaskSource = Enum(root, "mask_source", d.MaskSource, source,
                    ("low_res_masks", SamMaskSource.LowResMasks), ("masks", SamMaskSource.Masks)),
            };
            if (root.TryGetProperty("decoder_inputs", out var di))
            {
                if (di.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: \"decoder_inputs\" must be an object mapping SAM's input names to the model's");
                CheckKeys(di, DecoderInputKeys, source, "decoder_inputs.");
                d = d with
                {
                    DecoderImageEmbeddings = Str(di, "image_embeddings", d.DecoderImageEmbeddings, source),
                    DecoderPointCoords = Str(di, "point_coords", d.DecoderPointCoords, source),
                    DecoderPointLabels = Str(di, "point_labels", d.DecoderPointLabels, source),
                    DecoderMaskInput = Str(di, "mask_input", d.DecoderMaskInput, source),
                    DecoderHasMaskInput = Str(di, "has_mask_input", d.DecoderHasMaskInput, source),
                    DecoderOrigImSize = Str(di, "orig_im_size", d.DecoderOrigImSize, source),
                };
            }
            if (root.TryGetProperty("decoder_outputs", out var dout))
            {
                if (dout.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: \"decoder_outputs\" must be an object mapping SAM's output names to the model's");
                CheckKeys(dout, DecoderOutputKeys, source, "decoder_outputs.");
                d = d with
                {
                    DecoderMasks = Str(dout, "masks", d.DecoderMasks, source),
                    DecoderIouPredictions = Str(dout, "iou_predictions", d.DecoderIouPredictions, source),
                    DecoderLowResMasks = Str(dout, "low_res_masks", d.DecoderLowResMasks, source),
                };
            }
            d.Validate();
            return d;
        }
    }

    /// <summary>Checks values that do not need the model files; throws <see cref="InvalidDataException"/>.</summary>
    public void Validate()
    {
        string src = SourcePath ?? "SAM model description";
        if (LongestSide <= 0) throw new InvalidDataException($"{src}: \"longest_side\" must be positive, got {LongestSide}");
        if (PixelMean.Count != 3 || PixelStd.Count != 3) throw new InvalidDataException($"{src}: \"pixel_mean\" and \"pixel_std\" need 3 values (R, G, B)");
        if (PixelStd.Any(s => !(s > 0))) throw new InvalidDataException($"{src}: \"pixel_std\" values must be positive");
        foreach (var (key, v) in new[] { ("encoder_input", EncoderInput), ("encoder_output", EncoderOutput),
                     ("decoder_inputs.image_embeddings", DecoderImageEmbeddings), ("decoder_inputs.point_coords", DecoderPointCoords),
                     ("decoder_inputs.point_labels", DecoderPointLabels), ("decoder_outputs.iou_predictions", DecoderIouPredictions) })
            if (string.IsNullOrEmpty(v)) throw new InvalidDataException($"{src}: \"{key}\" must name a tensor of the model; it cannot be empty");
        if (MaskSource == SamMaskSource.Masks && string.IsNullOrEmpty(DecoderMasks))
            throw new InvalidDataException($"{src}: \"mask_source\" is \"masks\" but \"decoder_outputs.masks\" is empty; name the output or use \"low_res_masks\"");
        if (MaskSource == SamMaskSource.LowResMasks && string.IsNullOrEmpty(DecoderLowResMasks))
            throw new InvalidDataException($"{src}: \"mask_source\" is \"low_res_masks\" but \"decoder_outputs.low_res_masks\" is empty; name the output or use \"masks\"");
    }

    private static string Resolve(string path, string baseFolder) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseFolder, path));

    private static void CheckKeys(JsonElement obj, string[] known, string source, string prefix)
    {
        foreach (var p in obj.EnumerateObject())
            if (!known.Contains(p.Name))
                throw new InvalidDataException($"{source}: unknown key \"{prefix}{p.Name}\"; known keys: {string.Join(", ", known.Select(k => prefix + k))}");
    }

    private static string Str(JsonElement o, string key, string def, string src) =>
        !o.TryGetProperty(key, out var v) ? def
        : v.ValueKind == JsonValueKind.String ? v.GetString()!
        : throw new InvalidDataException($"{src}: \"{key}\" must be a string, found {v.ValueKind}");

    private static bool Bool(JsonElement o, string key, bool def, string src) =>
        !o.TryGetProperty(key, out var v) ? def
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw new InvalidDataException($"{src}: \"{key}\" must be true or false, found {v.ValueKind}");

    private static double Num(JsonElement o, string key, double def, string src) =>
        !o.TryGetProperty(key, out var v) ? def
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : throw new InvalidDataException($"{src}: \"{key}\" must be a number, found {v.ValueKind}");

    private static int Int(JsonElement o, string key, int def, string src) =>
        !o.TryGetProperty(key, out var v) ? def
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i
        : throw new InvalidDataException($"{src}: \"{key}\" must be an integer, found {v}");

    private static IReadOnlyList<double> Triple(JsonElement o, string key, IReadOnlyList<double> def, string src)
    {
        if (!o.TryGetProperty(key, out var v)) return def;
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 3 || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number))
            throw new InvalidDataException($"{src}: \"{key}\" must be a list of 3 numbers (R, G, B), found {v}");
        return v.EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    private static T Enum<T>(JsonElement o, string key, T def, string src, params (string Name, T Value)[] names)
    {
        if (!o.TryGetProperty(key, out var v)) return def;
        string? s = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        foreach (var (n, val) in names)
            if (string.Equals(n, s, StringComparison.OrdinalIgnoreCase)) return val;
        throw new InvalidDataException($"{src}: \"{key}\" is {v}; use one of {string.Join(", ", names.Select(n => "\"" + n.Name + "\""))}");
    }
}
