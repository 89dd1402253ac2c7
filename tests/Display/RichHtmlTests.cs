using System.Text.RegularExpressions;
using SamDiffSR.Data;
using SamDiffSR.Display;
using SamDiffSR.Inference;
using SamDiffSR.Masks;
using SamDiffSR.Metrics;
using SamDiffSR.Schedules;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SamDiffSR.Tests.Display;

/// <summary>
/// The text/html that library values show in a notebook (notebooks/setup.dib registers these renderers with the
/// kernel's formatter; the headless notebook run checks the registration itself).
/// </summary>
public class RichHtmlTests
{
    private static Image<Rgb24> FirstPng(string html)
    {
        var m = Regex.Match(html, "data:image/png;base64,([A-Za-z0-9+/=]+)");
        Assert.True(m.Success, "no inline PNG in " + html[..Math.Min(200, html.Length)]);
        return SixLabors.ImageSharp.Image.Load<Rgb24>(Convert.FromBase64String(m.Groups[1].Value));
    }

    [Fact]
    public void ImageU8_RendersItsPixels_AndSize()
    {
        var img = new ImageU8(2, 3, 3, Enumerable.Range(0, 18).Select(i => (byte)(10 * i)).ToArray());
        var html = RichHtml.Image(img);
        Assert.Contains("ImageU8 3×2×3", System.Net.WebUtility.HtmlDecode(html)); // the caption is HTML-encoded
        using var png = FirstPng(html);
        Assert.Equal((3, 2), (png.Width, png.Height));
        Assert.Equal(new Rgb24(150, 160, 170), png[2, 1]);
        Assert.Contains("width:128px", html); // small images are upscaled for display
    }

    [Fact]
    public void ImageF64_UnitRange_IsScaledTo255_OtherRangesAreStretched_AndSaySo()
    {
        var unit = new ImageF64(1, 2, 1, [0.0, 1.0]);
        var h1 = RichHtml.Image(unit);
        Assert.Contains("[0,1]", h1);
        using (var p = FirstPng(h1)) { Assert.Equal(0, p[0, 0].R); Assert.Equal(255, p[1, 0].R); }
        var residual = new ImageF64(1, 3, 1, [-2.0, 0.0, 2.0]);
        var h2 = RichHtml.Image(residual);
        Assert.Contains("stretched [-2, 2]", h2);
        using (var p = FirstPng(h2)) Assert.Equal(new byte[] { 0, 128, 255 }, new[] { p[0, 0].R, p[1, 0].R, p[2, 0].R });
    }

    [Fact]
    public void Spe_UsesASymmetricDivergingMap_WithAColourBar_AndBoundaries()
    {
        var map = new SpeMap(1, 3, new float[] { -0.5f, 0f, 1f });
        var html = RichHtml.Spe(map);
        Assert.Contains("samdiffsr-colourbar", html);
        Assert.Contains(">-1<", html); // symmetric limit = max |E| = 1
        using (var p = FirstPng(html))
        {
            Assert.Equal(new Rgb24(255, 255, 255), p[1, 0]);          // 0 is white
            Assert.Equal(new Rgb24(180, 4, 38), p[2, 0]);             // +limit is the red end
            Assert.True(p[0, 0].B > p[0, 0].R, "negative values are blue");
        }
        var bg = new ImageU8(1, 3, 1, [100, 100, 100]);
        using var withB = FirstPng(RichHtml.Spe(map, background: bg, alpha: 0.5, boundaries: [false, true, false]));
        Assert.Equal(new Rgb24(0, 0, 0), withB[1, 0]);                // boundary pixel
        Assert.Equal(new Rgb24(140, 52, 69), withB[2, 0]);            // 0.5·(180,4,38) + 0.5·100
        Assert.Throws<ArgumentException>(() => RichHtml.Spe(map, background: new ImageU8(2, 2, 1)));
    }

    [Fact]
    public void Schedule_ShowsPhiAndBothCoefficients_AtTheRequestedSteps()
    {
        var s = DiffusionSchedule.Cosine(100);
        var html = RichHtml.Schedule(s, [1, 50]);
        Assert.Contains("T = 100", html);
        Assert.Contains(s.Phi[49].ToString("G6", System.Globalization.CultureInfo.InvariantCulture), html);
        Assert.Contains(s.PaperTargetCoefficient[0].ToString("G6", System.Globalization.CultureInfo.InvariantCulture), html);
        Assert.Equal(3, Regex.Matches(html, "<tr>").Count); // header + 2 steps
    }

    [Fact]
    public void Evaluations_AndResults_RenderTablesWithTheirNumbers()
    {
        var set = new SetEvaluation("Set5", 4, MetricConvention.YDouble, [new ImageScore("bird.png", 30.0, 0.9), new ImageScore("baby.png", 32.0, 0.8)]);
        var h = RichHtml.Evaluation(set);
        Assert.Contains("mean PSNR 31.000 dB", h);
        Assert.Contains("bird.png", h);
        var sr = new SrEvaluation("Set5", 4, MetricConvention.YDouble, "Ddpm", [new SrImageResult("<x>.png", 25.5, 0.7, 40.0, 1.5)]);
        var h2 = RichHtml.Evaluation(sr);
        Assert.Contains("sampler Ddpm", h2);
        Assert.Contains("&lt;x&gt;.png", h2); // names are HTML-encoded
        Assert.Contains("25.500", RichHtml.Result(sr.Images[0]));
        Assert.Contains("0.9000", RichHtml.Result(set.Images[0]));
    }

    [Fact]
    public void SetupDib_RegistersAnHtmlFormatter_ForEveryDisplayedType()
    {
        var setup = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "notebooks", "setup.dib"));
        foreach (var type in new[] { "ImageU8", "ImageF64", "SpeMap", "DiffusionSchedule", "SetEvaluation", "SrEvaluation", "SrImageResult", "ImageScore", "PlotlyFigure" })
            Assert.Matches(new Regex(@"Formatter\.Register<(\w+\.)*" + type + @">\([^;]*""text/html""\)"), setup);
    }
}
