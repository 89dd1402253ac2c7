namespace SamDiffSR.Masks.Spe;

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
