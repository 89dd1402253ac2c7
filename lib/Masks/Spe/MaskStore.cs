using SamDiffSR.Masks.Formats;
namespace SamDiffSR.Masks.Spe;

/// <summary>
/// Pairs training images with their SPE maps, stored as <c>&lt;image stem&gt;.npy</c> in one folder (the official
/// layout <c>data/sam_embed/DF2K/DF2K_train_HR/0001.npy</c> for <c>0001.png</c>; the stem is the file name without
/// its last extension, as the packer's <c>osp.splitext</c>), validates shapes against the image and crops maps with
/// the same HR coordinates as the image patch (<see cref="CropAligned"/>). The official packer's misaligned crop
/// (issue #13) is kept only as <see cref="CropOfficialMisaligned"/> for replication.
/// </summary>
public sealed class MaskStore
{
    private readonly Action<string>? _log;

    /// <summary>Opens a folder of SPE maps. Throws <see cref="DirectoryNotFoundException"/> if it does not exist.</summary>
    /// <param name="directory">Folder holding <c>stem.npy</c> files.</param>
    /// <param name="options">Policies; default <see cref="MaskStoreOptions.Strict"/>.</param>
    /// <param name="log">Receives one line per substitution (zeros, resize, trim).</param>
    public MaskStore(string directory, MaskStoreOptions? options = null, Action<string>? log = null)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException(
                $"{directory}: SPE map folder not found; create it with 'samdiffsr masks encode --amg <SAM json dir> --out {directory}'");
        Directory = directory;
        Options = options ?? MaskStoreOptions.Strict;
        _log = log;
    }

    /// <summary>The folder of .npy maps.</summary>
    public string Directory { get; }

    /// <summary>The policies in use.</summary>
    public MaskStoreOptions Options { get; }

    /// <summary>The .npy path expected for an image: <c>Directory/stem.npy</c>.</summary>
    public string MaskPathFor(string imagePath) =>
        Path.Combine(Directory, Path.GetFileNameWithoutExtension(imagePath) + ".npy");

    /// <summary>The images (of <paramref name="imagePaths"/>) whose .npy file does not exist.</summary>
    public IReadOnlyList<string> FindMissing(IEnumerable<string> imagePaths) =>
        imagePaths.Where(p => !File.Exists(MaskPathFor(p))).ToArray();

    /// <summary>
    /// Loads the SPE map of an image whose (possibly trimmed) size is <paramref name="imageHeight"/>×
    /// <paramref name="imageWidth"/>, applying the missing-map and shape policies.
    /// </summary>
    public SpeMap Load(string imagePath, int imageHeight, int imageWidth)
    {
        string path = MaskPathFor(imagePath);
        if (!File.Exists(path))
        {
            if (Options.Missing == MissingMaskPolicy.UseZeros)
            {
                _log?.Invoke($"masks: no SPE map for {imagePath} (expected {path}); using zeros");
                return SpeMap.Zeros(imageHeight, imageWidth);
            }
            throw new FileNotFoundException(
                $"no SPE map for image {imagePath}: expected {path}. Make the maps of these very images with 'samdiffsr masks generate " +
                "--images <HR folder> --out <masks folder>' (or 'masks encode' from SAM JSON); in code, MissingMaskPolicy.UseZeros substitutes zeros.", path);
        }
        var header = NpyFile.ReadHeader(path);
        if (header.IsObjectArray && Options.Missing == MissingMaskPolicy.UseZeros)
        {
            _log?.Invoke($"masks: {path} holds no map (pickled '{header.Descr}', the official encoder's None for an image without masks); using zeros for {imagePath}");
            return SpeMap.Zeros(imageHeight, imageWidth);
        }
        var map = NpyFile.Read(path);
        RequireFinite(map, path);
        if (map.Height == imageHeight && map.Width == imageWidth) return map;
        switch (Options.ShapeMismatch)
        {
            case ShapeMismatchPolicy.ResizeBilinear:
                _log?.Invoke($"masks: {path} is {map.Height}×{map.Width}, image {imagePath} is {imageHeight}×{imageWidth}; resized bilinearly");
                return map.ResizeBilinear(imageHeight, imageWidth);
            case ShapeMismatchPolicy.TrimToImage when map.Height >= imageHeight && map.Width >= imageWidth
                                                     && map.Height - imageHeight <= Options.MaxTrim && map.Width - imageWidth <= Options.MaxTrim:
                _log?.Invoke($"masks: {path} is {map.Height}×{map.Width}, trimmed to the image's {imageHeight}×{imageWidth}");
                return map.Crop(0, 0, imageHeight, imageWidth);
            default:
                throw new InvalidDataException(
                    $"{path}: SPE map shape ({map.Height}, {map.Width}) does not match image {imagePath} shape ({imageHeight}, {imageWidth}). " +
                    (Options.ShapeMismatch == ShapeMismatchPolicy.TrimToImage
                        ? $"Only the up to {Options.MaxTrim} rows/columns removed by cropping the image to a multiple of the scale may be trimmed; " +
                          "this map belongs to another image or resolution: regenerate the masks from these very images ('samdiffsr masks generate')."
                        : "Encode the masks from SAM output of this very image (full HR resolution), or choose ShapeMismatchPolicy.TrimToImage / ResizeBilinear."));
        }
    }

    /// <summary>Refuses a map holding NaN or ±Infinity, naming the file and the first bad pixel (they would only surface as a NaN loss).</summary>
    public static void RequireFinite(SpeMap map, string path)
    {
        ArgumentNullException.ThrowIfNull(map);
        for (int r = 0; r < map.Height; r++)
            for (int c = 0; c < map.Width; c++)
                if (!float.IsFinite(map[r, c]))
                    throw new InvalidDataException($"{path}: SPE map value at row {r}, column {c} is {map[r, c]}; an SPE map must be finite. " +
                                                   "Regenerate the masks ('samdiffsr masks generate' or 'masks encode').");
    }

    /// <summary>
    /// The SPE patch for an HR image patch at rows [top, top+height), columns [left, left+width): the same window
    /// of the full-resolution map, so each patch pixel gets the SPE value of its own image pixel.
    /// </summary>
    public static SpeMap CropAligned(SpeMap map, int top, int left, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Crop(top, left, height, width);
    }

    /// <summary>
    /// Reproduces the official packer's mask crop (data_gen/utils.py <c>worker_sam</c> plus the dataset's resize;
    /// docs/paper-vs-code.md §Mask crop misalignment, SAM-DiffSR issue #13) — for replication only. For the HR crop at (<paramref name="top"/>,
    /// <paramref name="left"/>) of nominal size <paramref name="cropSize"/> it takes the window
    /// rows [top/s, (top+cropSize)/s), cols [left/s, (left+cropSize)/s) (integer division, clipped to the map like
    /// NumPy slicing) of the FULL-resolution map — LR coordinates applied to the HR map — and bilinearly resizes it
    /// (cv2 INTER_LINEAR) to the HR crop's actual size min(cropSize, H − top) × min(cropSize, W − left) if the
    /// shapes differ. The result is a 4×-magnified piece of the map near (top/s, left/s), not the crop's own region.
    /// </summary>
    /// <param name="map">Full-resolution SPE map of the (trimmed) HR image.</param>
    /// <param name="top">HR crop row (a multiple of the crop size in the packer).</param>
    /// <param name="left">HR crop column.</param>
    /// <param name="cropSize">The packer's crop size (320 in the paper config).</param>
    /// <param name="scale">SR scale s (4).</param>
    public static SpeMap CropOfficialMisaligned(SpeMap map, int top, int left, int cropSize = 320, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (cropSize <= 0 || scale <= 0) throw new ArgumentOutOfRangeException(nameof(cropSize), "crop size and scale must be positive");
        if (top < 0 || left < 0 || top >= map.Height || left >= map.Width)
            throw new ArgumentOutOfRangeException(nameof(top), $"crop origin ({top}, {left}) is outside the {map.Height}×{map.Width} map");
        var (r0, c0, h, w, outH, outW) = OfficialMisalignedWindow(map.Height, map.Width, top, left, cropSize, scale);
        return map.Crop(r0, c0, h, w).ResizeBilinear(outH, outW);
    }

    /// <summary>
    /// The map window (rows [Top, Top+Height), cols [Left, Left+Width)) that <see cref="CropOfficialMisaligned"/> reads
    /// for a map of <paramref name="mapHeight"/>×<paramref name="mapWidth"/>, and the size it is resized to.
    /// </summary>
    public static (int Top, int Left, int Height, int Width, int OutHeight, int OutWidth) OfficialMisalignedWindow(
        int mapHeight, int mapWidth, int top, int left, int cropSize = 320, int scale = 4)
    {
        int r0 = top / scale, r1 = Math.Min((top + cropSize) / scale, mapHeight);
        int c0 = left / scale, c1 = Math.Min((left + cropSize) / scale, mapWidth);
        int outH = Math.Min(cropSize, mapHeight - top), outW = Math.Min(cropSize, mapWidth - left);
        return (r0, c0, r1 - r0, c1 - c0, outH, outW);
    }
}
