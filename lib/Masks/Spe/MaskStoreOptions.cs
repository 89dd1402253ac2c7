namespace SamDiffSR.Masks.Spe;

/// <summary>Options of <see cref="MaskStore"/>.</summary>
/// <param name="Missing">Missing-map policy; default error.</param>
/// <param name="ShapeMismatch">Shape-mismatch policy; default error.</param>
public sealed record MaskStoreOptions(
    MissingMaskPolicy Missing = MissingMaskPolicy.Error,
    ShapeMismatchPolicy ShapeMismatch = ShapeMismatchPolicy.Error)
{
    /// <summary>Strict defaults: every image must have a map of exactly its shape.</summary>
    public static MaskStoreOptions Strict { get; } = new();

    /// <summary>The official packer's tolerance: zeros for missing maps, bilinear resize on mismatch.</summary>
    public static MaskStoreOptions OfficialPacker { get; } = new(MissingMaskPolicy.UseZeros, ShapeMismatchPolicy.ResizeBilinear);
}
