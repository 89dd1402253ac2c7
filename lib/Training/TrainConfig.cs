using SamDiffSR.Runtime;
using SamDiffSR.Models;
using System.Text.Json;
using System.Text.Json.Serialization;
using SamDiffSR.Diffusion;
using SamDiffSR.IO;

namespace SamDiffSR.Training;

/// <summary>Which network a run trains.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingStage>))]
public enum TrainingStage
{
    /// <summary>Stage 1: the RRDB LR encoder, L1 on the HR image (SRDiff's <c>rrdb</c> task).</summary>
    [OptionName("rrdb")]
    Rrdb,
    /// <summary>Stage 2: the conditional U-Net with the RRDB frozen (SRDiff / SAM-DiffSR / SAM+SRDiff).</summary>
    [OptionName("diffusion")]
    Diffusion,
}

/// <summary>
/// Everything a training run depends on, saved as <c>config.json</c> in the run folder (and checked on resume:
/// a resumed run must have the same config, except that <see cref="Steps"/> may grow).
/// Paper defaults: batch 16 (the official config uses 64), Adam 2e-4, cosine decay (official: StepLR 200k/0.5),
/// 400k steps, 160-px HR patches. <see cref="Precision"/>: float32 (default), or libtorch autocast to bf16/fp16 with
/// float32 master weights (fp16 adds a dynamic <see cref="LossScaler"/>); older config files without it read as float32.
/// </summary>
public sealed record TrainConfig(
    TrainingStage Stage,
    ModelConfig Model,
    DiffusionOptions Diffusion,
    PatchOptions Patch,
    int Steps,
    int BatchSize,
    LearningRateSchedule Lr,
    double? GradClipNorm = null,
    double? EmaDecay = null,
    long Seed = 0,
    int CheckpointEvery = 1000,
    int KeepCheckpoints = 3,
    int LogEvery = 1,
    Precision Precision = Precision.Fp32)
{
    public TrainConfig Validate()
    {
        Model.Validate();
        Diffusion.Validate();
        Patch.Validate(Model.Scale);
        Lr.Validate();
        if (Steps < 1) throw new InvalidDataException($"Steps must be >= 1, got {Steps}");
        if (BatchSize < 1) throw new InvalidDataException($"BatchSize must be >= 1, got {BatchSize}");
        if (CheckpointEvery < 1) throw new InvalidDataException($"CheckpointEvery must be >= 1, got {CheckpointEvery}");
        if (GradClipNorm is double g && !double.IsFinite(g)) throw new InvalidDataException($"GradClipNorm must be finite, got {g}");
        if (EmaDecay is double e && double.IsNaN(e)) throw new InvalidDataException("EmaDecay must be in (0, 1) when set, got NaN");
        if (GradClipNorm is <= 0) throw new InvalidDataException($"GradClipNorm must be > 0 when set, got {GradClipNorm}");
        if (EmaDecay is <= 0 or >= 1) throw new InvalidDataException($"EmaDecay must be in (0, 1) when set, got {EmaDecay}");
        if (!Enum.IsDefined(Precision)) throw new InvalidDataException($"Precision must be Fp32, Bf16 or Fp16, got {Precision}");
        if (Stage == TrainingStage.Diffusion && Diffusion.Method == SrMethod.SamConcat && Model.ExtraInputChannels != 1)
            throw new InvalidDataException("SAM+SRDiff needs a model with ExtraInputChannels = 1");
        return this;
    }

    /// <summary>Whether batches carry SPE masks.</summary>
    [JsonIgnore]
    public bool NeedsMasks => Stage == TrainingStage.Diffusion && Diffusion.NeedsMasks;

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true, // a missing section/key is an error, not a silent default or null
        RespectNullableAnnotations = true,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training config not found: {path}", path);
        TrainConfig cfg;
        try
        {
            cfg = JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), JsonOptions)
                  ?? throw new InvalidDataException($"{path}: empty config");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: invalid training config ({ex.Message}). Fix it, or start a new run folder.", ex);
        }
        try { return cfg.Validate(); }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Equal for resume purposes: everything but the step count and the cosine schedule's horizon, which the
    /// CLI ties to the step count (so a run can be extended; see <see cref="SrTrainer"/>, which logs the change).</summary>
    public bool CompatibleForResume(TrainConfig other) => ForResume(this) == ForResume(other);

    /// <summary>
    /// The settings that differ from <paramref name="other"/> for resume purposes, as "path: this → other" (JSON paths
    /// of the run's config.json, e.g. "Patch.HrPatch: 32 → 64"); empty when compatible.
    /// </summary>
    public string DescribeDifferences(TrainConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var a = System.Text.Json.Nodes.JsonNode.Parse(ForResume(this).ToJson());
        var b = System.Text.Json.Nodes.JsonNode.Parse(ForResume(other).ToJson());
        var diffs = new List<string>();
        void Walk(System.Text.Json.Nodes.JsonNode? x, System.Text.Json.Nodes.JsonNode? y, string path)
        {
            if (x is System.Text.Json.Nodes.JsonObject ox && y is System.Text.Json.Nodes.JsonObject oy)
            {
                foreach (var key in ox.Select(p => p.Key).Union(oy.Select(p => p.Key)))
                    Walk(ox[key], oy[key], path.Length == 0 ? key : path + "." + key);
                return;
            }
            string sx = x?.ToJsonString() ?? "null", sy = y?.ToJsonString() ?? "null";
            if (sx != sy) diffs.Add($"{path}: {sx} → {sy}");
        }
        Walk(a, b, "");
        return diffs.Count == 0 ? "none" : string.Join("; ", diffs);
    }

    private static TrainConfig ForResume(TrainConfig c) => c with { Steps = 0, Lr = c.Lr with { TotalSteps = 0 } };
}
