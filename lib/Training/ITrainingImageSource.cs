using SamDiffSR.Data;
using SamDiffSR.Masks;

namespace SamDiffSR.Training;

/// <summary>
/// Random access to prepared training images (HR modcropped to the scale, its LR, LR-up and SPE map) by window, so
/// that a batch can be cut without holding the images in memory. Implementations must be safe for concurrent reads
/// (the prefetching loader calls them from several threads). Coordinates are HR pixels unless stated otherwise.
/// </summary>
public interface ITrainingImageSource
{
    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>SR scale s: HR sides are multiples of it.</summary>
    int Scale { get; }

    /// <summary>File name of image <paramref name="index"/>.</summary>
    string Name(int index);

    /// <summary>HR (modcropped) height and width of image <paramref name="index"/>.</summary>
    (int Height, int Width) Size(int index);

    /// <summary>True when the image has an SPE map.</summary>
    bool HasMask(int index);

    /// <summary>HR RGB window rows [top, top+height), columns [left, left+width).</summary>
    ImageU8 HrCrop(int index, int top, int left, int height, int width);

    /// <summary>LR RGB window in LR pixel coordinates.</summary>
    ImageU8 LrCrop(int index, int top, int left, int height, int width);

    /// <summary>
    /// The window of the whole image's LR-up (HR coordinates, multiples of the scale), bit for bit what
    /// cropping the LR-up of the whole LR image gives.
    /// </summary>
    ImageF64 LrUpCrop(int index, int top, int left, int height, int width);

    /// <summary>SPE window (throws when the image has no map).</summary>
    SpeMap MaskCrop(int index, int top, int left, int height, int width);
}

/// <summary>Images prepared in memory (<see cref="SrPatchDataset"/>): whole-image LR-up is precomputed and cropped.</summary>
public sealed class InMemoryImageSource(IReadOnlyList<SrTrainingImage> images, int scale) : ITrainingImageSource
{
    public int Count => images.Count;
    public int Scale => scale;
    public string Name(int index) => images[index].Name;
    public (int Height, int Width) Size(int index) => (images[index].Hr.Height, images[index].Hr.Width);
    public bool HasMask(int index) => images[index].Mask is not null;
    public ImageU8 HrCrop(int index, int top, int left, int height, int width) => images[index].Hr.Crop(top, left, height, width);
    public ImageU8 LrCrop(int index, int top, int left, int height, int width) => images[index].Lr.Crop(top, left, height, width);

    public ImageF64 LrUpCrop(int index, int top, int left, int height, int width) => CropF64(images[index].LrUp, top, left, height, width);

    public SpeMap MaskCrop(int index, int top, int left, int height, int width) =>
        (images[index].Mask ?? throw new InvalidDataException($"{images[index].Name}: no SPE map loaded")).Crop(top, left, height, width);

    /// <summary>Window of a float image (all channels).</summary>
    public static ImageF64 CropF64(ImageF64 img, int top, int left, int height, int width)
    {
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > img.Height || left + width > img.Width)
            throw new ArgumentOutOfRangeException(nameof(top), $"crop ({top}, {left}, {height}x{width}) is outside the {img.Height}x{img.Width} image");
        int c = img.Channels;
        var d = new double[height * width * c];
        for (int y = 0; y < height; y++)
            Array.Copy(img.Data, ((top + y) * img.Width + left) * c, d, y * width * c, width * c);
        return new ImageF64(height, width, c, d);
    }
}
