using System.Text.Json;
using SamDiffSR.Cli;
using SamDiffSR.Data;
using SamDiffSR.Tests.Data;
using Xunit;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Metrics;

public sealed class CliCommandTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public void Degrade_WritesMatlabExactLrPngs()
    {
        var outDir = Path.Combine(_dir, "lr");
        var (code, stdout, _) = Run("degrade", "--hr", DataPaths.Set5, "--scale", "4", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Contains("wrote 5", stdout);
        // docs/data.md §Checksums: golden x4 checksums of the raw LR pixels, read back from the PNGs.
        var expected = new Dictionary<string, string>
        {
            ["baby.png"] = "08155c10a5fb0925", ["bird.png"] = "41763f1c1ab0238c", ["butterfly.png"] = "44964b84fa42882e",
            ["head.png"] = "701b5b1c01f0450f", ["woman.png"] = "5309aa740cc2c8d5",
        };
        foreach (var (name, sha) in expected)
            Assert.Equal(sha, ImageIO.Load(Path.Combine(outDir, name)).PixelSha256()[..16]);
    }

    [Fact]
    public void Degrade_KeepsGrayImagesGray()
    {
        var hr = Path.Combine(_dir, "hr"); Directory.CreateDirectory(hr);
        File.Copy(TestPaths.Data("benchmarks", "Set14", "bridge.png"), Path.Combine(hr, "bridge.png"));
        Assert.Equal(0, Run("degrade", "--hr", hr, "--scale", "2", "--out", Path.Combine(_dir, "lr")).Code);
        var lr = ImageIO.Load(Path.Combine(_dir, "lr", "bridge.png"));
        Assert.Equal(1, lr.Channels);
        Assert.Equal("d2873a2d27fd56d9", lr.PixelSha256()[..16]); // docs/data.md §Checksums, bridge x2
    }

    [Fact]
    public void BicubicJson_IsOneObject_WithSet5X4Mean()
    {
        var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout); // throws if stdout is not exactly one JSON value
        var root = doc.RootElement;
        Assert.Equal("Set5", root.GetProperty("set").GetString());
        Assert.Equal(4, root.GetProperty("scale").GetInt32());
        var images = root.GetProperty("images");
        Assert.Equal(5, images.GetArrayLength());
        Assert.Equal("baby.png", images[0].GetProperty("name").GetString());
        Assert.Equal(31.7845, images[0].GetProperty("psnr").GetDouble(), 1e-4);
        var mean = root.GetProperty("mean");
        Assert.InRange(mean.GetProperty("psnr").GetDouble(), 28.430 - 0.005, 28.430 + 0.005); // docs/data.md §Reproduced values
        Assert.InRange(mean.GetProperty("ssim").GetDouble(), 0.8111 - 0.0005, 0.8111 + 0.0005);
    }

    [Fact]
    public void BicubicTable_HonoursTheConvention()
    {
        var (code, stdout, _) = Run("bicubic", "--hr", DataPaths.Set5, "--scale", "2", "--y-convention", "uint8");
        Assert.Equal(0, code);
        var meanLine = stdout.Split('\n').Single(l => l.StartsWith("mean", StringComparison.Ordinal));
        Assert.Contains("33.64", meanLine); // docs/data.md §Reproduced values, Y uint8 33.640 / 0.9292
        Assert.Contains("0.929", meanLine);
        Assert.Contains("butterfly.png", stdout);
    }

    [Fact]
    public void Errors_AreOneLineAndNonZero()
    {
        var missing = Run("bicubic", "--hr", Path.Combine(_dir, "nope"), "--scale", "4");
        Assert.Equal(1, missing.Code);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Assert.Contains("not found", missing.Err);

        var bad = Path.Combine(_dir, "bad"); Directory.CreateDirectory(bad);
        File.WriteAllBytes(Path.Combine(bad, "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var undecodable = Run("degrade", "--hr", bad, "--scale", "2", "--out", Path.Combine(_dir, "o1"));
        Assert.Equal(1, undecodable.Code);
        Assert.Contains("broken.png", undecodable.Err);
        Assert.Single(undecodable.Err.Trim().Split('\n'));

        var small = Path.Combine(_dir, "small"); Directory.CreateDirectory(small);
        ImageIO.SavePng(new ImageU8(3, 3, 3), Path.Combine(small, "tiny.png"));
        var tooSmall = Run("bicubic", "--hr", small, "--scale", "4");
        Assert.Equal(1, tooSmall.Code);
        Assert.Contains("tiny.png", tooSmall.Err);
        Assert.Contains("smaller than the scale", tooSmall.Err);
        var tooSmallDegrade = Run("degrade", "--hr", small, "--scale", "4", "--out", Path.Combine(_dir, "o2"));
        Assert.Equal(1, tooSmallDegrade.Code);

        Assert.Equal(2, Run("bicubic", "--hr", DataPaths.Set5).Code);                           // missing --scale
        Assert.Equal(2, Run("bicubic", "--hr", DataPaths.Set5, "--scale", "4", "--y-convention", "lab").Code);
        Assert.Equal(2, Run("degrade", "--hr", DataPaths.Set5, "--scale", "4").Code);           // missing --out
    }
}
