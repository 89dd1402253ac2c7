using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Data;

/// <summary>
/// Conversions between <see cref="ImageU8"/>/<see cref="ImageF64"/> (HWC) and TorchSharp float32 tensors (N, C, H, W).
/// Gray images stay 1 channel unless <c>grayToRgb</c> is set, which replicates the value into 3 channels.
/// </summary>
public static class ImageTensors
{
    /// <summary>One image → (1, C, H, W) float32 in the given range.</summary>
    public static Tensor ToTensor(ImageU8 image, TensorRange range = TensorRange.ZeroToOne, bool grayToRgb = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ToTensor([image], range, grayToRgb, device);
    }

    /// <summary>A batch of equally sized images → (N, C, H, W) float32 in the given range.</summary>
    /// <exception cref="ArgumentException">Empty batch, or sizes/channel counts differ.</exception>
    public static Tensor ToTensor(IReadOnlyList<ImageU8> images, TensorRange range = TensorRange.ZeroToOne, bool grayToRgb = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("cannot make a tensor from an empty batch");
        var first = grayToRgb ? images[0].ToRgb() : images[0];
        int h = first.Height, w = first.Width, c = first.Channels, plane = h * w;
        var buf = new float[images.Count * c * plane];
        float mul = range == TensorRange.ZeroToOne ? 1f / 255f : 2f / 255f;
        float add = range == TensorRange.ZeroToOne ? 0f : -1f;
        for (int n = 0; n < images.Count; n++)
        {
            var img = grayToRgb ? images[n].ToRgb() : images[n];
            if (img.Height != h || img.Width != w || img.Channels != c)
                throw new ArgumentException($"batch image {n} is {img.Height}x{img.Width}x{img.Channels}, expected {h}x{w}x{c} (HxWxC) like image 0");
            var d = img.Data;
            int baseN = n * c * plane;
            for (int i = 0; i < plane; i++)
                for (int ch = 0; ch < c; ch++)
                    buf[baseN + ch * plane + i] = (float)(d[i * c + ch] * (double)mul + add);
        }
        var t = torch.tensor(buf, [images.Count, c, h, w], ScalarType.Float32);
        return device is null ? t : MoveTo(t, device);
    }

    /// <summary>
    /// A float64 image → (1, C, H, W) float32: values as is for <see cref="TensorRange.ZeroToOne"/> (the image is taken to
    /// be on the [0, 1] scale already, like torchvision's <c>ToTensor</c> on a float array), 2v − 1 for
    /// <see cref="TensorRange.MinusOneToOne"/>. No clipping.
    /// </summary>
    public static Tensor ToTensor(ImageF64 image, TensorRange range = TensorRange.ZeroToOne, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = image.Height, w = image.Width, c = image.Channels, plane = h * w;
        var buf = new float[c * plane];
        var d = image.Data;
        bool sym = range == TensorRange.MinusOneToOne;
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < c; ch++)
            {
                double v = d[i * c + ch];
                buf[ch * plane + i] = (float)(sym ? 2 * v - 1 : v);
            }
        var t = torch.tensor(buf, [1, c, h, w], ScalarType.Float32);
        return device is null ? t : MoveTo(t, device);
    }

    /// <summary>
    /// (C, H, W) or (1, C, H, W) tensor (C = 1 or 3) → uint8 image: v·255 (or (v + 1)·127.5), rounded half to even
    /// (numpy's <c>np.round</c>, as SAM-DiffSR's <c>tensor2img</c>), clipped to 0..255.
    /// </summary>
    public static ImageU8 ToImage(Tensor tensor, TensorRange range = TensorRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = torch.NewDisposeScope();
        var imgs = ToImages(tensor.dim() == 3 ? tensor.unsqueeze(0) : tensor, range);
        if (imgs.Count != 1) throw new ArgumentException($"expected one image, got a batch of {imgs.Count}; use ToImages");
        return imgs[0];
    }

    /// <summary>(N, C, H, W) tensor (C = 1 or 3) → N uint8 images (see <see cref="ToImage"/>).</summary>
    public static IReadOnlyList<ImageU8> ToImages(Tensor nchw, TensorRange range = TensorRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(nchw);
        if (nchw.dim() != 4) throw new ArgumentException($"expected an (N, C, H, W) tensor, got shape [{string.Join(", ", nchw.shape)}]");
        int n = (int)nchw.shape[0], c = (int)nchw.shape[1], h = (int)nchw.shape[2], w = (int)nchw.shape[3], plane = h * w;
        if (c is not (1 or 3)) throw new ArgumentException($"image tensors need 1 or 3 channels, got {c}");
        float[] data;
        using (var scope = torch.NewDisposeScope())
            data = nchw.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var result = new List<ImageU8>(n);
        bool sym = range == TensorRange.MinusOneToOne;
        for (int b = 0; b < n; b++)
        {
            var px = new byte[plane * c];
            int baseN = b * c * plane;
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < plane; i++)
                {
                    double v = data[baseN + ch * plane + i];
                    double s = sym ? (v + 1.0) * 127.5 : v * 255.0;
                    px[i * c + ch] = MatlabResize.ToByte(s, MidpointRounding.ToEven);
                }
            result.Add(new ImageU8(h, w, c, px));
        }
        return result;
    }

    private static Tensor MoveTo(Tensor t, Device device)
    {
        var moved = t.to(device);
        if (!ReferenceEquals(moved, t)) t.Dispose();
        return moved;
    }
}
