using System.Diagnostics;
using Xunit;

namespace SamDiffSR.Tests.Runtime;

/// <summary>
/// The libstdc++ fix of environment/fix-libtorchsharp-glibcxx.sh: applied where needed, idempotent, and a no-op
/// where the system libstdc++ is new enough. Runs the script on copies, never on the real files.
/// </summary>
public class GlibcxxFixTests
{
    private static readonly string Script = Path.Combine(TestPaths.RepoRoot, "environment", "fix-libtorchsharp-glibcxx.sh");

    private static string ShippedSo()
    {
        // The test binary's folder holds the copy used at run time; it must already be patched (or not need it).
        var so = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(so), $"{so} missing");
        return so;
    }

    private static (int Code, string Out) Run(string file, string fileName, string args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    private static string VersionLine(string so)
    {
        var (_, o) = Run("readelf", "readelf", $"-V -W \"{so}\"");
        return o.Split('\n').FirstOrDefault(l => l.Contains("Name: GLIBCXX_3.4.32")) ?? "";
    }

    private static bool SystemHasVersion()
    {
        var (_, o) = Run("bash", "bash", "-c \"strings $(ldconfig -p | awk '/libstdc\\+\\+\\.so\\.6 .*x86-64/{print $NF; exit}') | grep -x GLIBCXX_3.4.32\"");
        return o.Contains("GLIBCXX_3.4.32");
    }

    [Fact]
    public void OutputCopy_IsLoadable_WeakWhereTheSystemLacksTheVersion()
    {
        var line = VersionLine(ShippedSo());
        Assert.NotEqual("", line); // TorchSharp 0.107.0 does require it
        if (!SystemHasVersion()) Assert.Contains("WEAK", line);
    }

    [Fact]
    public void Script_PatchesAnUnpatchedCopy_Once_AndIsIdempotent()
    {
        if (SystemHasVersion()) return; // nothing to patch on GCC >= 13 systems (covered by the no-op test)
        var dir = Directory.CreateTempSubdirectory("glibcxx").FullName;
        try
        {
            var copy = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(ShippedSo(), copy);
            // Undo the weak flag in the copy to get the file as shipped: clear bit 0x2 of vna_flags.
            UnsetWeak(copy);
            Assert.DoesNotContain("WEAK", VersionLine(copy));
            var before = File.ReadAllBytes(copy);

            var (c1, o1) = Run("bash", "bash", $"\"{Script}\" \"{copy}\"");
            Assert.Equal(0, c1);
            Assert.Contains("marked the GLIBCXX_3.4.32 requirement weak", o1);
            Assert.Contains("WEAK", VersionLine(copy));
            var after = File.ReadAllBytes(copy);
            Assert.Equal(before.Length, after.Length);
            Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second)); // exactly one byte changed

            var (c2, o2) = Run("bash", "bash", $"\"{Script}\" \"{copy}\"");
            Assert.Equal(0, c2);
            Assert.Contains("already weak", o2);
            Assert.Equal(after, File.ReadAllBytes(copy));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Script_DoesNothing_WhenLibstdcxxDefinesTheVersion()
    {
        // Simulate Ubuntu 24.04: a libstdc++ stand-in that *defines* GLIBCXX_3.4.32 (built with the system C compiler).
        var dir = Directory.CreateTempSubdirectory("glibcxx-new").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "v.map"), "GLIBCXX_3.4.32 { global: samdiffsr_probe; local: *; };\n");
            File.WriteAllText(Path.Combine(dir, "p.c"), "int samdiffsr_probe(void) { return 1; }\n");
            var fake = Path.Combine(dir, "libstdc++.so.6");
            var (cc, co) = Run("bash", "bash", $"-c \"cd '{dir}' && cc -shared -fPIC -Wl,--version-script=v.map -o libstdc++.so.6 p.c\"");
            if (cc != 0) { Assert.Fail("a C compiler is needed for this test: " + co); }
            var copy = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(ShippedSo(), copy);
            UnsetWeak(copy);
            var before = File.ReadAllBytes(copy);
            var (c, o) = Run("bash", "bash", $"\"{Script}\" \"{copy}\"", new Dictionary<string, string> { ["SAMDIFFSR_LIBSTDCXX"] = fake });
            Assert.Equal(0, c);
            Assert.Contains("no patch needed", o);
            Assert.Equal(before, File.ReadAllBytes(copy));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Clears VER_FLG_WEAK on the GLIBCXX_3.4.32 entry (test helper to recreate the shipped file).</summary>
    private static void UnsetWeak(string so)
    {
        var (_, o) = Run("readelf", "readelf", $"-V -W \"{so}\"");
        var lines = o.Split('\n');
        int hdr = Array.FindIndex(lines, l => l.Contains("Version needs section"));
        var offLine = lines.Skip(hdr + 1).First(l => l.Contains("Offset:"));
        var tok = offLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long sec = Convert.ToInt64(tok[Array.IndexOf(tok, "Offset:") + 1], 16);
        var ent = lines.First(l => l.Contains("Name: GLIBCXX_3.4.32")).Trim().Split(':')[0];
        long off = sec + Convert.ToInt64(ent, 16) + 4;
        using var fs = new FileStream(so, FileMode.Open, FileAccess.ReadWrite);
        fs.Position = off;
        int b = fs.ReadByte();
        fs.Position = off;
        fs.WriteByte((byte)(b & ~0x2));
    }
}
