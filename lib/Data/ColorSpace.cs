namespace SamDiffSR.Data;

/// <summary>
/// MATLAB <c>rgb2ycbcr</c> (ITU-R BT.601, studio range), docs/data.md §rgb2ycbcr. For R, G, B in [0, 1]:
/// Y = 16/255 + (65.481 R + 128.553 G + 24.966 B)/255, Cb = 128/255 + (−37.797 R − 74.203 G + 112 B)/255,
/// Cr = 128/255 + (112 R − 93.786 G − 18.214 B)/255. Not OpenCV's full-range YCrCb.
/// A gray (1-channel) image has no chroma; its "Y" is the value itself, as in the literature's evaluation scripts.
/// </summary>
public static class ColorSpace
{
    /// <summary>Y on the 0..255 scale from 8-bit R, G, B: 16 + (65.481 R + 128.553 G + 24.966 B)/255.</summary>
    public static double Y255(double r, double g, double b) => 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;

    /// <summary>
    /// <c>rgb2ycbcr(im2double(I))(:,:,1) * 255</c>: Y in double on the 0..255 scale (range [16, 235]); a gray image gives
    /// <c>im2double(I) * 255</c>, i.e. its own values. Result has 1 channel.
    /// </summary>
    public static ImageF64 YDouble(ImageU8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int n = image.Height * image.Width;
        var y = new double[n];
        var d = image.Data;
        if (image.IsGray) for (int i = 0; i < n; i++) y[i] = d[i];
        else for (int i = 0, j = 0; i < n; i++, j += 3) y[i] = Y255(d[j], d[j + 1], d[j + 2]);
        return new ImageF64(image.Height, image.Width, 1, y);
    }

    /// <summary>
    /// <c>rgb2ycbcr(I)(:,:,1)</c> on uint8 I: MATLAB returns uint8, so Y is rounded half away from zero (the SelfExSR
    /// protocol, docs/data.md §SelfExSR values). Gray images are returned as is. Result has 1 channel.
    /// </summary>
    public static ImageU8 YUint8(ImageU8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.IsGray) return image;
        int n = image.Height * image.Width;
        var y = new byte[n];
        var d = image.Data;
        for (int i = 0, j = 0; i < n; i++, j += 3) y[i] = MatlabResize.ToByte(Y255(d[j], d[j + 1], d[j + 2]));
        return new ImageU8(image.Height, image.Width, 1, y);
    }

    /// <summary>
    /// Full <c>rgb2ycbcr</c> on a double image with R, G, B in [0, 1] (3 channels): returns Y, Cb, Cr in [0, 1]
    /// (Y ∈ [16/255, 235/255], Cb, Cr ∈ [16/255, 240/255]).
    /// </summary>
    public static ImageF64 Rgb2Ycbcr(ImageF64 rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Channels != 3) throw new ArgumentException($"rgb2ycbcr needs 3 channels, got {rgb.Channels}");
        var s = rgb.Data;
        var o = new double[s.Length];
        for (int j = 0; j < s.Length; j += 3)
        {
            double r = s[j], g = s[j + 1], b = s[j + 2];
            o[j] = (16.0 + 65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
            o[j + 1] = (128.0 - 37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
            o[j + 2] = (128.0 + 112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
        }
        return new ImageF64(rgb.Height, rgb.Width, 3, o);
    }

    /// <summary>Y of <see cref="Rgb2Ycbcr"/> for a uint8 image, on the [0, 1] scale (pyiqa's <c>rgb2ycbcr</c> Y, unrounded).</summary>
    public static ImageF64 Y01(ImageU8 image)
    {
        var y = YDouble(image);
        for (int i = 0; i < y.Data.Length; i++) y.Data[i] /= 255.0;
        return y;
    }
}
