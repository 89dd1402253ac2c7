using System.Text.Json.Serialization;

namespace SamDiffSR.Training.Packs;

/// <summary>How a record stores its SPE map.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PackMaskKind>))]
public enum PackMaskKind
{
    /// <summary>No map.</summary>
    None,
    /// <summary>A palette of at most 256 distinct float32 values and one byte per pixel.</summary>
    Palette8,
    /// <summary>A palette of at most 65,536 distinct float32 values and two bytes per pixel (little-endian).</summary>
    Palette16,
    /// <summary>Raw float32 per pixel (little-endian), for maps with more distinct values.</summary>
    Float32,
}

/// <summary>
/// One image of a pack. Its record starts at <see cref="Offset"/>: HR uint8 RGB (H·W·3 bytes, row-major), then LR
/// uint8 RGB ((H/s)·(W/s)·3), then the SPE map (palette float32 × <see cref="PaletteCount"/>, then the per-pixel
/// indices or values per <see cref="Mask"/>). <see cref="Sha256"/> covers the whole record.
/// </summary>
/// <param name="Name">Image file name.</param>
/// <param name="Height">HR height after modcrop.</param>
/// <param name="Width">HR width after modcrop.</param>
/// <param name="Offset">Record start in the pack file.</param>
/// <param name="Length">Record length in bytes.</param>
/// <param name="Sha256">SHA-256 of the record, lower-case hex.</param>
/// <param name="Mask">SPE storage.</param>
/// <param name="PaletteCount">Palette entries (0 unless a palette kind).</param>
/// <param name="LrFile">The ready-made LR file used, or null when the LR is MATLAB-exact imresize of the HR.</param>
/// <param name="LrDiffersFromMatlab">For a ready-made LR: pixels that differ from this library's MATLAB-exact imresize (null if not checked).</param>
public sealed record PackEntry(string Name, int Height, int Width, long Offset, long Length, string Sha256,
                               PackMaskKind Mask, int PaletteCount, string? LrFile = null, long? LrDiffersFromMatlab = null)
{
    /// <summary>LR height.</summary>
    public int LrHeight(int scale) => Height / scale;

    /// <summary>LR width.</summary>
    public int LrWidth(int scale) => Width / scale;
}

/// <summary>The JSON index at the end of a pack file (see <see cref="TrainingPack"/> for the layout).</summary>
/// <param name="Format">Always <see cref="TrainingPack.FormatName"/>.</param>
/// <param name="Version">Format version.</param>
/// <param name="Scale">SR scale: HR is modcropped to it and LR is HR/scale.</param>
/// <param name="Key">Hex key of the inputs (file names, sizes, times) and options the pack was built from.</param>
/// <param name="Sources">Human-readable description of the inputs.</param>
/// <param name="CreatedUtc">Build time.</param>
/// <param name="Images">Records in training order (the ordinal file order of each HR folder, folders in order).</param>
public sealed record PackIndex(string Format, int Version, int Scale, string Key, IReadOnlyList<string> Sources, DateTime CreatedUtc,
                               IReadOnlyList<PackEntry> Images);
