using System.Text.Json;
using SamDiffSR.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace SamDiffSR.Tests.Display;

public class DisplayTests
{
    [Fact]
    public void PlotlyFigure_EmitsAValidPlotlyJsModel()
    {
        var fig = new PlotlyFigure("loss", "step", "L1", logY: true)
            .Line([1, 2, 3], [0.5, 0.25, double.NaN], "train")
            .Bar(["a", "b"], [1, 2], "bars");
        using var doc = JsonDocument.Parse(fig.ToJson());
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("scatter", data[0].GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, data[0].GetProperty("y")[2].ValueKind); // NaN -> null (gap), valid JSON
        Assert.Equal("log", doc.RootElement.GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());
        var html = fig.ToHtml();
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains(PlotlyFigure.PlotlyJsUrl, html);
    }

    [Fact]
    public void Heatmap_RejectsWrongSize() =>
        Assert.Throws<ArgumentException>(() => new PlotlyFigure().Heatmap([1, 2, 3], 2, 2, "z"));

    [Fact]
    public void EncodePng_RoundTripsPixels()
    {
        var px = new byte[] { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110 }; // 2×2 RGB
        var png = HtmlImage.EncodePng(px, 2, 2, 3);
        using var img = Image.Load<Rgb24>(png);
        Assert.Equal(new Rgb24(90, 100, 110), img[1, 1]);
        Assert.StartsWith("<img", HtmlImage.ImgTag(png));
        Assert.Contains("caption", HtmlImage.Gallery([(png, "caption")]));
    }

    [Fact]
    public void ToGray_MapsRangeLinearly_AndConstantToMidGray()
    {
        Assert.Equal(new byte[] { 0, 128, 255 }, HtmlImage.ToGray(new double[] { -1, 0, 1 }));
        Assert.Equal(new byte[] { 128, 128 }, HtmlImage.ToGray(new double[] { 3, 3 }));
        Assert.Equal(new byte[] { 0, 255 }, HtmlImage.ToGray(new double[] { -5, 5 }, 0, 1));
    }
}
