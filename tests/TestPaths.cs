namespace SamDiffSR.Tests;

/// <summary>Locates the repository root (the folder holding SamDiffSR.Lib.csproj) from the test binary.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = Find();

    public static string Data(params string[] parts) => Path.Combine([RepoRoot, "data", .. parts]);

    public static string Reference(string file) => Data("reference", file);

    private static string Find()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "SamDiffSR.Lib.csproj"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
