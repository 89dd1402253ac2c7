namespace SamDiffSR.Masks;

/// <summary>What <see cref="MaskStore"/> does when an image has no usable SPE map.</summary>
public enum MissingMaskPolicy
{
    /// <summary>Throw <see cref="FileNotFoundException"/> naming the image and the expected .npy path (default).</summary>
    Error,

    /// <summary>
    /// Use an all-zero map and log it. This is what the official packer does silently (data_gen/utils.py
    /// <c>worker_sam</c>: any load failure, including the pickled <c>None</c> saved for images without masks,
    /// falls back to zeros).
    /// </summary>
    UseZeros,
}

/// <summary>What <see cref="MaskStore"/> does when an SPE map's shape differs from its image's.</summary>
public enum ShapeMismatchPolicy
{
    /// <summary>Throw <see cref="InvalidDataException"/> naming the file, the expected and found shapes (default).</summary>
    Error,

    /// <summary>
    /// Bilinearly resize the map to the image shape and log it: the official packer's behaviour
    /// (<c>cv2.resize(sam_mask, dsize=(W, H))</c>, INTER_LINEAR; peers.md §3.5). Blurs segment borders.
    /// </summary>
    ResizeBilinear,

    /// <summary>
    /// Keep the top-left H×W window when the map is at least as large as the image (the image was trimmed to a
    /// multiple of the scale, as the packer does with <c>img[:h - h % s, :w - w % s]</c>); otherwise an error.
    /// Keeps the pixels aligned, unlike <see cref="ResizeBilinear"/>.
    /// </summary>
    TrimToImage,
}

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
