namespace SamDiffSR.Data;

/// <summary>Small geometric helpers used by the SR protocol.</summary>
public static class ImageOps
{
    /// <summary>
    /// MATLAB <c>modcrop</c>: keep the top-left H − mod(H, s) rows and W − mod(W, s) columns (docs/data.md §Modcrop).
    /// </summary>
    /// <param name="image">HR image.</param>
    /// <param name="scale">SR factor s ≥ 1.</param>
    /// <param name="name">File name for the error message.</param>
    /// <exception cref="ArgumentException">The image is smaller than the scale (nothing would remain).</exception>
    public static ImageU8 Modcrop(ImageU8 image, int scale, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (scale < 1) throw new ArgumentException($"scale must be >= 1, got {scale}");
        int h = image.Height - image.Height % scale, w = image.Width - image.Width % scale;
        if (h == 0 || w == 0)
            throw new ArgumentException($"image {(name is null ? "" : $"'{name}' ")}is {image.Width}x{image.Height}, smaller than the scale {scale}; use a larger image or a smaller --scale");
        return h == image.Height && w == image.Width ? image : image.Crop(0, 0, h, w);
    }

    /// <summary>Removes <paramref name="border"/> pixels from each side (MATLAB <c>shave</c>; rows s+1..H−s, cols s+1..W−s).</summary>
    public static ImageF64 Shave(ImageF64 image, int border)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (border < 0) throw new ArgumentException($"border must be >= 0, got {border}");
        if (border == 0) return image;
        int h = image.Height - 2 * border, w = image.Width - 2 * border, c = image.Channels;
        if (h <= 0 || w <= 0)
            throw new ArgumentException($"cannot shave {border} px from each side of a {image.Width}x{image.Height} image");
        var d = new double[h * w * c];
        for (int y = 0; y < h; y++)
            Array.Copy(image.Data, ((y + border) * image.Width + border) * c, d, y * w * c, w * c);
        return new ImageF64(h, w, c, d);
    }
}
