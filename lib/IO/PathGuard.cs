using System.Runtime.InteropServices;

namespace SamDiffSR.IO;

/// <summary>
/// Guards for every command that writes: an output folder must not be, contain, or lie inside an input (by any
/// spelling: trailing slash, <c>./</c>, <c>..</c>, a symbolic link, or a bind mount of the same folder), and it must
/// not be a file or lie under a file. Paths are compared twice: as canonical real paths (symbolic links resolved, the
/// kernel's <c>realpath</c>) and by identity (device and inode from <c>stat</c>) of every existing ancestor, which also
/// catches a second mount of the same folder. Each refusal is one line naming the options and the fix.
/// </summary>
public static class PathGuard
{
    /// <summary>An input of a command: its path and the option that named it (e.g. "--hr").</summary>
    public readonly record struct Input(string Path, string Option);

    /// <summary>
    /// Refuses an output folder that is a file, lies under a file, or is, contains or is contained in one of the
    /// inputs. Inputs that do not exist are ignored (their own check reports them).
    /// </summary>
    /// <param name="output">The output folder (need not exist yet).</param>
    /// <param name="outputOption">The option that named it, e.g. "--out".</param>
    /// <param name="inputs">The inputs (folders or files).</param>
    /// <exception cref="IOException">A conflict; the message is one line.</exception>
    public static void EnsureSeparate(string output, string outputOption, params Input[] inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        EnsureFolderPath(output, outputOption);
        var outReal = RealPath(output);
        var outChain = IdentityChain(outReal);          // output and its existing ancestors (identity)
        var outId = Identity(outReal);
        foreach (var input in inputs)
        {
            if (string.IsNullOrWhiteSpace(input.Path) || !Path.Exists(input.Path)) continue;
            var inReal = RealPath(input.Path);
            var inId = Identity(inReal);
            bool same = SameText(outReal, inReal) || (outId is { } a && inId is { } b && a == b);
            if (same)
                throw new IOException($"{outputOption} '{output}' is the same folder as {input.Option} '{input.Path}' ({inReal}); " +
                                      $"writing there would overwrite your inputs. Choose a new folder for {outputOption}.");
            bool outInsideIn = IsUnder(outReal, inReal) || (inId is { } i1 && outChain.Contains(i1));
            if (outInsideIn)
                throw new IOException($"{outputOption} '{output}' lies inside {input.Option} '{input.Path}' ({inReal}); " +
                                      $"outputs there would mix with (or overwrite) your inputs. Choose a folder outside it.");
            bool inInsideOut = IsUnder(inReal, outReal) || (outId is { } o1 && IdentityChain(inReal).Contains(o1));
            if (inInsideOut)
                throw new IOException($"{input.Option} '{input.Path}' lies inside {outputOption} '{output}' ({outReal}); " +
                                      $"writing there could overwrite your inputs. Choose a folder for {outputOption} that does not contain them.");
        }
    }

    /// <summary>
    /// Refuses an output folder path that is an existing file, or whose parent chain holds a file (so the folder
    /// cannot be created). One line naming the option.
    /// </summary>
    public static void EnsureFolderPath(string output, string outputOption)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        var full = Path.GetFullPath(output);
        if (File.Exists(full))
            throw new IOException($"{outputOption} '{output}' is a file; give a folder (new or existing) for the outputs.");
        for (var p = Path.GetDirectoryName(full); p != null; p = Path.GetDirectoryName(p))
            if (File.Exists(p))
                throw new IOException($"{outputOption} '{output}' lies under the file '{p}', so the folder cannot be created; choose another path.");
    }

    /// <summary>
    /// The canonical absolute path: <see cref="Path.GetFullPath(string)"/>, then symbolic links resolved for the longest
    /// existing prefix (the rest, not yet created, is appended). Trailing separators are removed.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Trim(Path.GetFullPath(path));
        var rest = new Stack<string>();
        var existing = full;
        while (!Path.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null) return full;
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }
        var real = ResolveExisting(existing);
        while (rest.Count > 0) real = Path.Combine(real, rest.Pop());
        return Trim(real);
    }

    /// <summary>True when <paramref name="path"/> lies strictly below <paramref name="folder"/> (canonical paths).</summary>
    public static bool IsUnder(string path, string folder)
    {
        var f = Trim(folder);
        var prefix = f.EndsWith(Path.DirectorySeparatorChar) ? f : f + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, Comparison);
    }

    /// <summary>Device and inode of an existing path (symbolic links followed), or null where unavailable.</summary>
    public static (ulong Device, ulong Inode)? Identity(string path)
    {
        if (!OperatingSystem.IsLinux() || !Path.Exists(path)) return null;
        try
        {
            var buf = new byte[256]; // struct stat is 144 bytes on x86-64 and 128 on arm64; dev and ino lead both
            if (stat(path, buf) != 0) return null;
            return (BitConverter.ToUInt64(buf, 0), BitConverter.ToUInt64(buf, 8));
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }

    private static HashSet<(ulong, ulong)> IdentityChain(string real)
    {
        var set = new HashSet<(ulong, ulong)>();
        for (var p = real; p != null; p = Path.GetDirectoryName(p))
            if (Identity(p) is { } id) set.Add(id);
        return set;
    }

    private static string ResolveExisting(string existing)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            try
            {
                var p = realpath(existing, IntPtr.Zero);
                if (p != IntPtr.Zero)
                {
                    try { return Marshal.PtrToStringUTF8(p) ?? existing; }
                    finally { free(p); }
                }
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException) { /* lexical fallback below */ }
        }
        // Portable fallback: resolve each component's link target.
        var root = Path.GetPathRoot(existing) ?? "";
        var cur = root;
        foreach (var part in existing[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            cur = Path.Combine(cur, part);
            FileSystemInfo fi = Directory.Exists(cur) ? new DirectoryInfo(cur) : new FileInfo(cur);
            if (fi.LinkTarget != null && fi.ResolveLinkTarget(returnFinalTarget: true) is { } target) cur = target.FullName;
        }
        return cur;
    }

    private static string Trim(string p) => p.Length > 1 ? p.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) is { Length: > 0 } t ? t : p : p;

    private static StringComparison Comparison => OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool SameText(string a, string b) => string.Equals(a, b, Comparison);

    [DllImport("libc", SetLastError = true)]
    private static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr p);
}
