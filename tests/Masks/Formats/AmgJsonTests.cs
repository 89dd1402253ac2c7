using System.Text;
using System.Text.Json;
using SamDiffSR.Masks;
using Xunit;
using SamDiffSR.Masks.Formats;

using SamDiffSR.Tests.Masks.Spe;
namespace SamDiffSR.Tests.Masks.Formats;

public class AmgJsonTests
{
    [Fact]
    public void RoundTrip_PreservesMasksAndFields()
    {
        var labels = SpeReference.Get("irregular_24x20").Labels!;
        var records = labels.ToMasks().Select((m, i) => MaskRecord.FromMask(m, 0.99 - 0.01 * i, 0.97 + 0.001 * i)).ToArray();
        using var tmp = new TempDir();
        string path = tmp.Sub("0001.json");
        AmgJson.Write(path, records);
        var back = AmgJson.Read(path);
        Assert.Equal(records.Length, back.Count);
        for (int i = 0; i < records.Length; i++)
        {
            Assert.True(records[i].Segmentation.PixelsEqual(back[i].Segmentation));
            Assert.Equal(records[i].Area, back[i].Area);
            Assert.Equal(records[i].Bbox, back[i].Bbox);
            Assert.Equal(records[i].PredictedIou, back[i].PredictedIou);
            Assert.Equal(records[i].StabilityScore, back[i].StabilityScore);
            Assert.Equal(records[i].CropBox, back[i].CropBox);
            Assert.Equal(records[i].PointCoords.Select(p => p.ToArray()), back[i].PointCoords.Select(p => p.ToArray()));
        }
        // SAM layout: keys and types as amg.py writes them
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var r0 = doc.RootElement[0];
        Assert.Equal(JsonValueKind.String, r0.GetProperty("segmentation").GetProperty("counts").ValueKind);
        Assert.Equal(new[] { 24, 20 }, r0.GetProperty("segmentation").GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(283, r0.GetProperty("area").GetInt64()); // label 0 has 283 pixels (spe_cases.json)
        Assert.Equal(new[] { 0.0, 0.0, 20.0, 24.0 }, r0.GetProperty("crop_box").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(2, r0.GetProperty("point_coords")[0].GetArrayLength());
        Assert.Equal(new[] { "segmentation", "area", "bbox", "predicted_iou", "point_coords", "stability_score", "crop_box" },
            r0.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Reads_SamStyleRecord_WithCompressedAndUncompressedCounts()
    {
        // Hand-made amg.py-style file: mask of CocoRleTests' 3×4 example, once compressed, once as a list.
        const string json = """
            [{"segmentation": {"size": [3, 4], "counts": "254L"}, "area": 6, "bbox": [0, 0, 3, 2],
              "predicted_iou": 0.951, "point_coords": [[1.5, 0.5]], "stability_score": 0.982, "crop_box": [0, 0, 4, 3]},
             {"segmentation": {"size": [3, 4], "counts": [2, 5, 4, 1]}, "area": 6, "bbox": [0, 0, 3, 2],
              "predicted_iou": 0.9, "point_coords": [[1.0, 2.0]], "stability_score": 0.96, "crop_box": [0, 0, 4, 3]}]
            """;
        var recs = AmgJson.Parse(Encoding.UTF8.GetBytes(json), "test.json");
        Assert.Equal(2, recs.Count);
        Assert.True(recs[0].Segmentation.PixelsEqual(recs[1].Segmentation));
        Assert.Equal(0.951, recs[0].PredictedIou);
        Assert.Equal(0.982, recs[0].StabilityScore);
        Assert.Equal(new[] { 1.5, 0.5 }, recs[0].PointCoords[0]);
        Assert.True(recs[0].Segmentation[2, 0]);
        // computed fields agree with what SAM wrote
        var computed = MaskRecord.FromMask(recs[0].Segmentation);
        Assert.Equal(recs[0].Bbox, computed.Bbox);
        Assert.Equal(recs[0].Area, computed.Area);
    }

    [Fact]
    public void EmptyList_IsValid()
    {
        Assert.Empty(AmgJson.Parse("[]"u8, "empty.json"));
    }

    [Theory]
    [InlineData("{\"a\": 1}", "expected a list")]
    [InlineData("[{\"area\": 3}]", "segmentation")]
    [InlineData("[{\"segmentation\": {\"size\": [3, 4], \"counts\": \"254\"}}]", "12 pixels")]
    [InlineData("[{\"segmentation\": {\"size\": [3], \"counts\": \"254L\"}}]", "[H, W]")]
    [InlineData("[{\"segmentation\": {\"size\": [3, 4], \"counts\": \"254L\"}}, {\"segmentation\": {\"size\": [4, 3], \"counts\": \"254L\"}}]", "differs")]
    [InlineData("[{\"segmentation\": {\"size\": [3, 4], \"counts\": 5}}]", "counts")]
    [InlineData("[{", "not valid JSON")]
    public void BadFiles_NameFileAndProblem(string json, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => AmgJson.Parse(Encoding.UTF8.GetBytes(json), "bad.json"));
        Assert.Contains("bad.json", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => AmgJson.Read("/nonexistent/x.json"));
    }
}
