using TorchSharp;

namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// A plain image for the perceptual metrics: interleaved H×W×C float32 samples in [0, 1] (row-major, channel last,
/// RGB order for C = 3). Deliberately independent of the project's image-IO types so that any loader can feed it
/// (<see cref="FromHwc(float[], int, int, int)"/>, <see cref="FromBytes"/>, <see cref="FromTensor"/>).
/// The sample array is copied on construction and never exposed mutably.
/// </summary>
public sealed class PerceptualImage
{
    private readonly float[] _data;

    private PerceptualImage(float[] data, int height, int width, int channels)
    {
        _data = data;
        Height = height;
        Width = width;
        Channels = channels;
    }

    /// <summary>Height H in pixels.</summary>
    public int Height { get; }

    /// <summary>Width W in pixels.</summary>
    public int Width { get; }

    /// <summary>Channel count C (1 or 3 for the metrics here).</summary>
    public int Channels { get; }

    /// <summary>The H×W×C samples, [0, 1], channel last.</summary>
    public ReadOnlySpan<float> Data => _data;

    /// <summary>Sample at row <paramref name="y"/>, column <paramref name="x"/>, channel <paramref name="c"/>.</summary>
    public float this[int y, int x, int c] => _data[((y * Width) + x) * Channels + c];

    /// <summary>Wraps a copy of H×W×C float samples in [0, 1].</summary>
    /// <exception cref="ArgumentException">Length is not H·W·C, a dimension is not positive, or a sample is not finite.</exception>
    public static PerceptualImage FromHwc(float[] hwc, int height, int width, int channels)
    {
        ArgumentNullException.ThrowIfNull(hwc);
        Validate(hwc.Length, height, width, channels);
        for (var i = 0; i < hwc.Length; i++)
            if (!float.IsFinite(hwc[i]))
                throw new ArgumentException($"Image sample {i} is {hwc[i]}; images must hold finite values in [0, 1].", nameof(hwc));
        return new PerceptualImage((float[])hwc.Clone(), height, width, channels);
    }

    /// <summary>Wraps H×W×C double samples in [0, 1] (converted to float32).</summary>
    public static PerceptualImage FromHwc(double[] hwc, int height, int width, int channels)
    {
        ArgumentNullException.ThrowIfNull(hwc);
        Validate(hwc.Length, height, width, channels);
        var f = new float[hwc.Length];
        for (var i = 0; i < f.Length; i++)
        {
            if (!double.IsFinite(hwc[i]))
                throw new ArgumentException($"Image sample {i} is {hwc[i]}; images must hold finite values in [0, 1].", nameof(hwc));
            f[i] = (float)hwc[i];
        }
        return new PerceptualImage(f, height, width, channels);
    }

    /// <summary>Wraps H×W×C uint8 samples (0..255), mapped to [0, 1] by v / 255.</summary>
    public static PerceptualImage FromBytes(byte[] hwc, int height, int width, int channels)
    {
        ArgumentNullException.ThrowIfNull(hwc);
        Validate(hwc.Length, height, width, channels);
        var f = new float[hwc.Length];
        for (var i = 0; i < f.Length; i++) f[i] = hwc[i] / 255f;
        return new PerceptualImage(f, height, width, channels);
    }

    /// <summary>
    /// Converts a TorchSharp tensor in [0, 1]: shape (C, H, W) or (1, C, H, W) (channel first, the TorchSharp
    /// convention), any floating dtype, any device (copied to CPU float32).
    /// </summary>
    public static PerceptualImage FromTensor(torch.Tensor chw)
    {
        ArgumentNullException.ThrowIfNull(chw);
        using var scope = torch.NewDisposeScope();
        var t = chw;
        if (t.dim() == 4)
        {
            if (t.shape[0] != 1)
                throw new ArgumentException($"Expected one image (1, C, H, W); got shape [{string.Join(", ", t.shape)}]. Index the batch first.", nameof(chw));
            t = t.squeeze(0);
        }
        if (t.dim() != 3)
            throw new ArgumentException($"Expected an image tensor (C, H, W) or (1, C, H, W); got shape [{string.Join(", ", t.shape)}].", nameof(chw));
        var c = (int)t.shape[0];
        var h = (int)t.shape[1];
        var w = (int)t.shape[2];
        var hwc = t.detach().to(torch.float32).cpu().permute(1, 2, 0).contiguous().data<float>().ToArray();
        return FromHwc(hwc, h, w, c);
    }

    /// <summary>One channel as an H×W plane (copy).</summary>
    public float[] Plane(int channel)
    {
        if ((uint)channel >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(channel));
        var p = new float[Height * Width];
        for (var i = 0; i < p.Length; i++) p[i] = _data[i * Channels + channel];
        return p;
    }

    /// <summary>Builds an image from C planes of H×W each (no copy of <paramref name="planes"/> retained).</summary>
    public static PerceptualImage FromPlanes(IReadOnlyList<float[]> planes, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(planes);
        var c = planes.Count;
        Validate(height * width * c, height, width, c);
        var d = new float[height * width * c];
        for (var k = 0; k < c; k++)
        {
            if (planes[k].Length != height * width)
                throw new ArgumentException($"Plane {k} has {planes[k].Length} samples; expected {height}×{width}.", nameof(planes));
            for (var i = 0; i < height * width; i++) d[i * c + k] = planes[k][i];
        }
        return new PerceptualImage(d, height, width, c);
    }

    /// <summary>A crop [top, top+h) × [left, left+w) (copy).</summary>
    public PerceptualImage Crop(int top, int left, int height, int width)
    {
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > Height || left + width > Width)
            throw new ArgumentOutOfRangeException(nameof(top), $"Crop ({top},{left},{height}×{width}) is outside the {Height}×{Width} image.");
        var d = new float[height * width * Channels];
        for (var y = 0; y < height; y++)
            Array.Copy(_data, ((top + y) * Width + left) * Channels, d, y * width * Channels, width * Channels);
        return new PerceptualImage(d, height, width, Channels);
    }

    private static void Validate(int length, int height, int width, int channels)
    {
        if (height <= 0 || width <= 0 || channels <= 0)
            throw new ArgumentException($"Image dimensions must be positive; got H={height}, W={width}, C={channels}.");
        if ((long)height * width * channels != length)
            throw new ArgumentException($"Image buffer holds {length} samples but H×W×C = {height}×{width}×{channels} = {(long)height * width * channels}.");
    }
}
