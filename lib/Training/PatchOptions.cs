using SamDiffSR.Runtime;
using System.Text.Json.Serialization;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Training;

/// <summary>Which SPE window goes with an HR patch.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MaskAlignment>))]
public enum MaskAlignment
{
    /// <summary>The same HR coordinates as the image patch (correct; default).</summary>
    [OptionName("aligned")]
    Aligned,
    /// <summary>
    /// The official packer's window (issue #13): 320-px tiles whose mask is taken at LR coordinates of the full map
    /// and magnified 4×; the patch is then cut from the tile. For replication only.
    /// </summary>
    [OptionName("official")]
    OfficialMisaligned,
}

/// <summary>Patch sampling for training.</summary>
/// <param name="HrPatch">HR patch side (paper 160; must be a multiple of 8 and of the scale).</param>
/// <param name="Flips">Random horizontal/vertical flips (official: off).</param>
/// <param name="Rotations">Random 90° rotations, i.e. transposes (official: off).</param>
/// <param name="Alignment">SPE window rule.</param>
/// <param name="Reduce">Rules applied to each SPE patch (paper Table 6: zero single-region patches).</param>
public sealed record PatchOptions(
    int HrPatch = 160,
    bool Flips = false,
    bool Rotations = false,
    MaskAlignment Alignment = MaskAlignment.Aligned,
    SpeReduce Reduce = SpeReduce.AllSameToZero)
{
    public PatchOptions Validate(int scale)
    {
        if (HrPatch < 8 || HrPatch % 8 != 0 || HrPatch % scale != 0)
            throw new ArgumentException($"HR patch must be a positive multiple of 8 and of the scale {scale}, got {HrPatch}");
        return this;
    }
}
