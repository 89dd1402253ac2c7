namespace SamDiffSR.Data;

/// <summary>Limits applied when decoding an image file, so that an untrusted file cannot exhaust memory.</summary>
/// <param name="MaxPixels">Largest accepted Width·Height (checked from the header before decoding). Default 64 megapixels
/// (8192 × 8192; the largest DIV2K/Flickr2K image is about 4 megapixels).</param>
public sealed record ImageLoadOptions(long MaxPixels = ImageLoadOptions.DefaultMaxPixels)
{
    /// <summary>64 · 1024 · 1024 pixels.</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    private static readonly ImageLoadOptions BuiltIn = new();
    private static readonly AsyncLocal<ImageLoadOptions?> Override = new();

    /// <summary>
    /// The options used when a caller passes none: the built-in defaults, or what <see cref="UseDefault"/> set for the
    /// current logical call (the CLI's <c>--max-pixels</c>; an async-local value, so parallel callers do not see it).
    /// </summary>
    public static ImageLoadOptions Default => Override.Value ?? BuiltIn;

    /// <summary>Sets <see cref="Default"/> for the current logical call until the returned object is disposed.</summary>
    public static IDisposable UseDefault(ImageLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxPixels < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxPixels must be >= 1, got {options.MaxPixels}");
        var previous = Override.Value;
        Override.Value = options;
        return new Restore(previous);
    }

    private sealed class Restore(ImageLoadOptions? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
