using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using SamDiffSR.IO;

namespace SamDiffSR.Models;

/// <summary>
/// Sizes of the two networks of SRDiff / SAM-DiffSR: the conditional noise-prediction U-Net ε_θ(x_t, t, c)
/// and the RRDB low-resolution encoder D that produces the conditioning c (paper Sec. 3, Fig. 2; official
/// hparams <c>hidden_size</c>, <c>unet_dim_mults</c>, <c>rrdb_num_block</c>, <c>rrdb_num_feat</c>, <c>sr_scale</c>,
/// <c>use_rrdb</c>; docs/official-code.md §Configuration).
/// </summary>
/// <remarks>
/// Immutable; derive variants with <c>with</c>. JSON (de)serialisation is strict: every key is required and any
/// unknown key is an error, so a typo in a config file can never be silently ignored.
/// </remarks>
public sealed record ModelConfig
{
    /// <summary>U-Net base width <c>dim</c> (official <c>hidden_size</c>); also the width of the time embedding.</summary>
    [JsonPropertyName("hidden_size")]
    [JsonRequired]
    public int Hidden { get; init; }

    /// <summary>U-Net channel multipliers per resolution level (official <c>unet_dim_mults</c>, "1|2|3|4").</summary>
    [JsonPropertyName("unet_dim_mults")]
    [JsonRequired]
    public ImmutableArray<int> DimMults { get; init; }

    /// <summary>Number of RRDB blocks in the LR encoder trunk (official <c>rrdb_num_block</c>).</summary>
    [JsonPropertyName("rrdb_num_block")]
    [JsonRequired]
    public int RrdbNumBlock { get; init; }

    /// <summary>RRDB feature width nf (official <c>rrdb_num_feat</c>); also the width of every conditioning feature.</summary>
    [JsonPropertyName("rrdb_num_feat")]
    [JsonRequired]
    public int RrdbNumFeat { get; init; }

    /// <summary>Super-resolution factor s (official <c>sr_scale</c>): 2, 4 or 8.</summary>
    [JsonPropertyName("sr_scale")]
    [JsonRequired]
    public int Scale { get; init; }

    /// <summary>
    /// Extra input channels concatenated to x_t before the U-Net's first convolution. 0 for SRDiff and
    /// SAM-DiffSR; 1 for the paper's "SAM+SRDiff" baseline (Table 1), where the SAM mask is an extra input.
    /// </summary>
    [JsonPropertyName("extra_input_channels")]
    [JsonRequired]
    public int ExtraInputChannels { get; init; }

    /// <summary>
    /// Use the RRDB encoder for the conditioning (official <c>use_rrdb</c>, true in every shipped config). When false,
    /// the U-Net's <c>cond_proj</c> projects the 3-channel LR image itself (the official code would slice the batch
    /// dimension of the LR image here, which is not reproduced).
    /// </summary>
    [JsonPropertyName("use_rrdb")]
    [JsonRequired]
    public bool UseRrdb { get; init; }

    /// <summary>RRDB growth channels gc = nf / 2 (official <c>rrdb_num_feat // 2</c>).</summary>
    [JsonIgnore]
    public int RrdbGrowth => RrdbNumFeat / 2;

    /// <summary>
    /// Number of RRDB features that condition the U-Net: the official code takes <c>feas[2::3]</c> of the
    /// <c>rrdb_num_block + 1</c> features, i.e. <c>(rrdb_num_block + 1) / 3</c> of them (6 for 17 blocks).
    /// </summary>
    [JsonIgnore]
    public int ConditioningFeatureCount => UseRrdb ? (RrdbNumBlock + 1) / 3 : 0;

    /// <summary>Input channels of the U-Net's <c>cond_proj</c>: nf·⌊(nb+1)/3⌋ with the RRDB, 3 (the LR image) without.</summary>
    [JsonIgnore]
    public int ConditioningChannels => UseRrdb ? RrdbNumFeat * ConditioningFeatureCount : 3;

    /// <summary>U-Net input channels: 3 (the noisy residual x_t) plus <see cref="ExtraInputChannels"/>.</summary>
    [JsonIgnore]
    public int UnetInputChannels => 3 + ExtraInputChannels;

    /// <summary>HR height and width must be multiples of this (one halving per U-Net level below the top).</summary>
    [JsonIgnore]
    public int SpatialMultiple => 1 << (DimMults.Length - 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad field and the fix if the sizes are unusable.</summary>
    public ModelConfig Validate()
    {
        if (Hidden < 4 || Hidden % 2 != 0)
            throw new ArgumentException($"hidden_size must be an even number >= 4 (the sinusoidal embedding needs dim/2 - 1 > 0), got {Hidden}.");
        if (DimMults.IsDefaultOrEmpty)
            throw new ArgumentException("unet_dim_mults must list at least one multiplier, e.g. [1, 2, 3, 4].");
        foreach (var m in DimMults)
            if (m < 1) throw new ArgumentException($"unet_dim_mults entries must be >= 1, got [{string.Join(", ", DimMults)}].");
        if (Scale is not (2 or 4 or 8))
            throw new ArgumentException($"sr_scale must be 2, 4 or 8, got {Scale}.");
        if (ExtraInputChannels < 0)
            throw new ArgumentException($"extra_input_channels must be >= 0, got {ExtraInputChannels}.");
        if (UseRrdb)
        {
            if (RrdbNumBlock < 2)
                throw new ArgumentException($"rrdb_num_block must be >= 2 (the U-Net conditions on feas[2::3], empty for 1 block), got {RrdbNumBlock}.");
            if (RrdbNumFeat < 2 || RrdbNumFeat % 2 != 0)
                throw new ArgumentException($"rrdb_num_feat must be an even number >= 2 (gc = nf/2), got {RrdbNumFeat}.");
        }
        return this;
    }

    /// <summary>Value equality including the multiplier list (records compare arrays by reference otherwise).</summary>
    public bool Equals(ModelConfig? other) =>
        other is not null && Hidden == other.Hidden && RrdbNumBlock == other.RrdbNumBlock && RrdbNumFeat == other.RrdbNumFeat
        && Scale == other.Scale && ExtraInputChannels == other.ExtraInputChannels && UseRrdb == other.UseRrdb
        && DimMults.AsSpan().SequenceEqual(other.DimMults.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Hidden); h.Add(RrdbNumBlock); h.Add(RrdbNumFeat); h.Add(Scale); h.Add(ExtraInputChannels); h.Add(UseRrdb);
        if (!DimMults.IsDefault) foreach (var m in DimMults) h.Add(m);
        return h.ToHashCode();
    }

    /// <summary>Short human-readable description, e.g. "U-Net 64×[1,2,3,4], RRDB 17×64 (gc 32), x4".</summary>
    public override string ToString() =>
        $"U-Net {Hidden}x[{string.Join(",", DimMults.IsDefault ? [] : DimMults)}]" +
        (ExtraInputChannels > 0 ? $" (+{ExtraInputChannels} input ch)" : "") +
        (UseRrdb ? $", RRDB {RrdbNumBlock}x{RrdbNumFeat} (gc {RrdbGrowth})" : ", no RRDB") + $", x{Scale}";

    // ------------------------------------------------------------------ presets

    private static ModelConfig Make(int hidden, int[] mults, int nb, int nf, int scale) => new()
    {
        Hidden = hidden, DimMults = [.. mults], RrdbNumBlock = nb, RrdbNumFeat = nf, Scale = scale,
        ExtraInputChannels = 0, UseRrdb = true,
    };

    /// <summary>
    /// The released SAM-DiffSR x4 model (configs/sam/sam_diffsr_df2k4x.yaml): hidden 64, dim_mults 1|2|3|4,
    /// RRDB 17 blocks × 64 features, gc 32. U-Net 12,934,915 and RRDB 12,381,443 parameters.
    /// </summary>
    public static ModelConfig SamDiffSRPaperX4 { get; } = Make(64, [1, 2, 3, 4], 17, 64, 4);

    /// <summary>The same networks for x2 super-resolution (cond_proj kernel 4, stride 2; one RRDB upsampling stage).</summary>
    public static ModelConfig SamDiffSRPaperX2 { get; } = Make(64, [1, 2, 3, 4], 17, 64, 2);

    /// <summary>SRDiff's own base defaults (SRDiff configs/diffsr_base.yaml): 1|2|2|4, RRDB 8 × 32 (gc 16).</summary>
    public static ModelConfig SrDiffX4 { get; } = Make(64, [1, 2, 2, 4], 8, 32, 4);

    /// <summary>
    /// The tiny config of the reference vectors (tiny_denoiser.pt): hidden 16, dim_mults 1|2, RRDB 2 × 8 (gc 4), x4.
    /// U-Net 117,027 and RRDB 25,387 parameters. Runs on a laptop CPU in milliseconds per step.
    /// </summary>
    public static ModelConfig Tiny { get; } = Make(16, [1, 2], 2, 8, 4);

    /// <summary>
    /// A small CPU training preset between Tiny and the paper: hidden 32, dim_mults 1|2|2, RRDB 5 × 16 (gc 8), x4
    /// (two conditioning features, indices 2 and 5). Meant for minutes-long CPU runs (quickstart).
    /// </summary>
    public static ModelConfig TinyCpu { get; } = Make(32, [1, 2, 2], 5, 16, 4);

    /// <summary>The paper's "SAM+SRDiff" baseline (Table 1) at paper size: the SAM mask as a 4th U-Net input channel.</summary>
    public static ModelConfig SamConcatPaperX4 { get; } = SamDiffSRPaperX4 with { ExtraInputChannels = 1 };

    /// <summary>Preset names accepted by <see cref="Preset"/>, in display order.</summary>
    public static IReadOnlyList<string> PresetNames { get; } =
        ["SamDiffSRPaperX4", "SamDiffSRPaperX2", "SrDiffX4", "SamConcatPaperX4", "TinyCpu", "Tiny"];

    /// <summary>Looks a preset up by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static ModelConfig Preset(string name) => name.ToLowerInvariant() switch
    {
        "samdiffsrpaperx4" or "paper" or "paperx4" => SamDiffSRPaperX4,
        "samdiffsrpaperx2" or "paperx2" => SamDiffSRPaperX2,
        "srdiffx4" or "srdiff" => SrDiffX4,
        "samconcatpaperx4" or "samconcat" => SamConcatPaperX4,
        "tinycpu" => TinyCpu,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"unknown model preset '{name}'; valid presets: {string.Join(", ", PresetNames)}."),
    };

    // ------------------------------------------------------------------ JSON

    /// <summary>Strict options: required keys, no unknown keys, no trailing commas or comments.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Serialises to indented JSON with the official hparam names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses and validates JSON written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where the text came from (file name), used in error messages.</param>
    /// <exception cref="InvalidDataException">Malformed JSON, an unknown or missing key, or invalid sizes.</exception>
    public static ModelConfig FromJson(string json, string source = "<string>")
    {
        ModelConfig? cfg;
        try
        {
            cfg = JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException(
                $"model config {source} is not valid: {ex.Message} Expected exactly the keys hidden_size, unet_dim_mults, " +
                "rrdb_num_block, rrdb_num_feat, sr_scale, extra_input_channels, use_rrdb (write one with ModelConfig.Save).", ex);
        }
        if (cfg is null) throw new InvalidDataException($"model config {source} is empty (JSON null); write one with ModelConfig.Save.");
        try { return cfg.Validate(); }
        catch (ArgumentException ex) { throw new InvalidDataException($"model config {source}: {ex.Message}", ex); }
    }

    /// <summary>Writes the config as JSON, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>Reads and validates a config JSON file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The content is not a valid model config.</exception>
    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"model config file {path} not found; write one with ModelConfig.Save or pick a preset.", path);
        return FromJson(File.ReadAllText(path), path);
    }
}
