using SamDiffSR.Data;

namespace SamDiffSR.Training.Packs;

/// <summary>One HR folder of a training set and its ready-made LR folder, if any.</summary>
/// <param name="HrDirectory">Folder of HR images.</param>
/// <param name="LrDirectory">Folder of ready-made LR images (<c>stem</c> + <c>x{s}</c> + extension), or null.</param>
public sealed record HrFolderInput(string HrDirectory, string? LrDirectory);

/// <summary>
/// Recognises the usual SR training layouts: a plain folder of HR images; DIV2K (<c>DIV2K_train_HR/0001.png</c> with
/// <c>DIV2K_train_LR_bicubic/X4/0001x4.png</c>); Flickr2K (<c>Flickr2K_HR/000001.png</c> with
/// <c>Flickr2K_LR_bicubic/X4/000001x4.png</c>); and a root folder holding <c>DIV2K_train_HR</c> and/or
/// <c>Flickr2K_HR</c> (directly or one level down, e.g. <c>Flickr2K/Flickr2K_HR</c>), which is DF2K (DIV2K train first,
/// then Flickr2K; <c>DIV2K_valid_HR</c> is never used for training).
/// </summary>
public static class HrDatasetLayout
{
    /// <summary>HR folder names used for training when a root folder is given, in this order.</summary>
    public static readonly IReadOnlyList<string> TrainingHrFolders = ["DIV2K_train_HR", "Flickr2K_HR"];

    /// <summary>Resolves <paramref name="hrPath"/> into HR folders (with their ready-made X<paramref name="scale"/> LR folders when present).</summary>
    public static IReadOnlyList<HrFolderInput> Resolve(string hrPath, int scale, string? lrOverride = null)
    {
        var full = Path.GetFullPath(hrPath);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"HR folder not found: '{hrPath}'. Pass a folder of HR images, DIV2K_train_HR, Flickr2K_HR or their parent folder.");
        if (HasImages(full))
            return [new HrFolderInput(full, lrOverride is null ? FindLrFolder(full, scale) : Path.GetFullPath(lrOverride))];
        if (lrOverride is not null)
            throw new ArgumentException($"--lr applies to one HR folder, but '{hrPath}' holds no images; pass the HR folder itself");
        var found = new List<HrFolderInput>();
        foreach (var name in TrainingHrFolders)
        {
            var candidates = new[] { Path.Combine(full, name) }
                .Concat(Directory.EnumerateDirectories(full).OrderBy(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, name)));
            var hit = candidates.FirstOrDefault(d => Directory.Exists(d) && HasImages(d));
            if (hit != null) found.Add(new HrFolderInput(hit, FindLrFolder(hit, scale)));
        }
        if (found.Count == 0)
            throw new InvalidDataException($"'{hrPath}' holds no images and no {string.Join(" or ", TrainingHrFolders)} folder; pass a folder of HR images (PNG/JPEG/BMP)");
        return found;
    }

    /// <summary>
    /// The ready-made LR folder of an HR folder named <c>X_HR</c>: <c>X_LR_bicubic/X{scale}</c> beside it, if it exists.
    /// </summary>
    public static string? FindLrFolder(string hrDirectory, int scale)
    {
        var dir = Path.GetFullPath(hrDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var name = Path.GetFileName(dir);
        if (!name.EndsWith("_HR", StringComparison.Ordinal)) return null;
        var parent = Path.GetDirectoryName(dir);
        if (parent is null) return null;
        var lr = Path.Combine(parent, name[..^3] + "_LR_bicubic", $"X{scale}");
        return Directory.Exists(lr) ? lr : null;
    }

    /// <summary>The LR file for an HR file in a ready-made LR folder: <c>stem</c>x<c>s</c> with the HR extension (or .png).</summary>
    public static string? LrFileFor(string lrDirectory, string hrFile, int scale)
    {
        var stem = Path.GetFileNameWithoutExtension(hrFile);
        foreach (var ext in new[] { Path.GetExtension(hrFile), ".png" })
        {
            var p = Path.Combine(lrDirectory, $"{stem}x{scale}{ext}");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static bool HasImages(string dir) => Directory.EnumerateFiles(dir).Any(ImageIO.IsImagePath);
}
