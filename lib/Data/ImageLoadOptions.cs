namespace SamDiffSR.Data;

/// <summary>Limits applied when decoding an image file, so that an untrusted file cannot exhaust memory.</summary>
/// <param name="MaxPixels">Largest accepted Width·Height (checked from the header before decoding). Default 64 megapixels
/// (8192 × 8192; the largest DIV2K/Flickr2K image is about 4 megapixels).</param>
public sealed record ImageLoadOptions(long MaxPixels = ImageLoadOptions.DefaultMaxPixels)
{
    /// <summary>64 · 1024 · 1024 pixels.</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static ImageLoadOptions Default { get; } = new();
}
