using SamDiffSR.Masks.Sam;
using Xunit;

namespace SamDiffSR.Tests.Masks.Sam;

public class SamModelDescriptionTests
{
    [Fact]
    public void EmptyJson_GivesSamDefaults_WithPathsNextToTheJson()
    {
        var d = SamModelDescription.Parse("{}", "/models/sam.json", "/models");
        Assert.Equal("vit_h", d.ModelName);
        Assert.Equal("/models/sam_vit_h_encoder.onnx", d.EncoderPath);
        Assert.Equal("/models/sam_vit_h_decoder.onnx", d.DecoderPath);
        Assert.Equal(1024, d.LongestSide);
        Assert.Equal(new[] { 123.675, 116.28, 103.53 }, d.PixelMean);
        Assert.Equal(new[] { 58.395, 57.12, 57.375 }, d.PixelStd);
        Assert.Equal(0.0, d.MaskThreshold);
        Assert.Equal(SamInputLayout.Nchw, d.EncoderLayout);
        Assert.True(d.Normalize && d.PadToSquare && d.AppendPaddingPoint);
        Assert.Equal(SamMaskSource.LowResMasks, d.MaskSource);
        Assert.Equal(("image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"),
            (d.DecoderImageEmbeddings, d.DecoderPointCoords, d.DecoderPointLabels, d.DecoderMaskInput, d.DecoderHasMaskInput, d.DecoderOrigImSize));
        Assert.Equal(("masks", "iou_predictions", "low_res_masks"), (d.DecoderMasks, d.DecoderIouPredictions, d.DecoderLowResMasks));
    }

    [Fact]
    public void Overrides_RelativeAndAbsolutePaths()
    {
        var d = SamModelDescription.Parse("""
            { // comments are allowed
              "model": "mobile_sam", "encoder": "sub/enc.onnx", "decoder": "/abs/dec.onnx",
              "encoder_input": "images", "encoder_layout": "NHWC", "normalize": false, "longest_side": 512,
              "pixel_mean": [0, 0, 0], "mask_threshold": 0.5, "mask_source": "masks",
              "decoder_inputs": { "mask_input": "" }, "decoder_outputs": { "low_res_masks": "" }
            }
            """, "/m/x.json", "/m");
        Assert.Equal("mobile_sam", d.ModelName);
        Assert.Equal("/m/sub/enc.onnx", d.EncoderPath);
        Assert.Equal("/abs/dec.onnx", d.DecoderPath);
        Assert.Equal(("images", SamInputLayout.Nhwc, false, 512), (d.EncoderInput, d.EncoderLayout, d.Normalize, d.LongestSide));
        Assert.Equal(new[] { 0.0, 0, 0 }, d.PixelMean);
        Assert.Equal(0.5, d.MaskThreshold);
        Assert.Equal("", d.DecoderMaskInput);
        Assert.Equal(SamMaskSource.Masks, d.MaskSource);
    }

    [Theory]
    [InlineData("{\"encodr\": \"a.onnx\"}", "unknown key \"encodr\"")]
    [InlineData("{\"decoder_inputs\": {\"coords\": \"x\"}}", "unknown key \"decoder_inputs.coords\"")]
    [InlineData("{\"encoder_layout\": \"chw\"}", "\"nchw\", \"nhwc\", \"hwc\"")]
    [InlineData("{\"pixel_std\": [1, 2]}", "\"pixel_std\" must be a list of 3 numbers")]
    [InlineData("{\"pixel_std\": [1, 0, 2]}", "must be positive")]
    [InlineData("{\"mask_source\": \"masks\", \"decoder_outputs\": {\"masks\": \"\"}}", "\"decoder_outputs.masks\" is empty")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"longest_side\": ", "not valid JSON")]
    public void BadJson_NamesFileAndKey(string json, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SamModelDescription.Parse(json, "/m/bad.json", "/m"));
        Assert.Contains("/m/bad.json", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void MissingJson_IsFileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-sam-" + Guid.NewGuid().ToString("N") + ".json");
        var ex = Assert.Throws<FileNotFoundException>(() => SamModelDescription.Load(path));
        Assert.Contains(path, ex.Message);
    }
}
