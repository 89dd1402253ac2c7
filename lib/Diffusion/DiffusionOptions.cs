using System.Text.Json;
using System.Text.Json.Serialization;
using SamDiffSR.IO;
using SamDiffSR.Schedules;
using SamDiffSR.Data;

namespace SamDiffSR.Diffusion;

/// <summary>
/// The diffusion side of a model: schedule, modulation, loss and the residual parameterisation of SRDiff
/// (docs/official-code.md §Residual mode and LR-up). Saved as <c>diffusion.json</c> next to <c>model.pt</c>.
/// </summary>
/// <param name="Method">SRDiff, SAM-DiffSR or SAM+SRDiff.</param>
/// <param name="Timesteps">T (paper: 100).</param>
/// <param name="Schedule">β schedule (paper: cosine, s = 0.008).</param>
/// <param name="Modulation">How E enters the forward process; ignored (treated as None) unless Method is SamDiffSR.</param>
/// <param name="Loss">L1 (official code) or L2 (paper eq. 5).</param>
/// <param name="ResRescale">x0 = clamp(ResRescale·(HR − LR-up), −1, 1) (official 2.0).</param>
/// <param name="ClipInput">Clamp the scaled residual to [−1, 1] (official true).</param>
/// <param name="LrUp">How LR-up is computed, in training and at inference (official: LR/256 with their resize port).</param>
/// <param name="ClipDenoised">
/// Clip x̂0 to [−1, 1] in each reverse step. Null = automatic: true (official) except in Paper modulation,
/// where the network predicts ε + √((1−ᾱ)/β)·E, so the implied x̂0 contains E and clipping it would change
/// the DDPM mean of eq. 15.
/// </param>
public sealed record DiffusionOptions(
    SrMethod Method = SrMethod.SamDiffSR,
    int Timesteps = 100,
    BetaScheduleKind Schedule = BetaScheduleKind.Cosine,
    ModulationMode Modulation = ModulationMode.Paper,
    LossType Loss = LossType.L1,
    double ResRescale = 2.0,
    bool ClipInput = true,
    LrUpRecipe LrUp = LrUpRecipe.Official,
    bool? ClipDenoised = null)
{
    /// <summary>
    /// The one rule for which modulation a method trains with: only SAM-DiffSR modulates the forward process; SRDiff
    /// and SAM+SRDiff always diffuse with plain DDPM noise, whatever was asked for.
    /// </summary>
    public static ModulationMode ModulationFor(SrMethod method, ModulationMode requested) =>
        method == SrMethod.SamDiffSR ? requested : ModulationMode.None;

    /// <summary>Options for <paramref name="method"/> with the requested modulation (collapsed by <see cref="ModulationFor"/>).</summary>
    public static DiffusionOptions For(SrMethod method, ModulationMode modulation = ModulationMode.Paper) =>
        new(method, Modulation: ModulationFor(method, modulation));

    /// <summary>The modulation actually applied in training.</summary>
    [JsonIgnore]
    public ModulationMode EffectiveModulation => ModulationFor(Method, Modulation);

    /// <summary>The x̂0 clipping actually applied in sampling.</summary>
    [JsonIgnore]
    public bool EffectiveClipDenoised => ClipDenoised ?? EffectiveModulation != ModulationMode.Paper;

    /// <summary>Whether training needs SPE masks (SAM-DiffSR: E; SAM+SRDiff: the extra input).</summary>
    [JsonIgnore]
    public bool NeedsMasks => Method != SrMethod.SrDiff;

    /// <summary>Whether sampling needs a mask of the image (only SAM+SRDiff: the mask is a network input).</summary>
    [JsonIgnore]
    public bool NeedsMasksAtInference => Method == SrMethod.SamConcat;

    /// <summary>
    /// The one masks-needed check: throws <see cref="ArgumentException"/> with one line naming the method, the stage and
    /// the fix when the method needs masks there and <paramref name="present"/> is false.
    /// </summary>
    /// <param name="present">Whether the caller has the masks.</param>
    /// <param name="atInference">Sampling (true) or training (false).</param>
    /// <param name="what">What is missing, in the caller's words (e.g. "an SPE map for image 'x.png'").</param>
    public void RequireMasks(bool present, bool atInference, string? what = null)
    {
        if (present || !(atInference ? NeedsMasksAtInference : NeedsMasks)) return;
        var fix = atInference
            ? "run a segmenter on the LR-up image (the CLI does this for SAM+SRDiff models)"
            : "make them with 'samdiffsr masks generate' and pass --masks";
        throw new ArgumentException($"{Method} {(atInference ? "inference" : "training")} needs SPE masks" +
                                    $"{(what is null ? "" : $" ({what})")}; {fix}");
    }

    /// <summary>SRDiff baseline options.</summary>
    public static DiffusionOptions SrDiff { get; } = For(SrMethod.SrDiff);

    /// <summary>SAM-DiffSR as the paper describes it (eq. 3, 5 coefficients), L1 loss as the official code.</summary>
    public static DiffusionOptions SamDiffSRPaper { get; } = new();

    /// <summary>SAM-DiffSR as the released code trains it (coefficient √(1−ᾱ)·β; the maintainers call it a bug).</summary>
    public static DiffusionOptions SamDiffSROfficial { get; } = new(Modulation: ModulationMode.OfficialCode);

    /// <summary>"SAM+SRDiff": mask as an extra input channel.</summary>
    public static DiffusionOptions SamConcat { get; } = For(SrMethod.SamConcat);

    public DiffusionOptions Validate()
    {
        if (Timesteps is < 2 or > 10_000) throw new InvalidDataException($"Timesteps must be in [2, 10000], got {Timesteps}");
        if (!(ResRescale > 0)) throw new InvalidDataException($"ResRescale must be > 0, got {ResRescale}");
        if (!Enum.IsDefined(Method) || !Enum.IsDefined(Modulation) || !Enum.IsDefined(Loss) || !Enum.IsDefined(Schedule))
            throw new InvalidDataException("unknown enum value in diffusion options");
        return this;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>Loads diffusion.json strictly (unknown keys are an error naming the file).</summary>
    public static DiffusionOptions Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"diffusion options file not found: {path}", path);
        try
        {
            return (JsonSerializer.Deserialize<DiffusionOptions>(File.ReadAllText(path), Json)
                    ?? throw new InvalidDataException($"{path}: empty diffusion options")).Validate();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: invalid diffusion options ({ex.Message}). Fix or delete the file (defaults: SAM-DiffSR, T=100 cosine).", ex);
        }
    }
}
