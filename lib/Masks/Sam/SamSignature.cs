using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SamDiffSR.Masks.Sam;

/// <summary>
/// Compares the inputs/outputs an ONNX model declares with what a <see cref="SamModelDescription"/> expects (names,
/// ranks, element types, and static sizes where both sides fix them) and throws one <see cref="InvalidDataException"/>
/// listing every problem, the expected and the found signature, and the fix.
/// </summary>
internal static class SamSignature
{
    private sealed record Expect(string Name, string Role, int Rank, TensorElementType[] Types, long[]? Dims, string JsonKey);

    public static void CheckEncoder(SamModelDescription d, InferenceSession s)
    {
        long side = d.PadToSquare ? d.LongestSide : -1;
        var inDims = d.EncoderLayout switch
        {
            SamInputLayout.Nchw => new long[] { 1, 3, side, side },
            SamInputLayout.Nhwc => new long[] { 1, side, side, 3 },
            _ => new long[] { side, side, 3 },
        };
        var inTypes = d.Normalize ? new[] { TensorElementType.Float } : new[] { TensorElementType.Float, TensorElementType.UInt8 };
        var inputs = new[] { new Expect(d.EncoderInput, "image", inDims.Length, inTypes, inDims, "encoder_input") };
        var outputs = new[] { new Expect(d.EncoderOutput, "image embedding", 4, new[] { TensorElementType.Float }, null, "encoder_output") };
        Check(d, s, d.EncoderPath, "encoder", inputs, outputs, requireAllInputs: true,
            $"set \"encoder_input\"/\"encoder_output\", \"encoder_layout\" ({Layouts}) and \"normalize\" in the model description to match the model, or point \"encoder\" at a SAM image-encoder export");
    }

    public static void CheckDecoder(SamModelDescription d, InferenceSession s, InferenceSession encoder)
    {
        var f = new[] { TensorElementType.Float };
        var encOut = encoder.OutputMetadata.TryGetValue(d.EncoderOutput, out var eo) ? eo.Dimensions.Select(x => (long)x).ToArray() : null;
        var inputs = new List<Expect>
        {
            new(d.DecoderImageEmbeddings, "image_embeddings", 4, f, encOut, "decoder_inputs.image_embeddings"),
            new(d.DecoderPointCoords, "point_coords", 3, f, new long[] { -1, -1, 2 }, "decoder_inputs.point_coords"),
            new(d.DecoderPointLabels, "point_labels", 2, f, null, "decoder_inputs.point_labels"),
        };
        if (!string.IsNullOrEmpty(d.DecoderMaskInput)) inputs.Add(new(d.DecoderMaskInput, "mask_input", 4, f, null, "decoder_inputs.mask_input"));
        if (!string.IsNullOrEmpty(d.DecoderHasMaskInput)) inputs.Add(new(d.DecoderHasMaskInput, "has_mask_input", 1, f, null, "decoder_inputs.has_mask_input"));
        if (!string.IsNullOrEmpty(d.DecoderOrigImSize)) inputs.Add(new(d.DecoderOrigImSize, "orig_im_size", 1, f, new long[] { 2 }, "decoder_inputs.orig_im_size"));
        var outputs = new List<Expect> { new(d.DecoderIouPredictions, "iou_predictions", 2, f, null, "decoder_outputs.iou_predictions") };
        if (!string.IsNullOrEmpty(d.DecoderMasks)) outputs.Add(new(d.DecoderMasks, "masks", 4, f, null, "decoder_outputs.masks"));
        if (!string.IsNullOrEmpty(d.DecoderLowResMasks)) outputs.Add(new(d.DecoderLowResMasks, "low_res_masks", 4, f, null, "decoder_outputs.low_res_masks"));
        Check(d, s, d.DecoderPath, "decoder", inputs, outputs, requireAllInputs: true,
            "set \"decoder_inputs\"/\"decoder_outputs\" in the model description to the model's names (\"\" for an optional one the model lacks), " +
            "or point \"decoder\" at a decoder exported with segment-anything scripts/export_onnx_model.py");
    }

    private const string Layouts = "nchw, nhwc or hwc";

    private static void Check(SamModelDescription d, InferenceSession s, string path, string role,
        IReadOnlyList<Expect> inputs, IReadOnlyList<Expect> outputs, bool requireAllInputs, string fix)
    {
        var problems = new List<string>();
        Compare("input", inputs, s.InputMetadata, problems);
        Compare("output", outputs, s.OutputMetadata, problems);
        if (requireAllInputs)
            foreach (var name in s.InputMetadata.Keys)
                if (!inputs.Any(e => e.Name == name))
                    problems.Add($"the model needs input '{name}', which the description does not feed");
        if (problems.Count == 0) return;
        var sb = new StringBuilder();
        sb.Append($"{path}: this SAM {role} does not match the model description {d.SourcePath ?? "(built in code)"}.\n");
        sb.Append("  problems: ").Append(string.Join("; ", problems)).Append('\n');
        sb.Append("  expected inputs:  ").Append(string.Join(", ", inputs.Select(Describe))).Append('\n');
        sb.Append("  expected outputs: ").Append(string.Join(", ", outputs.Select(Describe))).Append('\n');
        sb.Append("  found inputs:     ").Append(string.Join(", ", s.InputMetadata.Select(kv => Describe(kv.Key, kv.Value)))).Append('\n');
        sb.Append("  found outputs:    ").Append(string.Join(", ", s.OutputMetadata.Select(kv => Describe(kv.Key, kv.Value)))).Append('\n');
        sb.Append("  fix: ").Append(fix);
        throw new InvalidDataException(sb.ToString());
    }

    private static void Compare(string kind, IReadOnlyList<Expect> expected, IReadOnlyDictionary<string, NodeMetadata> found, List<string> problems)
    {
        foreach (var e in expected)
        {
            if (!found.TryGetValue(e.Name, out var m))
            {
                problems.Add($"{kind} '{e.Name}' ({e.Role}, key \"{e.JsonKey}\") not found");
                continue;
            }
            if (!m.IsTensor)
            {
                problems.Add($"{kind} '{e.Name}' is not a tensor");
                continue;
            }
            if (!e.Types.Contains(m.ElementDataType))
                problems.Add($"{kind} '{e.Name}' has element type {TypeName(m.ElementDataType)}, expected {string.Join(" or ", e.Types.Select(TypeName))}");
            if (m.Dimensions.Length != e.Rank)
                problems.Add($"{kind} '{e.Name}' has rank {m.Dimensions.Length}, expected {e.Rank}");
            else if (e.Dims is not null)
                for (int i = 0; i < e.Rank; i++)
                    if (e.Dims[i] > 0 && m.Dimensions[i] > 0 && e.Dims[i] != m.Dimensions[i])
                        problems.Add($"{kind} '{e.Name}' has size {m.Dimensions[i]} on axis {i}, expected {e.Dims[i]}");
        }
    }

    private static string Describe(Expect e)
    {
        string dims = e.Dims is null ? $"rank {e.Rank}" : "[" + string.Join(",", e.Dims.Select(x => x > 0 ? x.ToString() : "?")) + "]";
        return $"{e.Name} ({string.Join("|", e.Types.Select(TypeName))} {dims})";
    }

    private static string Describe(string name, NodeMetadata m)
    {
        if (!m.IsTensor) return $"{name} ({m.OnnxValueType})";
        var dims = m.Dimensions.Select((x, i) => x > 0 ? x.ToString()
            : m.SymbolicDimensions.Length > i && !string.IsNullOrEmpty(m.SymbolicDimensions[i]) ? m.SymbolicDimensions[i] : "?");
        return $"{name} ({TypeName(m.ElementDataType)} [{string.Join(",", dims)}])";
    }

    private static string TypeName(TensorElementType t) => t switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.Double => "float64",
        TensorElementType.Float16 => "float16",
        _ => t.ToString().ToLowerInvariant(),
    };
}
