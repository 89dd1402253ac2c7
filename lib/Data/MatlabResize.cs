namespace SamDiffSR.Data;

/// <summary>
/// MATLAB-compatible <c>imresize(I, scale, 'bicubic')</c> (antialiasing on), exactly as docs/data.md §Bicubic degradation:
/// Keys cubic (a = −0.5), antialiased kernel when downscaling, output length ceil(N·scale), MATLAB's coordinate map,
/// clamped borders, dimensions processed in order of increasing scale (rows first on ties) and, for uint8 input,
/// every 1-D pass rounded back to uint8 (half away from zero, saturated). The float64 path keeps values unrounded
/// and unclipped. Verified bit-exact against the MATLAB LR checksums of docs/data.md §Checksums (tests/Data).
/// </summary>
public static class MatlabResize
{
    /// <summary>
    /// Output length ceil(n·scale). A product within 1e-9 (relative) of an integer is taken as that integer, so that a
    /// scale such as 0.1 cannot add a spurious row through floating-point error (for 1/2, 1/3, 1/4 on multiples of the
    /// factor this is identical to MATLAB).
    /// </summary>
    public static int OutputLength(int n, double scale)
    {
        double v = n * scale, r = Math.Round(v);
        double len = Math.Abs(v - r) <= 1e-9 * Math.Max(1.0, r) ? r : Math.Ceiling(v);
        if (len < 1 || len > int.MaxValue) throw new ArgumentException($"resizing length {n} by {scale} gives {len} samples; choose a scale that keeps at least one pixel");
        return (int)len;
    }

    /// <summary><c>imresize(I, scale, 'bicubic')</c> on uint8 (gray or RGB); each 1-D pass is rounded to uint8.</summary>
    public static ImageU8 Imresize(ImageU8 image, double scale, ImresizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Imresize(image, OutputLength(image.Height, scale), OutputLength(image.Width, scale), scale, scale, options);
    }

    /// <summary><c>imresize(I, [outHeight outWidth], 'bicubic')</c> on uint8: per-dimension scale = out/in.</summary>
    public static ImageU8 Imresize(ImageU8 image, int outHeight, int outWidth, ImresizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Imresize(image, outHeight, outWidth, (double)outHeight / image.Height, (double)outWidth / image.Width, options);
    }

    /// <summary><c>imresize(I, scale, 'bicubic')</c> on float64 input: no rounding, no clipping.</summary>
    public static ImageF64 Imresize(ImageF64 image, double scale, ImresizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Imresize(image, OutputLength(image.Height, scale), OutputLength(image.Width, scale), scale, scale, options);
    }

    /// <summary><c>imresize(I, [outHeight outWidth], 'bicubic')</c> on float64 input.</summary>
    public static ImageF64 Imresize(ImageF64 image, int outHeight, int outWidth, ImresizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Imresize(image, outHeight, outWidth, (double)outHeight / image.Height, (double)outWidth / image.Width, options);
    }

    /// <summary>LR = <c>imresize(HR, 1/factor, 'bicubic')</c> (the literature's BI degradation; modcrop first).</summary>
    public static ImageU8 Downscale(ImageU8 hr, int factor, ImresizeOptions? options = null)
    {
        if (factor < 1) throw new ArgumentException($"downscale factor must be >= 1, got {factor}");
        return Imresize(hr, 1.0 / factor, options);
    }

    /// <summary>Bicubic upscaling <c>imresize(LR, factor, 'bicubic')</c>.</summary>
    public static ImageU8 Upscale(ImageU8 lr, int factor, ImresizeOptions? options = null)
    {
        if (factor < 1) throw new ArgumentException($"upscale factor must be >= 1, got {factor}");
        return Imresize(lr, factor, options);
    }

    private static ImageU8 Imresize(ImageU8 img, int outH, int outW, double scaleH, double scaleW, ImresizeOptions? options)
    {
        options ??= ImresizeOptions.Matlab;
        var src = new double[img.Data.Length];
        for (int i = 0; i < src.Length; i++) src[i] = img.Data[i];
        var r = Resize2D(src, img.Height, img.Width, img.Channels, outH, outW, scaleH, scaleW, options, roundEachPass: true);
        var dst = new byte[r.Length];
        for (int i = 0; i < r.Length; i++) dst[i] = (byte)r[i]; // already rounded and saturated
        return new ImageU8(outH, outW, img.Channels, dst);
    }

    private static ImageF64 Imresize(ImageF64 img, int outH, int outW, double scaleH, double scaleW, ImresizeOptions? options)
    {
        options ??= ImresizeOptions.Matlab;
        var r = Resize2D(img.Data, img.Height, img.Width, img.Channels, outH, outW, scaleH, scaleW, options, roundEachPass: false);
        return new ImageF64(outH, outW, img.Channels, r);
    }

    // Step 7: the dimension with the smaller scale first, rows (dim 1) first on ties. A column pass is done as a row
    // pass on the transposed image, so both passes are contiguous multiply-adds; the per-sample sum still runs over the
    // taps in order, so the result is the same as a direct column pass.
    private static double[] Resize2D(double[] src, int h, int w, int c, int outH, int outW, double scaleH, double scaleW,
                                     ImresizeOptions options, bool roundEachPass)
    {
        var wh = ResizeWeights.Create(h, outH, scaleH, options.Border);
        var ww = ResizeWeights.Create(w, outW, scaleW, options.Border);
        if (scaleH <= scaleW)
        {
            var a = RowsPass(src, w * c, wh);                       // outH x w x c
            if (roundEachPass) RoundInPlace(a, options.Rounding);
            var t = Transpose(a, outH, w, c);                       // w x outH x c
            var b = RowsPass(t, outH * c, ww);                      // outW x outH x c
            if (roundEachPass) RoundInPlace(b, options.Rounding);
            return Transpose(b, outW, outH, c);
        }
        else
        {
            var t = Transpose(src, h, w, c);                        // w x h x c
            var a = RowsPass(t, h * c, ww);                         // outW x h x c
            if (roundEachPass) RoundInPlace(a, options.Rounding);
            var b = RowsPass(Transpose(a, outW, h, c), outW * c, wh); // outH x outW x c
            if (roundEachPass) RoundInPlace(b, options.Rounding);
            return b;
        }
    }

    // out[i, :] = Σ_k w[i,k] · in[idx[i,k], :] over rows of length rowLen.
    private static double[] RowsPass(double[] src, int rowLen, ResizeWeights rw)
    {
        int taps = rw.Taps;
        var dst = new double[rw.OutLength * rowLen];
        for (int i = 0; i < rw.OutLength; i++)
        {
            var o = new Span<double>(dst, i * rowLen, rowLen);
            for (int k = 0; k < taps; k++)
                VectorMath.Axpy(o, new ReadOnlySpan<double>(src, rw.Indices[i * taps + k] * rowLen, rowLen), rw.Weights[i * taps + k]);
        }
        return dst;
    }

    // (rows x cols x c) -> (cols x rows x c)
    private static double[] Transpose(double[] src, int rows, int cols, int c)
    {
        var dst = new double[src.Length];
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                int s = (y * cols + x) * c, d = (x * rows + y) * c;
                for (int ch = 0; ch < c; ch++) dst[d + ch] = src[s + ch];
            }
        return dst;
    }

    private static void RoundInPlace(double[] a, MidpointRounding rounding)
    {
        for (int i = 0; i < a.Length; i++) a[i] = ToByte(a[i], rounding);
    }

    /// <summary>MATLAB's double → uint8 conversion: round (given midpoint rule) and saturate to 0..255.</summary>
    public static byte ToByte(double v, MidpointRounding rounding = MidpointRounding.AwayFromZero)
    {
        if (!(v > 0)) return 0; // also NaN → 0, as MATLAB
        if (v >= 255) return 255;
        return (byte)Math.Round(v, rounding);
    }
}
