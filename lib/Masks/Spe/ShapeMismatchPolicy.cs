namespace SamDiffSR.Masks.Spe;

/// <summary>What <see cref="MaskStore"/> does when an SPE map's shape differs from its image's.</summary>
public enum ShapeMismatchPolicy
{
    /// <summary>Throw <see cref="InvalidDataException"/> naming the file, the expected and found shapes (default).</summary>
    Error,

    /// <summary>
    /// Bilinearly resize the map to the image shape and log it: the official packer's behaviour
    /// (<c>cv2.resize(sam_mask, dsize=(W, H))</c>, INTER_LINEAR; docs/official-code.md §Mask storage with training crops). Blurs segment borders.
    /// </summary>
    ResizeBilinear,

    /// <summary>
    /// Keep the top-left H×W window when the map is at least as large as the image (the image was trimmed to a
    /// multiple of the scale, as the packer does with <c>img[:h - h % s, :w - w % s]</c>); otherwise an error.
    /// Keeps the pixels aligned, unlike <see cref="ResizeBilinear"/>.
    /// </summary>
    TrimToImage,
}
