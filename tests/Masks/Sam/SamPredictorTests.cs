using SamDiffSR.Masks.Sam;
using Xunit;

namespace SamDiffSR.Tests.Masks.Sam;

/// <summary>Fixture ONNX models written once per test class into a temporary folder.</summary>
public sealed class SamOnnxModels : IDisposable
{
    public SamOnnxModels()
    {
        Directory.CreateDirectory(Folder);
        SamOnnxFixtures.WriteEncoder(P("encoder.onnx"));
        SamOnnxFixtures.WriteEncoder(P("encoder_hwc.onnx"), hwc: true, inputName: "input_image");
        SamOnnxFixtures.WriteDecoder(P("decoder.onnx"), SamOnnxFixtures.Default());
        SamOnnxFixtures.WriteDecoder(P("decoder_batch.onnx"), SamOnnxFixtures.Default(dynamicBatch: true));
        SamOnnxFixtures.WriteDecoder(P("decoder_dyn_emb.onnx"), SamOnnxFixtures.Default() with { StaticEmbeddings = false });
        SamOnnxFixtures.WriteDecoder(P("decoder_single.onnx"), new SamOnnxFixtures.DecoderSpec(new[] { 6.5f }, new[] { 20f }, new[] { 0.95f }));
        SamOnnxFixtures.WriteDecoder(P("decoder_coords.onnx"), SamOnnxFixtures.Default() with { PointCoordsName = "coords" });
        File.WriteAllBytes(P("corrupt.onnx"), Enumerable.Range(0, 300).Select(i => (byte)(i * 31 % 256)).ToArray());
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "samdiffsr-sam-" + Guid.NewGuid().ToString("N"));

    public string P(string name) => Path.Combine(Folder, name);

    /// <summary>Writes a description JSON next to the models and returns its path.</summary>
    public string Description(string json, string name = "sam.json")
    {
        File.WriteAllText(P(name), json);
        return P(name);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public class SamPredictorTests(SamOnnxModels models) : IClassFixture<SamOnnxModels>
{
    private const int H = SamAutomaticMaskGeneratorTests.H, W = SamAutomaticMaskGeneratorTests.W;

    private SamPredictor Open(string decoder = "decoder.onnx", string source = "masks", string extra = "") =>
        SamPredictor.Open(models.Description(
            $"{{\"model\": \"fixture\", \"encoder\": \"encoder.onnx\", \"decoder\": \"{decoder}\", \"mask_source\": \"{source}\"{extra}}}"));

    private static byte[] LeftRight()
    {
        // left half (cols < 32) RGB (200, 0, 50), right half (0, 0, 50)
        var a = new byte[H * W * 3];
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
            {
                a[(r * W + c) * 3] = (byte)(c < 32 ? 200 : 0);
                a[(r * W + c) * 3 + 2] = 50;
            }
        return a;
    }

    [Fact]
    public void Encode_ResizesNormalisesPadsNchw()
    {
        using var p = Open();
        Assert.False(p.DecoderTakesPointBatches);
        var e = p.EncodeImage(LeftRight(), H, W);
        Assert.Equal(new long[] { 1, 256, 64, 64 }, e.Shape);
        Assert.Equal((768, 1024), (e.ResizedHeight, e.ResizedWidth));
        float At(int c, int y, int x) => e.Data[(c * 64 + y) * 64 + x];
        // each embedding cell = mean of a 16×16 block of the normalised, padded 1024² input
        Assert.Equal((200 - 123.675f) / 58.395f, At(0, 0, 0), 5);
        Assert.Equal((0 - 123.675f) / 58.395f, At(0, 0, 63), 5);
        Assert.Equal((0 - 116.28f) / 57.12f, At(1, 20, 5), 5);
        Assert.Equal((50 - 103.53f) / 57.375f, At(2, 47, 40), 5);
        Assert.Equal(0f, At(0, 48, 0)); // rows 768..1023 are zero padding
        Assert.Equal(0f, At(2, 63, 63));
        Assert.Equal(0f, At(7, 10, 10)); // channels ≥ 3 of the fixture conv are zero
    }

    [Fact]
    public void Encode_HwcRawLayout_WithoutPadding()
    {
        var json = models.Description("""
            { "encoder": "encoder_hwc.onnx", "decoder": "decoder_dyn_emb.onnx", "encoder_input": "input_image",
              "encoder_layout": "hwc", "normalize": false, "pad_to_square": false, "mask_source": "masks" }
            """, "hwc.json");
        using var p = SamPredictor.Open(json);
        var e = p.EncodeImage(LeftRight(), H, W);
        Assert.Equal(new long[] { 1, 256, 48, 64 }, e.Shape); // 768/16 × 1024/16
        Assert.Equal(200f, e.Data[0], 4);
        Assert.Equal(50f, e.Data[(2 * 48 + 47) * 64 + 63], 4);
        // the decoder runs on the unpadded embedding too
        var d = p.Decode(e, new[] { (8.0, 6.0) });
        Assert.Equal(130f, d.MaskLogits(0, 0)[6 * W + 8], 3);
    }

    [Fact]
    public void Decode_MultimaskDropsToken0_AndMapsPointsToTheResizedFrame()
    {
        using var p = Open();
        var e = p.EncodeImage(SamAutomaticMaskGeneratorTests.Image(), H, W);
        var d = p.Decode(e, new[] { (8.0, 6.0), (40.0, 30.0) });
        Assert.Equal((2, 3, H, W), (d.PointCount, d.MasksPerPoint, d.Height, d.Width));
        Assert.Equal(new[] { 0.95f, 0.96f, 0.80f }, new[] { d.Iou(0, 0), d.Iou(0, 1), d.Iou(0, 2) }); // token 0 (0.99) dropped
        var m = d.MaskLogits(1, 0);
        Assert.Equal(20 * 6.5f, m[30 * W + 40], 3);       // at the point: slope·r
        Assert.Equal(20 * (6.5f - 8f), m[30 * W + 48], 3); // 8 px to the right
        var fake = FakeSamBackend.DiscLogits(40, 30, 9.5f, 0.5f, H, W);
        var onnx = d.MaskLogits(1, 1);
        for (int i = 0; i < fake.Length; i++) Assert.Equal(fake[i], onnx[i], 4);
        Assert.Null(d.LowResLogits(0, 0)); // mask_source "masks"
    }

    [Fact]
    public void Generator_OverOnnx_EqualsTheAnalyticFake()
    {
        using var p = Open();
        var opt = new SamAmgOptions { PointsPerSide = 4 };
        var onnx = new SamAutomaticMaskGenerator(p, opt).Generate(SamAutomaticMaskGeneratorTests.Image(), H, W);
        var fake = new SamAutomaticMaskGenerator(FakeSamBackend.DefaultDiscs(), opt).Generate(SamAutomaticMaskGeneratorTests.Image(), H, W);
        Assert.Equal(16, onnx.Count);
        Assert.Equal(SamAutomaticMaskGeneratorTests.Json(fake), SamAutomaticMaskGeneratorTests.Json(onnx));
    }

    [Fact]
    public void BatchDecoder_AndOnePointDecoder_GiveIdenticalRecords()
    {
        var pts = Enumerable.Range(0, 10).Select(i => (X: 0.08 + 0.09 * i, Y: 0.1 + 0.08 * i)).ToArray();
        var opt = new SamAmgOptions { PointsPerSide = null, PointGrids = new[] { pts }, PointsPerBatch = 3 };
        using var single = Open();
        using var batch = Open("decoder_batch.onnx");
        Assert.True(batch.DecoderTakesPointBatches);
        var a = new SamAutomaticMaskGenerator(single, opt).Generate(SamAutomaticMaskGeneratorTests.Image(), H, W);
        var b = new SamAutomaticMaskGenerator(batch, opt with { PointsPerBatch = 64 }).Generate(SamAutomaticMaskGeneratorTests.Image(), H, W);
        // discs around off-grid points lose some stability (lattice points in the ring 6.45 ≤ d < 6.55), so not all
        // ten survive; the analytic fake backend must agree record for record
        var fake = new SamAutomaticMaskGenerator(FakeSamBackend.DefaultDiscs(), opt).Generate(SamAutomaticMaskGeneratorTests.Image(), H, W);
        Assert.InRange(a.Count, 5, 10);
        Assert.Equal(SamAutomaticMaskGeneratorTests.Json(fake), SamAutomaticMaskGeneratorTests.Json(a));
        Assert.Equal(SamAutomaticMaskGeneratorTests.Json(a), SamAutomaticMaskGeneratorTests.Json(b));
    }

    [Fact]
    public void LowResPath_UpscalesLikeSam_AndStaysInsideTheDisc()
    {
        // low_res_masks is a cone around the point in 256² cells; SAM's two bilinear stages interpolate a concave
        // function, so the result never exceeds the exact cone: the mask is a subset of the disc, and nearly all of it.
        using var p = Open(source: "low_res_masks");
        var e = p.EncodeImage(SamAutomaticMaskGeneratorTests.Image(), H, W);
        var d = p.Decode(e, new[] { (24.0, 18.0) });
        var lr = d.LowResLogits(0, 0);
        Assert.NotNull(lr);
        Assert.Equal(256 * 256, lr!.Length);
        var m = d.MaskLogits(0, 0);
        int inDisc = 0, inMask = 0;
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
            {
                bool disc = (c - 24) * (c - 24) + (r - 18) * (r - 18) < 6.5 * 6.5;
                bool mask = m[r * W + c] > 0;
                Assert.False(mask && !disc, $"pixel ({r}, {c}) is in the upscaled mask but outside the disc");
                inDisc += disc ? 1 : 0;
                inMask += mask ? 1 : 0;
            }
        Assert.Equal(137, inDisc);
        Assert.True(inMask >= 130, $"upscaled mask has {inMask} of 137 pixels");
    }

    [Fact]
    public void SingleMaskExport_GivesOneMaskPerPoint()
    {
        using var p = Open("decoder_single.onnx");
        var d = p.Decode(p.EncodeImage(SamAutomaticMaskGeneratorTests.Image(), H, W), new[] { (8.0, 6.0) });
        Assert.Equal(1, d.MasksPerPoint);
        Assert.Equal(0.95f, d.Iou(0, 0));
    }

    [Fact]
    public void MissingModelFile_NamesFileAndKey()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Open("nope.onnx"));
        Assert.Contains(models.P("nope.onnx"), ex.Message);
        Assert.Contains("\"decoder\"", ex.Message);
        Assert.Contains("export_onnx_model.py", ex.Message);
    }

    [Fact]
    public void WrongEncoderInputName_ListsExpectedAndFoundSignature()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Open(extra: ", \"encoder_input\": \"input_image\""));
        Assert.Contains(models.P("encoder.onnx"), ex.Message);
        Assert.Contains("input 'input_image' (image, key \"encoder_input\") not found", ex.Message);
        Assert.Contains("expected inputs:  input_image (float32 [1,3,1024,1024])", ex.Message);
        Assert.Contains("found inputs:     image (float32 [1,3,1024,1024])", ex.Message);
        Assert.Contains("found outputs:    image_embeddings (float32 [1,256,64,64])", ex.Message);
        Assert.Contains("the model needs input 'image'", ex.Message);
        Assert.Contains("fix:", ex.Message);
    }

    [Fact]
    public void EncoderGivenAsDecoder_ListsTheDecoderSignature()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Open("encoder.onnx"));
        Assert.Contains("this SAM decoder does not match", ex.Message);
        Assert.Contains("input 'point_coords' (point_coords, key \"decoder_inputs.point_coords\") not found", ex.Message);
        Assert.Contains("output 'iou_predictions'", ex.Message);
        Assert.Contains("found inputs:     image (float32 [1,3,1024,1024])", ex.Message);
        Assert.Contains("export_onnx_model.py", ex.Message);
    }

    [Fact]
    public void RenamedDecoderInput_IsReported_AndFixedByTheDescription()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Open("decoder_coords.onnx"));
        Assert.Contains("input 'point_coords'", ex.Message);
        Assert.Contains("the model needs input 'coords'", ex.Message);
        Assert.Contains("coords (float32 [1,num_points,2])", ex.Message);
        using var ok = Open("decoder_coords.onnx", extra: ", \"decoder_inputs\": {\"point_coords\": \"coords\"}");
        Assert.Equal(3, ok.Decode(ok.EncodeImage(SamAutomaticMaskGeneratorTests.Image(), H, W), new[] { (8.0, 6.0) }).MasksPerPoint);
    }

    [Fact]
    public void WrongLayout_RankMismatchIsReported()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Open(extra: ", \"encoder_layout\": \"hwc\""));
        Assert.Contains("input 'image' has rank 4, expected 3", ex.Message);
    }

    [Fact]
    public void CorruptModelFile_IsAnInvalidDataException()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Open("corrupt.onnx"));
        Assert.Contains(models.P("corrupt.onnx"), ex.Message);
        Assert.Contains("cannot load", ex.Message);
    }
}
