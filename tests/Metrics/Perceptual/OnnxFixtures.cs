using Google.Protobuf;
using Onnx;

namespace SamDiffSR.Tests.Metrics.Perceptual;

/// <summary>
/// Tiny ONNX models built in C# with OnnxSharp's protobuf classes, so that the ONNX-based metrics run end to end
/// without real weights. Opset 13 (ReduceMean still takes 'axes' as an attribute there).
/// </summary>
internal static class OnnxFixtures
{
    private const int Float = 1; // TensorProto.DataType.FLOAT

    /// <summary>A fresh temporary folder for fixture files.</summary>
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "samdiffsr-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>FID stand-in: input [N, 3, h, w] → GlobalAveragePool → (Flatten →) [N, 3] (or [N, 3, 1, 1]).</summary>
    public static string Fid(string dir, int h, int w, bool flatten = true, string input = "input", string output = "pool3", object? batch = null)
    {
        var nodes = new List<NodeProto> { Node("GlobalAveragePool", [input], [flatten ? "gap" : output]) };
        if (flatten) nodes.Add(Node("Flatten", ["gap"], [output], Int("axis", 1)));
        object[] outDims = flatten ? [batch ?? "N", 3] : [batch ?? "N", 3, 1, 1];
        return Save(dir, "fid.onnx", nodes, [Value(input, batch ?? "N", 3, h, w)], [Value(output, outDims)]);
    }

    /// <summary>A model whose input is rank 2 — the wrong signature for an image network.</summary>
    public static string WrongRank(string dir) =>
        Save(dir, "wrong.onnx", [Node("Relu", ["x"], ["y"])], [Value("x", "N", 3)], [Value("y", "N", 3)]);

    /// <summary>
    /// LPIPS backbone stand-in with five 3-channel "feature maps" of the input: Identity, Relu, AveragePool 2×2/2,
    /// Abs, GlobalAveragePool.
    /// </summary>
    public static string LpipsFeatures(string dir, object? batch = null)
    {
        var n = batch ?? "N";
        var nodes = new List<NodeProto>
        {
            Node("Identity", ["input"], ["f1"]),
            Node("Relu", ["input"], ["f2"]),
            Node("AveragePool", ["input"], ["f3"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)),
            Node("Abs", ["input"], ["f4"]),
            Node("GlobalAveragePool", ["input"], ["f5"]),
        };
        return Save(dir, "lpips_features.onnx", nodes, [Value("input", n, 3, "H", "W")],
            [Value("f1", n, 3, "H", "W"), Value("f2", n, 3, "H", "W"), Value("f3", n, 3, "H2", "W2"), Value("f4", n, 3, "H", "W"), Value("f5", n, 3, 1, 1)]);
    }

    /// <summary>Whole-LPIPS stand-in: mean over C, H, W of (in0 − in1)² → [N, 1, 1, 1].</summary>
    public static string LpipsDistance(string dir)
    {
        var nodes = new List<NodeProto>
        {
            Node("Sub", ["in0", "in1"], ["d"]),
            Node("Mul", ["d", "d"], ["d2"]),
            Node("ReduceMean", ["d2"], ["distance"], Ints("axes", 1, 2, 3), Int("keepdims", 1)),
        };
        return Save(dir, "lpips_full.onnx", nodes, [Value("in0", "N", 3, "H", "W"), Value("in1", "N", 3, "H", "W")], [Value("distance", "N", 1, 1, 1)]);
    }

    /// <summary>MANIQA stand-in: crop [N, 3, c, c] → mean over C, H, W → score [N].</summary>
    public static string Maniqa(string dir, int crop, object? batch = null)
    {
        var nodes = new List<NodeProto> { Node("ReduceMean", ["input"], ["score"], Ints("axes", 1, 2, 3), Int("keepdims", 0)) };
        return Save(dir, "maniqa.onnx", nodes, [Value("input", batch ?? "N", 3, crop, crop)], [Value("score", batch ?? "N")]);
    }

    /// <summary>
    /// MANIQA stand-in with per-patch outputs: patch_scores = Flatten(AveragePool c/2 × c/2, stride c/2) → [N, 12]
    /// (3 channels × 2 × 2 quadrants), patch_weights = Sigmoid(patch_scores).
    /// </summary>
    public static string ManiqaPatches(string dir, int crop)
    {
        var k = crop / 2;
        var nodes = new List<NodeProto>
        {
            Node("AveragePool", ["input"], ["q"], Ints("kernel_shape", k, k), Ints("strides", k, k)),
            Node("Flatten", ["q"], ["patch_scores"], Int("axis", 1)),
            Node("Sigmoid", ["patch_scores"], ["patch_weights"]),
        };
        return Save(dir, "maniqa_patches.onnx", nodes, [Value("input", "N", 3, crop, crop)], [Value("patch_scores", "N", 12), Value("patch_weights", "N", 12)]);
    }

    private static string Save(string dir, string file, List<NodeProto> nodes, ValueInfoProto[] inputs, ValueInfoProto[] outputs)
    {
        var graph = new GraphProto { Name = Path.GetFileNameWithoutExtension(file) };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        var model = new ModelProto { IrVersion = 7, ProducerName = "SamDiffSR.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var path = Path.Combine(dir, file);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    private static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    private static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    /// <summary>A float tensor value info; each dim is a long/int (fixed) or a string (symbolic).</summary>
    private static ValueInfoProto Value(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d is string s) dim.DimParam = s;
            else dim.DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture);
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Float, Shape = shape } },
        };
    }
}
