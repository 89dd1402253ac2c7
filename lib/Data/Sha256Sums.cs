using System.Security.Cryptography;

namespace SamDiffSR.Data;

/// <summary>
/// Reads and checks a <c>SHA256SUMS</c> file in the format of GNU <c>sha256sum</c> ("&lt;64 hex&gt;  &lt;name&gt;", or
/// "&lt;hex&gt; *&lt;name&gt;" for binary mode), one file per line, names relative to the folder.
/// </summary>
public static class Sha256Sums
{
    /// <summary>The checksum file name looked for in a data folder.</summary>
    public const string FileName = "SHA256SUMS";

    /// <summary>Parses a SHA256SUMS file into name → lowercase hex digest.</summary>
    /// <exception cref="InvalidDataException">A line is not in sha256sum format.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string sumsPath)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var raw in File.ReadLines(sumsPath))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int sp = line.IndexOf(' ');
            if (sp != 64 || line.Length < 67 || (line[65] != ' ' && line[65] != '*') || !IsHex(line.AsSpan(0, 64)))
                throw new InvalidDataException($"{sumsPath}:{lineNo} is not a sha256sum line ('<64 hex>  <file>'); regenerate it with 'sha256sum *.png > SHA256SUMS' or delete it for a user-supplied set.");
            map[line[66..]] = line[..64].ToLowerInvariant();
        }
        return map;
    }

    /// <summary>SHA-256 of a file as lowercase hex.</summary>
    public static string HashFile(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary>
    /// Verifies every file listed in <c>&lt;folder&gt;/SHA256SUMS</c>. Returns false when the folder has no SHA256SUMS
    /// (user-supplied sets need none).
    /// </summary>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    /// <exception cref="InvalidDataException">A listed file's content differs from its checksum.</exception>
    public static bool Verify(string folder)
    {
        var sums = Path.Combine(folder, FileName);
        if (!File.Exists(sums)) return false;
        foreach (var (name, expected) in Parse(sums))
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{path}' is listed in {sums} but missing. Re-copy it from its source (embedded sets: 'git checkout -- data/'), or delete SHA256SUMS for a user-supplied set.", path);
            var actual = HashFile(path);
            if (actual != expected)
                throw new InvalidDataException($"'{path}' does not match its checksum in {sums} (sha256 {actual[..16]}…, expected {expected[..16]}…): the file was altered. Re-copy it from its source (embedded sets: 'git checkout -- data/'), or delete SHA256SUMS for a user-supplied set.");
        }
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var ch in s) if (!char.IsAsciiHexDigit(ch)) return false;
        return true;
    }
}
