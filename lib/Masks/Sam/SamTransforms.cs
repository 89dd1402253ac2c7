namespace SamDiffSR.Masks.Sam;

/// <summary>
/// SAM's geometric pre- and post-processing (segment-anything <c>utils/transforms.py</c> <c>ResizeLongestSide</c> and
/// <c>modeling/sam.py</c> <c>postprocess_masks</c>), written from their documented behaviour.
/// </summary>
public static class SamTransforms
{
    /// <summary>
    /// Size after resizing so the longest side is <paramref name="longestSide"/>
    /// (<c>ResizeLongestSide.get_preprocess_shape</c>): scale = L / max(H, W), new side = int(side·scale + 0.5).
    /// </summary>
    public static (int Height, int Width) PreprocessShape(int height, int width, int longestSide)
    {
        double scale = longestSide * 1.0 / Math.Max(height, width);
        return ((int)(height * scale + 0.5), (int)(width * scale + 0.5));
    }

    /// <summary>
    /// Maps pixel coordinates of the original image to the resized frame (<c>ResizeLongestSide.apply_coords</c>):
    /// x·(W'/W), y·(H'/H).
    /// </summary>
    public static (double X, double Y) ApplyCoords((double X, double Y) p, int height, int width, int longestSide)
    {
        var (nh, nw) = PreprocessShape(height, width, longestSide);
        return (p.X * ((double)nw / width), p.Y * ((double)nh / height));
    }

    /// <summary>
    /// Resizes an RGB uint8 image (HWC) the way SAM's <c>ResizeLongestSide.apply_image</c> does: it calls torchvision's
    /// <c>resize</c> on a PIL image, i.e. Pillow's <c>Image.resize(..., BILINEAR)</c>. Implemented here from Pillow's
    /// resampling scheme (libImaging/Resample.c): separable, horizontal pass first, then vertical; for output index i
    /// the source centre is (i + 0.5)·s with s = in/out; the triangle filter 1 − |x| is widened by max(s, 1) (so
    /// downscaling is antialiased: every source pixel within the support contributes); taps run from
    /// int(centre − support + 0.5) to int(centre + support + 0.5) clipped to the image, with weight
    /// tri((j − centre + 0.5)/max(s, 1)) normalised to sum 1; weights are rounded to 22-bit fixed point, sums start at
    /// 2^21 (round half up) and are clamped to 0..255; the intermediate image is uint8.
    /// Checked against Pillow 9.4 on small images (see the tests).
    /// </summary>
    public static byte[] ResizeBilinearPil(byte[] hwc, int height, int width, int newHeight, int newWidth, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(hwc);
        if (hwc.LongLength != (long)height * width * channels)
            throw new ArgumentException($"image buffer has {hwc.LongLength} bytes, expected {height}·{width}·{channels}", nameof(hwc));
        if (newHeight <= 0 || newWidth <= 0) throw new ArgumentException($"target size {newHeight}×{newWidth} is not positive");
        byte[] cur = hwc;
        int curW = width;
        if (newWidth != width)
        {
            var (bounds, coeffs, ksize) = Coefficients(width, newWidth);
            var tmp = new byte[(long)height * newWidth * channels];
            for (int y = 0; y < height; y++)
            {
                long rowIn = (long)y * width * channels, rowOut = (long)y * newWidth * channels;
                for (int x = 0; x < newWidth; x++)
                {
                    int xmin = bounds[2 * x], n = bounds[2 * x + 1];
                    for (int c = 0; c < channels; c++)
                    {
                        long ss = 1 << (Precision - 1);
                        for (int t = 0; t < n; t++) ss += cur[rowIn + (long)(xmin + t) * channels + c] * (long)coeffs[x * ksize + t];
                        tmp[rowOut + (long)x * channels + c] = Clip8(ss);
                    }
                }
            }
            cur = tmp;
            curW = newWidth;
        }
        if (newHeight != height)
        {
            var (bounds, coeffs, ksize) = Coefficients(height, newHeight);
            var tmp = new byte[(long)newHeight * curW * channels];
            long stride = (long)curW * channels;
            for (int y = 0; y < newHeight; y++)
            {
                int ymin = bounds[2 * y], n = bounds[2 * y + 1];
                for (long i = 0; i < stride; i++)
                {
                    long ss = 1 << (Precision - 1);
                    for (int t = 0; t < n; t++) ss += cur[(ymin + t) * stride + i] * (long)coeffs[y * ksize + t];
                    tmp[y * stride + i] = Clip8(ss);
                }
            }
            cur = tmp;
        }
        return ReferenceEquals(cur, hwc) ? (byte[])hwc.Clone() : cur;
    }

    private const int Precision = 22; // Pillow: PRECISION_BITS = 32 − 8 − 2

    private static byte Clip8(long ss)
    {
        long v = ss >> Precision;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    private static (int[] Bounds, int[] Coeffs, int KSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale; // bilinear filter support 1
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[2 * outSize];
        var coeffs = new int[outSize * ksize];
        var k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = (int)(center - support + 0.5); // C cast truncates toward zero
            if (xmin < 0) xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++)
            {
                double t = Math.Abs((x + xmin - center + 0.5) * ss);
                double wgt = t < 1.0 ? 1.0 - t : 0.0;
                k[x] = wgt;
                ww += wgt;
            }
            for (int x = 0; x < xmax; x++)
            {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                coeffs[xx * ksize + x] = v < 0 ? (int)(-0.5 + v * (1 << Precision)) : (int)(0.5 + v * (1 << Precision));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return (bounds, coeffs, ksize);
    }

    /// <summary>
    /// SAM's <c>postprocess_masks</c> for one low-resolution logit map (typically 256×256): bilinear upsampling to
    /// <paramref name="inputSize"/>×<paramref name="inputSize"/> (torch <c>F.interpolate</c>, align_corners=False, no
    /// antialias), crop to the resized image <paramref name="resizedHeight"/>×<paramref name="resizedWidth"/>, then
    /// bilinear resize to the original <paramref name="height"/>×<paramref name="width"/>. Only the cropped part of the
    /// intermediate map is computed. Arithmetic is float32 like torch's CPU kernel (bit-identical results are not
    /// guaranteed).
    /// </summary>
    public static float[] PostprocessLowResMask(float[] lowRes, int lowResHeight, int lowResWidth, int inputSize,
        int resizedHeight, int resizedWidth, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(lowRes);
        if (lowRes.Length != lowResHeight * lowResWidth)
            throw new ArgumentException($"low-res mask has {lowRes.Length} values, expected {lowResHeight}×{lowResWidth}", nameof(lowRes));
        // Stage 1: upsample to inputSize², keeping only rows < resizedHeight and columns < resizedWidth.
        var mid = Bilinear(lowRes, lowResHeight, lowResWidth, inputSize, inputSize, resizedHeight, resizedWidth);
        // Stage 2: resize the crop to the original size.
        return Bilinear(mid, resizedHeight, resizedWidth, height, width, height, width);
    }

    /// <summary>
    /// torch bilinear interpolation (align_corners=False) from inH×inW to outH×outW, returning only the top-left
    /// keepH×keepW block of the output.
    /// </summary>
    internal static float[] Bilinear(float[] src, int inH, int inW, int outH, int outW, int keepH, int keepW)
    {
        var (y0, y1, ly) = Taps(inH, outH, keepH);
        var (x0, x1, lx) = Taps(inW, outW, keepW);
        var dst = new float[keepH * keepW];
        for (int r = 0; r < keepH; r++)
        {
            float l1 = ly[r], l0 = 1f - l1;
            int a = y0[r] * inW, b = y1[r] * inW;
            for (int c = 0; c < keepW; c++)
            {
                float w1 = lx[c], w0 = 1f - w1;
                dst[r * keepW + c] = l0 * (w0 * src[a + x0[c]] + w1 * src[a + x1[c]])
                                   + l1 * (w0 * src[b + x0[c]] + w1 * src[b + x1[c]]);
            }
        }
        return dst;
    }

    private static (int[] I0, int[] I1, float[] Lambda) Taps(int inSize, int outSize, int keep)
    {
        float scale = (float)inSize / outSize;
        var i0 = new int[keep];
        var i1 = new int[keep];
        var lambda = new float[keep];
        for (int d = 0; d < keep; d++)
        {
            float src = scale * (d + 0.5f) - 0.5f;
            if (src < 0) src = 0;
            int i = (int)src;
            if (i > inSize - 1) i = inSize - 1;
            i0[d] = i;
            i1[d] = i < inSize - 1 ? i + 1 : i;
            lambda[d] = src - i;
        }
        return (i0, i1, lambda);
    }
}
