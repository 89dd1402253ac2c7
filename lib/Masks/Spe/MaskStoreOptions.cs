namespace SamDiffSR.Masks.Spe;

/// <summary>Options of <see cref="MaskStore"/>.</summary>
/// <param name="Missing">Missing-map policy; default error.</param>
/// <param name="ShapeMismatch">Shape-mismatch policy; default error.</param>
/// <param name="MaxTrim">The most rows/columns <see cref="ShapeMismatchPolicy.TrimToImage"/> may remove (see <see cref="DefaultMaxTrim"/>).</param>
public sealed record MaskStoreOptions(
    MissingMaskPolicy Missing = MissingMaskPolicy.Error,
    ShapeMismatchPolicy ShapeMismatch = ShapeMismatchPolicy.Error,
    int MaxTrim = MaskStoreOptions.DefaultMaxTrim)
{
    /// <summary>
    /// The most rows or columns <see cref="ShapeMismatchPolicy.TrimToImage"/> may remove: cropping an image to a
    /// multiple of the scale removes at most scale − 1 (7 at x8); a larger difference means the map belongs to
    /// another image and is an error. Pass scale − 1 for the exact bound.
    /// </summary>
    public const int DefaultMaxTrim = 7;


    /// <summary>Strict defaults: every image must have a map of exactly its shape.</summary>
    public static MaskStoreOptions Strict { get; } = new();

    /// <summary>The official packer's tolerance: zeros for missing maps, bilinear resize on mismatch.</summary>
    public static MaskStoreOptions OfficialPacker { get; } = new(MissingMaskPolicy.UseZeros, ShapeMismatchPolicy.ResizeBilinear);
}
