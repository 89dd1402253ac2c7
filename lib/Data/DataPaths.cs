namespace SamDiffSR.Data;

/// <summary>
/// Locates the repository's embedded data (<c>data/benchmarks/Set5</c>, <c>Set14</c>, <c>data/train/T91</c>):
/// the environment variable <c>SAMDIFFSR_DATA</c> (the <c>data</c> folder itself) wins; otherwise the folders above
/// <see cref="AppContext.BaseDirectory"/> and above the current directory are searched for <c>SamDiffSR.Lib.csproj</c>,
/// and its <c>data</c> sibling is used.
/// </summary>
public static class DataPaths
{
    /// <summary>Name of the environment variable that points at the data folder.</summary>
    public const string EnvironmentVariable = "SAMDIFFSR_DATA";

    /// <summary>The data folder (absolute).</summary>
    /// <exception cref="DirectoryNotFoundException">Neither the variable nor a repository checkout was found.</exception>
    public static string DataRoot()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!Directory.Exists(env))
                throw new DirectoryNotFoundException($"{EnvironmentVariable}='{env}' is not a folder. Point it at the repository's data folder, or unset it.");
            return Path.GetFullPath(env);
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "SamDiffSR.Lib.csproj")) && Directory.Exists(Path.Combine(d.FullName, "data")))
                    return Path.Combine(d.FullName, "data");
        }
        throw new DirectoryNotFoundException($"the SamDiffSR data folder was not found above '{AppContext.BaseDirectory}' or the current directory. Run from inside the repository, or set {EnvironmentVariable} to its data folder.");
    }

    /// <summary><c>data/benchmarks/Set5</c> (5 RGB images).</summary>
    public static string Set5 => Path.Combine(DataRoot(), "benchmarks", "Set5");

    /// <summary><c>data/benchmarks/Set14</c> (14 images; <c>bridge.png</c> is gray).</summary>
    public static string Set14 => Path.Combine(DataRoot(), "benchmarks", "Set14");

    /// <summary><c>data/train/T91</c> (91 training images).</summary>
    public static string T91 => Path.Combine(DataRoot(), "train", "T91");

    /// <summary>Opens an embedded set by name ("Set5", "Set14" or "T91") with checksum verification.</summary>
    public static ImageFolder OpenEmbedded(string name) => name switch
    {
        "Set5" => ImageFolder.Open(Set5),
        "Set14" => ImageFolder.Open(Set14),
        "T91" => ImageFolder.Open(T91),
        _ => throw new ArgumentException($"unknown embedded set '{name}'; choose Set5, Set14 or T91"),
    };

    /// <summary>
    /// Copies the first <paramref name="count"/> images (in file-name order) of an embedded set into
    /// <paramref name="destination"/> (created), without its SHA256SUMS: a subset is a user folder. Used by notebooks
    /// and the quickstart for small training sets. Returns <paramref name="destination"/>.
    /// </summary>
    /// <param name="name">"Set5", "Set14" or "T91".</param>
    /// <param name="destination">Folder to copy into; existing files of the same name are overwritten.</param>
    /// <param name="count">How many images (at most the set's size).</param>
    public static string CopySubset(string name, string destination, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var files = OpenEmbedded(name).Files;
        if (count > files.Count) throw new ArgumentOutOfRangeException(nameof(count), $"{name} has {files.Count} images, asked for {count}");
        Directory.CreateDirectory(destination);
        foreach (var f in files.Take(count)) File.Copy(f, Path.Combine(destination, Path.GetFileName(f)), overwrite: true);
        return destination;
    }
}
