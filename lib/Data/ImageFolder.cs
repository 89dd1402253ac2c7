namespace SamDiffSR.Data;

/// <summary>
/// A folder of images (PNG/JPEG/BMP, case-insensitive extensions, no recursion), enumerated in ordinal file-name order
/// so that every run and every machine sees the same order. When the folder holds a <c>SHA256SUMS</c> file (the
/// embedded sets do) every listed file is verified on open, and an image that is not listed is an error, since it
/// would silently change a benchmark mean. Any folder without SHA256SUMS (user-supplied DIV2K, Urban100, ...) is
/// accepted as it is.
/// </summary>
public sealed class ImageFolder
{
    /// <summary>Absolute folder path.</summary>
    public string Directory { get; }

    /// <summary>The folder's own name (e.g. "Set5"): the set name in reports.</summary>
    public string Name { get; }

    /// <summary>Image files, absolute paths, ordinal order of file names.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>True when a SHA256SUMS file was found and every listed file matched.</summary>
    public bool ChecksumsVerified { get; }

    /// <summary>Decoding limits for <see cref="Load"/>.</summary>
    public ImageLoadOptions LoadOptions { get; }

    private ImageFolder(string dir, IReadOnlyList<string> files, bool verified, ImageLoadOptions options)
    {
        Directory = dir;
        Name = Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        Files = files; ChecksumsVerified = verified; LoadOptions = options;
    }

    /// <summary>Opens a folder of images.</summary>
    /// <param name="directory">Folder path.</param>
    /// <param name="verifyChecksums">Check SHA256SUMS when present (default true).</param>
    /// <param name="options">Decoding limits.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder has no images, a checksum fails, or an image is not listed.</exception>
    /// <exception cref="FileNotFoundException">A file listed in SHA256SUMS is missing.</exception>
    public static ImageFolder Open(string directory, bool verifyChecksums = true, ImageLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var dir = Path.GetFullPath(directory);
        if (File.Exists(dir))
            throw new DirectoryNotFoundException($"'{directory}' is a file, not a folder: pass the folder of PNG/JPEG/BMP images that holds it.");
        if (!System.IO.Directory.Exists(dir))
            throw new DirectoryNotFoundException($"image folder not found: '{directory}'. Pass an existing folder of PNG/JPEG/BMP images.");
        var files = System.IO.Directory.EnumerateFiles(dir)
            .Where(ImageIO.IsImagePath)
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"no images (.png, .jpg, .jpeg, .bmp) in '{directory}'. Point to the folder that holds the HR images.");
        bool verified = false;
        if (verifyChecksums)
        {
            verified = Sha256Sums.Verify(dir);
            if (verified)
            {
                var listed = Sha256Sums.Parse(Path.Combine(dir, Sha256Sums.FileName));
                foreach (var f in files)
                    if (!listed.ContainsKey(Path.GetFileName(f)))
                        throw new InvalidDataException($"'{f}' is not listed in {Path.Combine(dir, Sha256Sums.FileName)}. Remove the extra file, or delete SHA256SUMS for a user-supplied set.");
            }
        }
        return new ImageFolder(dir, files, verified, options ?? ImageLoadOptions.Default);
    }

    /// <summary>Number of images.</summary>
    public int Count => Files.Count;

    /// <summary>File name (no folder) of image <paramref name="index"/>.</summary>
    public string FileName(int index) => Path.GetFileName(Files[index]);

    /// <summary>Decodes image <paramref name="index"/> with <see cref="ImageIO.Load"/>.</summary>
    public ImageU8 Load(int index) => ImageIO.Load(Files[index], LoadOptions);

    /// <summary>
    /// Checks every image before any work starts (<see cref="ImageIO.Check"/>: intact container, supported format,
    /// non-empty size within the pixel limit), so that a bad file among good ones fails the command before it writes
    /// anything. Returns the (width, height) of each file, in order. Throws on the first bad file, naming it.
    /// </summary>
    public IReadOnlyList<(int Width, int Height)> CheckAll(int maxImages = int.MaxValue)
    {
        var sizes = new List<(int, int)>();
        foreach (var f in Files.Take(maxImages)) sizes.Add(ImageIO.Check(f, LoadOptions));
        return sizes;
    }

    /// <summary>Decodes the images one at a time, in order, with their file names.</summary>
    public IEnumerable<(string Name, ImageU8 Image)> ReadAll()
    {
        for (int i = 0; i < Files.Count; i++) yield return (FileName(i), Load(i));
    }
}
