using SamDiffSR.Data;
using Xunit;

namespace SamDiffSR.Tests.Data;

public sealed class ImageFolderTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private void CopySet5()
    {
        foreach (var f in Directory.GetFiles(TestPaths.Data("benchmarks", "Set5")))
            File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
    }

    [Fact]
    public void EmbeddedSets_VerifyAndEnumerateInOrdinalOrder()
    {
        var s5 = ImageFolder.Open(TestPaths.Data("benchmarks", "Set5"));
        Assert.True(s5.ChecksumsVerified);
        Assert.Equal("Set5", s5.Name);
        Assert.Equal(["baby.png", "bird.png", "butterfly.png", "head.png", "woman.png"], s5.Files.Select(Path.GetFileName));
        var s14 = ImageFolder.Open(DataPaths.Set14);
        Assert.Equal(14, s14.Count);
        var t91 = DataPaths.OpenEmbedded("T91");
        Assert.Equal(91, t91.Count);
        Assert.Equal("t1.png", t91.FileName(0));
        Assert.Equal("t10.png", t91.FileName(1)); // ordinal, not natural, order
        Assert.Equal(Path.GetFullPath(TestPaths.Data()), Path.GetFullPath(DataPaths.DataRoot()));
    }

    [Fact]
    public void AlteredFile_IsAChecksumErrorNamingFileAndFix()
    {
        CopySet5();
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "bird.png"));
        bytes[^20] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(_dir, "bird.png"), bytes);
        var ex = Assert.Throws<InvalidDataException>(() => ImageFolder.Open(_dir));
        Assert.Contains("bird.png", ex.Message);
        Assert.Contains("delete SHA256SUMS", ex.Message);
        Assert.Contains("Re-copy", ex.Message);
        // Without verification it opens (and the altered file is still decodable or not, separately).
        Assert.Equal(5, ImageFolder.Open(_dir, verifyChecksums: false).Count);
    }

    [Fact]
    public void MissingListedFile_AndUnlistedImage_AreErrors()
    {
        CopySet5();
        File.Delete(Path.Combine(_dir, "head.png"));
        var ex = Assert.Throws<FileNotFoundException>(() => ImageFolder.Open(_dir));
        Assert.Contains("head.png", ex.Message);

        File.Copy(TestPaths.Data("benchmarks", "Set5", "head.png"), Path.Combine(_dir, "head.png"));
        File.Copy(TestPaths.Data("benchmarks", "Set5", "bird.png"), Path.Combine(_dir, "extra.PNG"));
        var ex2 = Assert.Throws<InvalidDataException>(() => ImageFolder.Open(_dir));
        Assert.Contains("extra.PNG", ex2.Message);

        // A user set (no SHA256SUMS) is accepted as is; non-image files are ignored.
        File.Delete(Path.Combine(_dir, "SHA256SUMS"));
        var f = ImageFolder.Open(_dir);
        Assert.False(f.ChecksumsVerified);
        Assert.Equal(6, f.Count);
        Assert.Equal("baby.png", f.FileName(0));
        Assert.Equal("extra.PNG", f.FileName(3)); // ordinal: 'e' after 'b'
    }

    [Fact]
    public void MissingOrEmptyFolder_IsAClearError()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Open(Path.Combine(_dir, "nope")));
        Assert.Throws<InvalidDataException>(() => ImageFolder.Open(_dir));
        File.WriteAllText(Path.Combine(_dir, "SHA256SUMS"), "not a checksum line\n");
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), ImageIO.EncodePng(new ImageU8(2, 2, 1)));
        Assert.Throws<InvalidDataException>(() => ImageFolder.Open(_dir));
    }

    [Fact]
    public void DataRoot_HonoursTheEnvironmentVariable()
    {
        var old = Environment.GetEnvironmentVariable(DataPaths.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataPaths.EnvironmentVariable, _dir);
            Assert.Equal(Path.GetFullPath(_dir), DataPaths.DataRoot());
            Assert.Equal(Path.Combine(Path.GetFullPath(_dir), "benchmarks", "Set5"), DataPaths.Set5);
            Environment.SetEnvironmentVariable(DataPaths.EnvironmentVariable, Path.Combine(_dir, "missing"));
            var ex = Assert.Throws<DirectoryNotFoundException>(() => DataPaths.DataRoot());
            Assert.Contains(DataPaths.EnvironmentVariable, ex.Message);
        }
        finally { Environment.SetEnvironmentVariable(DataPaths.EnvironmentVariable, old); }
    }
}
