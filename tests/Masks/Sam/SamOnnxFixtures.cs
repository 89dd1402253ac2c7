using Onnx;

namespace SamDiffSR.Tests.Masks.Sam;

/// <summary>
/// Builds tiny ONNX models (opset 17, written with OnnxSharp at test time) with the I/O signatures of SAM's exports and
/// analytic behaviour:
/// <list type="bullet">
/// <item>encoder: image [1,3,1024,1024] → AveragePool 16×16 → 1×1 Conv (output channel c &lt; 3 copies input channel c,
/// the rest are 0) → image_embeddings [1,256,64,64]; the HWC variant takes [h,w,3] (Transpose + Unsqueeze first);</item>
/// <item>decoder (segment-anything export signature): for the FIRST prompt point (x', y') in the resized frame, with
/// s = 1024 / max(orig_im_size) and (px, py) = (x', y')/s, mask k has logits slope_k·(r_k − dist((col,row),(px,py))) at
/// orig_im_size (pixel grid built with Range, so the disc is exact); iou_predictions = iou_k + alpha·x';
/// low_res_masks [B,K,256,256] = slope_k·(r_k·s/4 − dist) measured in low-res cells around the low-res position of
/// pixel (px, py), (x' + s/2 − 2)/4 (a cone, so SAM's upscaling gives back ≈ the disc).</item>
/// </list>
/// </summary>
internal static class SamOnnxFixtures
{
    public sealed record DecoderSpec(
        float[] Radii, float[] Slopes, float[] Ious, float Alpha = 0f, bool DynamicBatch = false,
        bool StaticEmbeddings = true, string PointCoordsName = "point_coords");

    /// <summary>Default decoder: token 0 (dropped by multimask) r 3 iou 0.99; k1 r 6.5 stable iou 0.95;
    /// k2 r 9.5 slope 0.5 (unstable) iou 0.96; k3 r 12.5 iou 0.80 (fails pred_iou 0.88).</summary>
    public static DecoderSpec Default(float alpha = 0f, bool dynamicBatch = false) =>
        new(new[] { 3f, 6.5f, 9.5f, 12.5f }, new[] { 20f, 20f, 0.5f, 20f }, new[] { 0.99f, 0.95f, 0.96f, 0.80f }, alpha, dynamicBatch);

    private const int F = (int)TensorProto.Types.DataType.Float;
    private const int I64 = (int)TensorProto.Types.DataType.Int64;

    public static void WriteEncoder(string path, bool hwc = false, string inputName = "image")
    {
        var g = new GraphProto { Name = "sam_encoder_fixture" };
        string x = inputName;
        if (hwc)
        {
            g.Input.Add(Value(inputName, F, "h", "w", 3));
            g.Node.Add(Node("Transpose", new[] { inputName }, new[] { "chw" }, Ints("perm", 2, 0, 1)));
            g.Initializer.Add(Int64s("ax0", new long[] { 0 }, 1));
            g.Node.Add(Node("Unsqueeze", new[] { "chw", "ax0" }, new[] { "nchw" }));
            x = "nchw";
        }
        else g.Input.Add(Value(inputName, F, 1, 3, 1024, 1024));
        g.Node.Add(Node("AveragePool", new[] { x }, new[] { "pooled" }, Ints("kernel_shape", 16, 16), Ints("strides", 16, 16)));
        var w = new float[256 * 3];
        for (int c = 0; c < 3; c++) w[c * 3 + c] = 1f;
        g.Initializer.Add(Floats("conv_w", w, 256, 3, 1, 1));
        g.Initializer.Add(Floats("conv_b", new float[256], 256));
        g.Node.Add(Node("Conv", new[] { "pooled", "conv_w", "conv_b" }, new[] { "image_embeddings" }));
        if (hwc) g.Output.Add(Value("image_embeddings", F, 1, 256, "eh", "ew"));
        else g.Output.Add(Value("image_embeddings", F, 1, 256, 64, 64));
        Save(g, path);
    }

    public static void WriteDecoder(string path, DecoderSpec spec)
    {
        int k = spec.Radii.Length;
        var g = new GraphProto { Name = "sam_decoder_fixture" };
        object b = spec.DynamicBatch ? "B" : 1;
        if (spec.StaticEmbeddings) g.Input.Add(Value("image_embeddings", F, 1, 256, 64, 64));
        else g.Input.Add(Value("image_embeddings", F, 1, 256, "eh", "ew"));
        g.Input.Add(Value(spec.PointCoordsName, F, b, "num_points", 2));
        g.Input.Add(Value("point_labels", F, b, "num_points"));
        g.Input.Add(Value("mask_input", F, 1, 1, 256, 256));
        g.Input.Add(Value("has_mask_input", F, 1));
        g.Input.Add(Value("orig_im_size", F, 2));

        g.Initializer.Add(Floats("c1024", new[] { 1024f }));
        g.Initializer.Add(Floats("c4", new[] { 4f }));
        g.Initializer.Add(Floats("c2", new[] { 2f }));
        g.Initializer.Add(Floats("c05", new[] { 0.5f }));
        g.Initializer.Add(Floats("radii", spec.Radii, 1, k, 1, 1));
        g.Initializer.Add(Floats("slopes", spec.Slopes, 1, k, 1, 1));
        g.Initializer.Add(Floats("ious", spec.Ious, 1, k));
        g.Initializer.Add(Floats("alpha", new[] { spec.Alpha }));
        g.Initializer.Add(Int64s("s_first", new long[] { 0 }, 1));
        g.Initializer.Add(Int64s("e_first", new long[] { 1 }, 1));
        g.Initializer.Add(Int64s("ax1", new long[] { 1 }, 1));
        g.Initializer.Add(Int64s("ax2", new long[] { 2 }, 1));
        g.Initializer.Add(Int64s("s_y", new long[] { 1 }, 1));
        g.Initializer.Add(Int64s("e_y", new long[] { 2 }, 1));
        g.Initializer.Add(Int64s("ax3", new long[] { 3 }, 1));
        g.Initializer.Add(Int64s("ax013", new long[] { 0, 1, 3 }, 3));
        g.Initializer.Add(Int64s("ax012", new long[] { 0, 1, 2 }, 3));
        g.Initializer.Add(Int64s("shape_b1", new long[] { -1, 1 }, 2));
        g.Initializer.Add(Int64s("i0", new long[] { 0 }));
        g.Initializer.Add(Int64s("i1", new long[] { 1 }));
        var lr = Enumerable.Range(0, 256).Select(i => (float)i).ToArray();
        g.Initializer.Add(Floats("lr_grid", lr, 256));

        // s = 1024 / max(H, W)
        g.Node.Add(Node("ReduceMax", new[] { "orig_im_size" }, new[] { "maxside" }, Int("keepdims", 0)));
        g.Node.Add(Node("Div", new[] { "c1024", "maxside" }, new[] { "s" }));
        // first point (resized frame): [B,1,2] → x', y' as [B,1,1]
        g.Node.Add(Node("Slice", new[] { spec.PointCoordsName, "s_first", "e_first", "ax1" }, new[] { "p0" }));
        g.Node.Add(Node("Slice", new[] { "p0", "s_first", "e_first", "ax2" }, new[] { "xr" }));
        g.Node.Add(Node("Slice", new[] { "p0", "s_y", "e_y", "ax2" }, new[] { "yr" }));
        // original frame
        g.Node.Add(Node("Div", new[] { "xr", "s" }, new[] { "px" }));
        g.Node.Add(Node("Div", new[] { "yr", "s" }, new[] { "py" }));
        g.Node.Add(Node("Unsqueeze", new[] { "px", "ax3" }, new[] { "px4" })); // [B,1,1,1]
        g.Node.Add(Node("Unsqueeze", new[] { "py", "ax3" }, new[] { "py4" }));
        // pixel grid at orig_im_size
        g.Node.Add(Node("Gather", new[] { "orig_im_size", "i0" }, new[] { "H" }, Int("axis", 0)));
        g.Node.Add(Node("Gather", new[] { "orig_im_size", "i1" }, new[] { "W" }, Int("axis", 0)));
        g.Initializer.Add(Floats("z", new[] { 0f }));
        g.Initializer.Add(Floats("one", new[] { 1f }));
        g.Node.Add(Node("Range", new[] { "z", "H", "one" }, new[] { "rows" }));
        g.Node.Add(Node("Range", new[] { "z", "W", "one" }, new[] { "cols" }));
        g.Node.Add(Node("Unsqueeze", new[] { "rows", "ax013" }, new[] { "rows4" })); // [1,1,H,1]
        g.Node.Add(Node("Unsqueeze", new[] { "cols", "ax012" }, new[] { "cols4" })); // [1,1,1,W]
        Cone(g, "cols4", "rows4", "px4", "py4", "radii", "masks");
        // iou = ious + alpha·x'
        g.Node.Add(Node("Reshape", new[] { "xr", "shape_b1" }, new[] { "xr2" }));
        g.Node.Add(Node("Mul", new[] { "alpha", "xr2" }, new[] { "ax" }));
        g.Node.Add(Node("Add", new[] { "ious", "ax" }, new[] { "iou_predictions" }));
        // low-res cone: point at (x' + 0.5)/4 − 0.5 in low-res cells, radius r·s/4
        // low-res cell index of original pixel px: the pixel's centre (px + ½)·s in the 1024 frame is upsampled index
        // s(px + ½) − ½, i.e. low-res index (s(px + ½) − 2)/4 = (x' + s/2 − 2)/4
        g.Node.Add(Node("Mul", new[] { "px4", "s" }, new[] { "xr4" }));
        g.Node.Add(Node("Mul", new[] { "py4", "s" }, new[] { "yr4" }));
        g.Node.Add(Node("Mul", new[] { "s", "c05" }, new[] { "hs" }));
        g.Node.Add(Node("Sub", new[] { "hs", "c2" }, new[] { "hs2" }));
        g.Node.Add(Node("Add", new[] { "xr4", "hs2" }, new[] { "xr4a" }));
        g.Node.Add(Node("Add", new[] { "yr4", "hs2" }, new[] { "yr4a" }));
        g.Node.Add(Node("Div", new[] { "xr4a", "c4" }, new[] { "lpx" }));
        g.Node.Add(Node("Div", new[] { "yr4a", "c4" }, new[] { "lpy" }));
        g.Node.Add(Node("Unsqueeze", new[] { "lr_grid", "ax013" }, new[] { "lrows4" }));
        g.Node.Add(Node("Unsqueeze", new[] { "lr_grid", "ax012" }, new[] { "lcols4" }));
        g.Node.Add(Node("Mul", new[] { "radii", "s" }, new[] { "rs" }));
        g.Node.Add(Node("Div", new[] { "rs", "c4" }, new[] { "lradii" }));
        Cone(g, "lcols4", "lrows4", "lpx", "lpy", "lradii", "low_res_masks");

        g.Output.Add(Value("masks", F, b, k, "H", "W"));
        g.Output.Add(Value("iou_predictions", F, b, k));
        g.Output.Add(Value("low_res_masks", F, b, k, 256, 256));
        Save(g, path);
    }

    // out = slopes·(radius − sqrt((cols − px)² + (rows − py)²))
    private static void Cone(GraphProto g, string cols, string rows, string px, string py, string radius, string output)
    {
        string p = output + "_";
        g.Node.Add(Node("Sub", new[] { cols, px }, new[] { p + "dx" }));
        g.Node.Add(Node("Sub", new[] { rows, py }, new[] { p + "dy" }));
        g.Node.Add(Node("Mul", new[] { p + "dx", p + "dx" }, new[] { p + "dx2" }));
        g.Node.Add(Node("Mul", new[] { p + "dy", p + "dy" }, new[] { p + "dy2" }));
        g.Node.Add(Node("Add", new[] { p + "dx2", p + "dy2" }, new[] { p + "d2" }));
        g.Node.Add(Node("Sqrt", new[] { p + "d2" }, new[] { p + "d" }));
        g.Node.Add(Node("Sub", new[] { radius, p + "d" }, new[] { p + "rd" }));
        g.Node.Add(Node("Mul", new[] { "slopes", p + "rd" }, new[] { output }));
    }

    private static void Save(GraphProto g, string path)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "SamDiffSR.Tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.WriteToFile(path);
    }

    private static ValueInfoProto Value(string name, int elemType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } } };
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = F };
        t.Dims.AddRange(dims); // no dims = scalar
        t.FloatData.AddRange(values);
        return t;
    }

    private static TensorProto Int64s(string name, long[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = I64 };
        t.Dims.AddRange(dims); // no dims = scalar
        t.Int64Data.AddRange(values);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attrs)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attrs);
        return n;
    }

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static AttributeProto Int(string name, long v) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
}
