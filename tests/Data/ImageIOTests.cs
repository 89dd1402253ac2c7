using SamDiffSR.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SamDiffSR.Tests.Data;

public sealed class ImageIOTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Set14_BridgeIsGray_ManStaysRgbDespiteEqualChannels()
    {
        var bridge = TestImages.Hr("Set14", "bridge.png");
        Assert.Equal(1, bridge.Channels);
        Assert.Equal((512, 512), (bridge.Height, bridge.Width));
        var man = TestImages.Hr("Set14", "man.png");
        Assert.Equal(3, man.Channels);
        Assert.Equal(man[100, 200, 0], man[100, 200, 2]); // R = G = B, still 3 channels
        var comic = TestImages.Hr("Set14", "comic.png");
        Assert.Equal((361, 250, 3), (comic.Height, comic.Width, comic.Channels)); // IMAGES.tsv: 250x361 RGB
    }

    [Fact]
    public void PngRoundTrip_IsLossless_ForRgbAndGray_AndWritesAtomically()
    {
        var rnd = new Random(3);
        var rgb = new byte[7 * 5 * 3]; rnd.NextBytes(rgb);
        var gray = new byte[6 * 4]; rnd.NextBytes(gray);
        ImageIO.SavePng(new ImageU8(7, 5, 3, rgb), P("sub/rgb.png"));
        ImageIO.SavePng(new ImageU8(6, 4, 1, gray), P("gray.png"));
        var a = ImageIO.Load(P("sub/rgb.png"));
        var b = ImageIO.Load(P("gray.png"));
        Assert.Equal((7, 5, 3), (a.Height, a.Width, a.Channels));
        Assert.Equal(rgb, a.Data);
        Assert.Equal((6, 4, 1), (b.Height, b.Width, b.Channels));
        Assert.Equal(gray, b.Data);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Rgba_DropsAlpha()
    {
        using (var img = new Image<Rgba32>(2, 1))
        {
            img[0, 0] = new Rgba32(10, 20, 30, 0);
            img[1, 0] = new Rgba32(200, 100, 50, 128);
            img.SaveAsPng(P("rgba.png"), new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        }
        var im = ImageIO.Load(P("rgba.png"));
        Assert.Equal(3, im.Channels);
        Assert.Equal(new byte[] { 10, 20, 30, 200, 100, 50 }, im.Data);
    }

    [Fact]
    public void GrayWithAlpha_StaysGray()
    {
        using (var img = new Image<La16>(2, 1))
        {
            img[0, 0] = new La16(77, 0);
            img[1, 0] = new La16(250, 255);
            img.SaveAsPng(P("la.png"), new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha });
        }
        var im = ImageIO.Load(P("la.png"));
        Assert.Equal(1, im.Channels);
        Assert.Equal(new byte[] { 77, 250 }, im.Data);
    }

    [Fact]
    public void SixteenBit_RoundsToNearest8Bit()
    {
        // round(v / 257): 65535 -> 255, 257*100 + 128 -> 100 (r = 128 < 128.5), 257*100 + 129 -> 101, 0 -> 0
        using (var img = new Image<Rgb48>(2, 1))
        {
            img[0, 0] = new Rgb48(65535, 25828, 25829);
            img[1, 0] = new Rgb48(0, 257, 32896);
            img.SaveAsPng(P("rgb16.png"), new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 });
        }
        var im = ImageIO.Load(P("rgb16.png"));
        Assert.Equal(new byte[] { 255, 100, 101, 0, 1, 128 }, im.Data);

        using (var img = new Image<L16>(2, 1))
        {
            img[0, 0] = new L16(514);
            img[1, 0] = new L16(65000);
            img.SaveAsPng(P("l16.png"), new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 });
        }
        var g = ImageIO.Load(P("l16.png"));
        Assert.Equal(1, g.Channels);
        Assert.Equal(new byte[] { 2, 253 }, g.Data); // 65000/257 = 252.9 -> 253
    }

    [Fact]
    public void Palette_IsExpandedToRgb()
    {
        using (var img = new Image<Rgb24>(3, 1))
        {
            img[0, 0] = new Rgb24(255, 0, 0);
            img[1, 0] = new Rgb24(0, 0, 255);
            img[2, 0] = new Rgb24(255, 0, 0);
            img.SaveAsPng(P("pal.png"), new PngEncoder { ColorType = PngColorType.Palette });
            img.SaveAsBmp(P("pal.bmp"), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 });
        }
        Assert.Equal(PngColorType.Palette, Image.Identify(P("pal.png")).Metadata.GetPngMetadata().ColorType);
        var im = ImageIO.Load(P("pal.png"));
        Assert.Equal(3, im.Channels);
        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255, 255, 0, 0 }, im.Data);
        var bmp = ImageIO.Load(P("pal.bmp"));
        Assert.Equal(3, bmp.Channels);
        Assert.Equal(im.Data, bmp.Data);
    }

    [Fact]
    public void Bmp24_AndJpeg_Decode_GrayJpegStaysGray()
    {
        var rnd = new Random(5);
        var px = new byte[4 * 6 * 3]; rnd.NextBytes(px);
        using (var img = Image.LoadPixelData<Rgb24>(px, 6, 4)) img.SaveAsBmp(P("a.BMP"));
        var bmp = ImageIO.Load(P("a.BMP"));
        Assert.Equal(px, bmp.Data);

        using (var img = new Image<L8>(16, 16, new L8(90))) img.SaveAsJpeg(P("g.jpg"), new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 95 });
        var gj = ImageIO.Load(P("g.jpg"));
        Assert.Equal(1, gj.Channels);
        Assert.All(gj.Data, v => Assert.InRange(v, 88, 92));

        using (var img = new Image<Rgb24>(16, 16, new Rgb24(90, 90, 90))) img.SaveAsJpeg(P("c.jpeg"));
        Assert.Equal(3, ImageIO.Load(P("c.jpeg")).Channels);
    }

    [Fact]
    public void CorruptOrUnsupportedFiles_RaiseInvalidDataNamingTheFile()
    {
        File.WriteAllBytes(P("junk.png"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var ex = Assert.Throws<InvalidDataException>(() => ImageIO.Load(P("junk.png")));
        Assert.Contains("junk.png", ex.Message);

        var good = ImageIO.EncodePng(TestImages.Hr("Set5", "bird.png"));
        File.WriteAllBytes(P("truncated.png"), good.AsSpan(0, good.Length / 3).ToArray());
        ex = Assert.Throws<InvalidDataException>(() => ImageIO.Load(P("truncated.png")));
        Assert.Contains("truncated.png", ex.Message);

        using (var img = new Image<Rgb24>(4, 4)) img.SaveAsGif(P("anim.gif"));
        File.Copy(P("anim.gif"), P("disguised.png"));
        ex = Assert.Throws<InvalidDataException>(() => ImageIO.Load(P("disguised.png")));
        Assert.Contains("disguised.png", ex.Message);

        Assert.Throws<FileNotFoundException>(() => ImageIO.Load(P("missing.png")));
    }

    [Fact]
    public void PixelLimit_RefusesLargeImagesBeforeDecoding()
    {
        ImageIO.SavePng(new ImageU8(100, 80, 3), P("big.png"));
        var ex = Assert.Throws<InvalidDataException>(() => ImageIO.Load(P("big.png"), new ImageLoadOptions(MaxPixels: 7999)));
        Assert.Contains("big.png", ex.Message);
        Assert.Contains("limit", ex.Message);
        Assert.Equal(80, ImageIO.Load(P("big.png"), new ImageLoadOptions(MaxPixels: 8000)).Width);
        Assert.Equal(64L * 1024 * 1024, ImageLoadOptions.Default.MaxPixels);
    }

    [Fact]
    public void ImageU8_ValidatesShapeAndCrops()
    {
        Assert.Throws<ArgumentException>(() => new ImageU8(2, 2, 4, new byte[16]));
        Assert.Throws<ArgumentException>(() => new ImageU8(2, 2, 3, new byte[11]));
        var img = new ImageU8(3, 4, 1, Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
        var c = img.Crop(1, 1, 2, 2);
        Assert.Equal(new byte[] { 5, 6, 9, 10 }, c.Data);
        Assert.Equal(new byte[] { 5, 5, 5, 6, 6, 6, 9, 9, 9, 10, 10, 10 }, c.ToRgb().Data);
        Assert.Throws<ArgumentException>(() => img.Crop(2, 0, 2, 2));
    }
}
