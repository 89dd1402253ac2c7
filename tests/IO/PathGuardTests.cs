using SamDiffSR.IO;
using SamDiffSR.Tests.Masks;
using Xunit;

namespace SamDiffSR.Tests.IO;

/// <summary>
/// <see cref="PathGuard"/>: an output folder that is, contains or lies inside an input is refused by every spelling
/// (trailing slash, <c>./</c>, <c>..</c>, a symbolic link), a file or a path under a file is refused, and disjoint
/// folders pass. Issue 15: <c>degrade --out &lt;hr&gt;/</c> replaced the HR images.
/// </summary>
public class PathGuardTests
{
    private static PathGuard.Input In(string p, string opt = "--hr") => new(p, opt);

    [Fact]
    public void SameFolder_IsRefused_ByEverySpelling()
    {
        using var t = new TempDir();
        var hr = t.Sub("hr");
        Directory.CreateDirectory(hr);
        var link = t.Sub("hrlink");
        Directory.CreateSymbolicLink(link, hr);
        foreach (var spelling in new[] { hr, hr + "/", Path.Combine(hr, "."), Path.Combine(hr, "..", "hr"), link, link + "/" })
        {
            var ex = Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(spelling, "--out", In(hr)));
            Assert.Contains("same folder as --hr", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
        // The input spelled through the link, the output plainly.
        Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(hr, "--out", In(link + "/")));
    }

    [Fact]
    public void OutputInsideInput_AndInputInsideOutput_AreRefused()
    {
        using var t = new TempDir();
        var hr = t.Sub("hr");
        Directory.CreateDirectory(hr);
        var link = t.Sub("hrlink");
        Directory.CreateSymbolicLink(link, hr);
        Assert.Contains("lies inside --hr", Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(Path.Combine(hr, "lr"), "--out", In(hr))).Message);
        // Not yet existing, reached through a link: still inside.
        Assert.Contains("lies inside --hr", Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(Path.Combine(link, "new", "lr"), "--out", In(hr))).Message);
        Assert.Contains("lies inside --out", Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(t.Path, "--out", In(hr))).Message);
        // A file input inside the output folder (sample --input a.png --out <its folder>).
        var file = Path.Combine(hr, "a.png");
        File.WriteAllText(file, "x");
        Assert.Contains("lies inside --out", Assert.Throws<IOException>(() => PathGuard.EnsureSeparate(hr, "--out", In(file, "--input"))).Message);
    }

    [Fact]
    public void DisjointFolders_AndSiblingsWithACommonPrefix_Pass()
    {
        using var t = new TempDir();
        var hr = t.Sub("hr");
        Directory.CreateDirectory(hr);
        PathGuard.EnsureSeparate(t.Sub("hr_lr"), "--out", In(hr));    // "hr_lr" starts with "hr" but is not inside it
        PathGuard.EnsureSeparate(t.Sub("lr"), "--out", In(hr), In(t.Sub("missing"), "--masks"), In("", "--rrdb"));
        Assert.False(Directory.Exists(t.Sub("lr")));                   // the guard creates nothing
    }

    [Fact]
    public void OutputThatIsAFile_OrLiesUnderAFile_IsRefused()
    {
        using var t = new TempDir();
        var f = t.Sub("afile");
        File.WriteAllText(f, "keep me");
        Assert.Contains("is a file", Assert.Throws<IOException>(() => PathGuard.EnsureFolderPath(f, "--out")).Message);
        Assert.Contains("lies under the file", Assert.Throws<IOException>(() => PathGuard.EnsureFolderPath(Path.Combine(f, "sub", "x"), "--out")).Message);
        Assert.Equal("keep me", File.ReadAllText(f));
    }

    [Fact]
    public void RealPath_ResolvesLinks_AndKeepsTheMissingTail()
    {
        using var t = new TempDir();
        var hr = t.Sub("hr");
        Directory.CreateDirectory(hr);
        var link = t.Sub("l");
        Directory.CreateSymbolicLink(link, hr);
        Assert.Equal(PathGuard.RealPath(hr), PathGuard.RealPath(link + "/"));
        Assert.Equal(Path.Combine(PathGuard.RealPath(hr), "a", "b"), PathGuard.RealPath(Path.Combine(link, "a", "b")));
        if (OperatingSystem.IsLinux())
        {
            // The identity check (device, inode) sees through the link too: what catches a bind mount of the same folder.
            Assert.NotNull(PathGuard.Identity(hr));
            Assert.Equal(PathGuard.Identity(hr), PathGuard.Identity(link));
            Assert.NotEqual(PathGuard.Identity(hr), PathGuard.Identity(t.Path));
        }
    }
}
