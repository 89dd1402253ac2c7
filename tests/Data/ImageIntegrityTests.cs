using System.Buffers.Binary;
using SamDiffSR.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SamDiffSR.Tests.Data;

/// <summary>
/// <see cref="ImageIntegrity"/> through every reader's entry point (<see cref="ImageIO.Decode"/>, <see cref="ImageIO.Check"/>):
/// issue 15's PNG with several IDAT chunks missing decoded with rc 0 and black rows; a truncated, CRC-broken or
/// IEND-less PNG, a truncated JPEG and a cut BMP are refused naming the file, intact files (also Adam7) pass.
/// </summary>
public sealed class ImageIntegrityTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static Image<Rgb24> Noise(int w, int h)
    {
        var img = new Image<Rgb24>(w, h);
        var rnd = new Random(5);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img[x, y] = new Rgb24((byte)rnd.Next(256), (byte)rnd.Next(256), (byte)rnd.Next(256));
        return img;
    }

    /// <summary>A noisy PNG split into many small IDAT chunks (so that chunks can be dropped).</summary>
    private static byte[] Png(int w = 64, int h = 48, bool interlaced = false)
    {
        using var img = Noise(w, h);
        using var ms = new MemoryStream();
        img.SaveAsPng(ms, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, InterlaceMethod = interlaced ? PngInterlaceMode.Adam7 : PngInterlaceMode.None });
        return Rechunk(ms.ToArray(), 512);
    }

    private static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var list = new List<(string, byte[])>();
        for (int pos = 8; pos < png.Length;)
        {
            int len = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            list.Add((System.Text.Encoding.ASCII.GetString(png, pos + 4, 4), png.AsSpan(pos + 8, len).ToArray()));
            pos += 12 + len;
        }
        return list;
    }

    private static byte[] Build(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        foreach (var (type, data) in chunks)
        {
            var head = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
            System.Text.Encoding.ASCII.GetBytes(type, head.AsSpan(4));
            ms.Write(head);
            ms.Write(data);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, ImageIntegrity.Crc32([.. head.AsSpan(4), .. data]));
            ms.Write(crc);
        }
        return ms.ToArray();
    }

    /// <summary>The same PNG with its image data split into IDAT chunks of at most <paramref name="size"/> bytes (valid CRCs).</summary>
    private static byte[] Rechunk(byte[] png, int size)
    {
        var chunks = Chunks(png);
        var data = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var outList = new List<(string, byte[])>();
        foreach (var c in chunks)
        {
            if (c.Type == "IDAT") continue;
            if (c.Type == "IEND")
                for (int i = 0; i < data.Length; i += size) outList.Add(("IDAT", data[i..Math.Min(data.Length, i + size)]));
            outList.Add(c);
        }
        return Build(outList);
    }

    [Fact]
    public void IntactPngs_Pass_IncludingAdam7()
    {
        Assert.Equal((48, 64, 3), Shape(ImageIO.Decode(Png(), "ok.png")));
        Assert.Equal((37, 29, 3), Shape(ImageIO.Decode(Png(29, 37, interlaced: true), "adam7.png")));
        Assert.Equal(0x414FA339u, ImageIntegrity.Crc32("The quick brown fox jumps over the lazy dog"u8)); // the standard CRC-32 check value
    }

    private static (int, int, int) Shape(ImageU8 i) => (i.Height, i.Width, i.Channels);

    [Fact]
    public void PngWithIdatChunksMissing_ButValidCrcsAndIend_IsRefused()
    {
        var chunks = Chunks(Png());
        int firstIdat = chunks.FindIndex(c => c.Type == "IDAT");
        Assert.True(chunks.Count(c => c.Type == "IDAT") >= 6);
        chunks.RemoveRange(firstIdat + 2, 3);   // issue 15: "several IDAT chunks missing"
        var bytes = Build(chunks);
        var ex = Assert.Throws<InvalidDataException>(() => ImageIO.Decode(bytes, "cut.png"));
        Assert.Contains("cut.png", ex.Message);
        Assert.Contains("damaged", ex.Message);
    }

    [Fact]
    public void PngWithTheLastIdatChunksMissing_IsRefused_ByTheDataLength()
    {
        // Dropping trailing chunks leaves a valid zlib prefix: only the inflated length shows the loss.
        var chunks = Chunks(Png());
        int lastIdat = chunks.FindLastIndex(c => c.Type == "IDAT");
        chunks.RemoveRange(lastIdat - 2, 3);
        var ex = Assert.Throws<InvalidDataException>(() => ImageIO.Decode(Build(chunks), "tail.png"));
        Assert.Contains("tail.png", ex.Message);
    }

    [Fact]
    public void TruncatedPng_CrcBrokenPng_AndPngWithoutIend_AreRefused()
    {
        var png = Png();
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ImageIO.Decode(png[..(png.Length / 2)], "half.png")).Message);
        var flipped = (byte[])png.Clone();
        flipped[png.Length / 2] ^= 0x10;
        Assert.Contains("CRC", Assert.Throws<InvalidDataException>(() => ImageIO.Decode(flipped, "crc.png")).Message);
        Assert.Contains("IEND", Assert.Throws<InvalidDataException>(() => ImageIO.Decode(png[..^12], "noiend.png")).Message);
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => ImageIO.Decode([], "zero.png")).Message);
    }

    [Fact]
    public void TruncatedJpeg_IsRefused_IntactJpegPasses()
    {
        using var img = Noise(40, 32);
        using var ms = new MemoryStream();
        img.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        var jpg = ms.ToArray();
        Assert.Equal((32, 40, 3), Shape(ImageIO.Decode(jpg, "ok.jpg")));
        var ex = Assert.Throws<InvalidDataException>(() => ImageIO.Decode(jpg[..(jpg.Length * 2 / 3)], "cut.jpg"));
        Assert.Contains("cut.jpg", ex.Message);
        Assert.Contains("end-of-image", ex.Message);
    }

    [Fact]
    public void TruncatedBmp_IsRefused()
    {
        using var img = Noise(20, 10);
        using var ms = new MemoryStream();
        img.SaveAsBmp(ms, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        var bmp = ms.ToArray();
        Assert.Equal((10, 20, 3), Shape(ImageIO.Decode(bmp, "ok.bmp")));
        Assert.Contains("cut.bmp", Assert.Throws<InvalidDataException>(() => ImageIO.Decode(bmp[..^100], "cut.bmp")).Message);
    }

    [Fact]
    public void Check_ReadsNoPixels_ButRefusesDamage_AndNamesTheMaxPixelsOption()
    {
        var ok = Path.Combine(_dir, "ok.png");
        File.WriteAllBytes(ok, Png());
        Assert.Equal((64, 48), ImageIO.Check(ok));
        var bad = Path.Combine(_dir, "bad.png");
        File.WriteAllBytes(bad, Png()[..300]);
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => ImageIO.Check(bad)).Message);
        var big = Assert.Throws<InvalidDataException>(() => ImageIO.Check(ok, new ImageLoadOptions(MaxPixels: 100)));
        Assert.Contains("--max-pixels", big.Message);
        // The CLI's --max-pixels sets the default for the current call only.
        using (ImageLoadOptions.UseDefault(new ImageLoadOptions(100)))
            Assert.Throws<InvalidDataException>(() => ImageIO.Check(ok));
        Assert.Equal((64, 48), ImageIO.Check(ok));
    }

    [Fact]
    public void ImageFolder_CheckAll_FindsTheBadFileAmongGoodOnes()
    {
        File.WriteAllBytes(Path.Combine(_dir, "a.png"), Png());
        File.WriteAllBytes(Path.Combine(_dir, "b.png"), []);
        File.WriteAllBytes(Path.Combine(_dir, "c.png"), Png());
        var folder = ImageFolder.Open(_dir);
        Assert.Contains("b.png", Assert.Throws<InvalidDataException>(() => folder.CheckAll()).Message);
        Assert.Single(folder.CheckAll(maxImages: 1));
    }
}
