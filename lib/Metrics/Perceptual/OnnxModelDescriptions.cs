using System.Text.Json;
using System.Text.Json.Serialization;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>How images are brought to the FID network's input size.</summary>
public enum FidResize
{
    /// <summary>Pillow bicubic per channel on 0..255 floats, then clip to [0, 255] (clean-fid / pyiqa 'clean' mode).</summary>
    PilBicubic,

    /// <summary>No resize: images must already have the network's input size.</summary>
    None,
}

/// <summary>Which kind of LPIPS ONNX export is supplied.</summary>
public enum LpipsOnnxMode
{
    /// <summary>The backbone only: one image in, the L feature maps (AlexNet: relu1..relu5) out; the linear heads come from a JSON file and the distance is computed here.</summary>
    Features,

    /// <summary>The whole lpips module: two images in [−1, 1] in, the distance (N, 1, 1, 1) out.</summary>
    Distance,
}

/// <summary>
/// Description of a user-supplied Inception-v3 pool3 ONNX for FID, read from a JSON file next to the model
/// (<c>model.onnx</c> → <c>model.json</c>); every key is optional and unknown keys are an error. Defaults match
/// pyiqa's FID in 'clean' mode with pytorch-fid's FID Inception weights: input 299×299 NCHW, Pillow bicubic per
/// channel, (x·255 − 128)/128, output the 2048-d pool3 vector per image as (N, 2048) or (N, 2048, 1, 1).
/// </summary>
public sealed record FidModelDescription
{
    /// <summary>Input tensor name (null: the model's only input).</summary>
    public string? Input { get; init; }

    /// <summary>Output tensor name (null: the model's first output).</summary>
    public string? Output { get; init; }

    /// <summary>Network input height (299).</summary>
    public int Height { get; init; } = 299;

    /// <summary>Network input width (299).</summary>
    public int Width { get; init; } = 299;

    /// <summary>Resize rule (Pillow bicubic).</summary>
    public FidResize Resize { get; init; } = FidResize.PilBicubic;

    /// <summary>Input normalisation (clean-fid: (x·255 − 128)/128).</summary>
    public ImageNormalization Normalization { get; init; } = ImageNormalization.CleanFid;

    /// <summary>Images per ONNX call (reduced to 1 when the model has a fixed batch of 1).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Reads <paramref name="jsonPath"/> or returns the defaults when it is null or absent.</summary>
    public static FidModelDescription Load(string? jsonPath) => OnnxDescriptionJson.Load<FidModelDescription>(jsonPath) ?? new();
}

/// <summary>
/// Description of a user-supplied LPIPS ONNX (JSON next to the model; keys optional, unknown keys an error). Defaults:
/// <see cref="LpipsOnnxMode.Features"/>, one input, outputs = all model outputs in order (AlexNet relu1..relu5 with
/// 64, 192, 384, 256, 256 channels), linear heads from <c>lpips_weights.json</c> beside the model, input normalised
/// with <see cref="ImageNormalization.LpipsAlexInput"/>. In <see cref="LpipsOnnxMode.Distance"/> mode the two inputs
/// get [−1, 1] images (<see cref="ImageNormalization.MinusOneToOne"/>) unless <see cref="Normalization"/> is given.
/// </summary>
public sealed record LpipsModelDescription
{
    /// <summary>Export kind.</summary>
    public LpipsOnnxMode Mode { get; init; } = LpipsOnnxMode.Features;

    /// <summary>Input names: one (features) or two (distance); null = the model's inputs in order.</summary>
    public string[]? Inputs { get; init; }

    /// <summary>Output names: the feature maps in layer order (features) or the distance (distance); null = the model's outputs in order.</summary>
    public string[]? Outputs { get; init; }

    /// <summary>Linear-head weight file (JSON), relative to the description's folder; features mode only.</summary>
    public string? Weights { get; init; } = "lpips_weights.json";

    /// <summary>Input normalisation; null = the mode's default.</summary>
    public ImageNormalization? Normalization { get; init; }

    /// <summary>Reads <paramref name="jsonPath"/> or returns the defaults when it is null or absent.</summary>
    public static LpipsModelDescription Load(string? jsonPath) => OnnxDescriptionJson.Load<LpipsModelDescription>(jsonPath) ?? new();

    /// <summary>The normalisation in force for this mode.</summary>
    public ImageNormalization EffectiveNormalization =>
        Normalization ?? (Mode == LpipsOnnxMode.Features ? ImageNormalization.LpipsAlexInput : ImageNormalization.MinusOneToOne);
}

/// <summary>
/// Description of a user-supplied MANIQA ONNX (JSON next to the model; keys optional, unknown keys an error).
/// The model maps normalised 224×224 crops (N, 3, 224, 224) to one score per crop, (N) or (N, 1); or, when
/// <see cref="WeightOutput"/> is set, <see cref="Output"/> holds per-patch scores (N, P) and WeightOutput the
/// per-patch weights (N, P), pooled over all crops of the image as Σ w·s / (Σ w + 1e-8) exactly like pyiqa's
/// MANIQA forward (which reshapes all crops' patches of one image together).
/// Defaults: pyiqa 'maniqa' — normalisation (x − 0.5)/0.5, crop 224, 20 crops on a 4×5 grid (deterministic
/// replacement of pyiqa's 20 random crops, see <see cref="OnnxManiqa"/>).
/// </summary>
public sealed record ManiqaModelDescription
{
    /// <summary>Input name (null: the model's only input).</summary>
    public string? Input { get; init; }

    /// <summary>Score output (or per-patch scores with <see cref="WeightOutput"/>); null: the first output.</summary>
    public string? Output { get; init; }

    /// <summary>Optional per-patch weight output for pyiqa's weighted pooling.</summary>
    public string? WeightOutput { get; init; }

    /// <summary>Crop side (224).</summary>
    public int CropSize { get; init; } = 224;

    /// <summary>Crop grid rows (4).</summary>
    public int CropRows { get; init; } = 4;

    /// <summary>Crop grid columns (5).</summary>
    public int CropColumns { get; init; } = 5;

    /// <summary>Input normalisation (pyiqa IMAGENET_INCEPTION_MEAN/STD: (x − 0.5)/0.5).</summary>
    public ImageNormalization Normalization { get; init; } = ImageNormalization.MinusOneToOne;

    /// <summary>Crops per ONNX call.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Reads <paramref name="jsonPath"/> or returns the defaults when it is null or absent.</summary>
    public static ManiqaModelDescription Load(string? jsonPath) => OnnxDescriptionJson.Load<ManiqaModelDescription>(jsonPath) ?? new();
}

/// <summary>Shared JSON reading for the model descriptions (camelCase keys, enums as strings, unknown keys rejected).</summary>
public static class OnnxDescriptionJson
{
    /// <summary>Serializer options used for every description file.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The description path beside a model: same folder and name, extension .json.</summary>
    public static string SidecarPath(string modelPath) => Path.ChangeExtension(modelPath, ".json");

    /// <summary>Parses a description; null when <paramref name="jsonPath"/> is null or the file does not exist.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON for <typeparamref name="T"/> (message names the file).</exception>
    public static T? Load<T>(string? jsonPath) where T : class
    {
        if (jsonPath is null || !File.Exists(jsonPath)) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(jsonPath), Options)
                   ?? throw new InvalidDataException($"Model description '{jsonPath}' is empty (null); delete it to use the defaults or write a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Model description '{jsonPath}' is not a valid {typeof(T).Name}: {e.Message} Fix the key or value (keys are camelCase; unknown keys are rejected).", e);
        }
    }
}
