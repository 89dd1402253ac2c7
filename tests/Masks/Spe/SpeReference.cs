using System.Text.Json;
using SamDiffSR.Masks;

namespace SamDiffSR.Tests.Masks.Spe;

/// <summary>One case of data/reference/spe_cases.json (official SAM-DiffSR merge_mask_to_one.py outputs).</summary>
public sealed record SpeCase(
    string Name, int H, int W, LabelMap? Labels, IReadOnlyList<BinaryMask> Masks,
    float[] RopeOutput, double[] RegionValuesF32, int[] RegionPixels, float[] RopeBase,
    double[] CosineOutput, double[]? SinCosOutput, float[] AfterAllSameToZero, float[] AfterNormalize01,
    float[] AfterNormalize11, int RopeUniqueValues)
{
    public override string ToString() => Name;
}

/// <summary>Loads spe_cases.json once.</summary>
public static class SpeReference
{
    private static readonly Lazy<(IReadOnlyList<SpeCase> Cases, double SingleRegionConstant)> Data = new(Load);

    public static IReadOnlyList<SpeCase> Cases => Data.Value.Cases;

    public static double SingleRegionConstant => Data.Value.SingleRegionConstant;

    public static SpeCase Get(string name) => Cases.Single(c => c.Name == name);

    public static IEnumerable<object[]> CaseNames() => Cases.Select(c => new object[] { c.Name });

    private static (IReadOnlyList<SpeCase>, double) Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Reference("spe_cases.json")));
        var cases = new List<SpeCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int h = c.GetProperty("H").GetInt32(), w = c.GetProperty("W").GetInt32();
            LabelMap? labels = null;
            IReadOnlyList<BinaryMask> masks;
            if (c.GetProperty("label_map").ValueKind == JsonValueKind.Array)
            {
                labels = new LabelMap(h, w, Flat(c.GetProperty("label_map")).Select(v => (int)v).ToArray());
                masks = labels.ToMasks();
            }
            else
            {
                masks = c.GetProperty("masks_in_order").EnumerateArray()
                    .Select(m => BinaryMask.FromRowMajor(Flat(m).Select(v => v != 0).ToArray(), h, w)).ToArray();
            }
            var regions = c.GetProperty("rope_region_values").EnumerateArray().ToArray();
            cases.Add(new SpeCase(
                c.GetProperty("name").GetString()!, h, w, labels, masks,
                F32(c.GetProperty("rope_output")),
                regions.Select(r => r.GetProperty("value_float32").GetDouble()).ToArray(),
                regions.Select(r => r.GetProperty("pixels").GetInt32()).ToArray(),
                F32(c.GetProperty("rope_base_map")),
                Flat(c.GetProperty("cosine_output")),
                c.GetProperty("sincos_output").ValueKind == JsonValueKind.Array ? Flat(c.GetProperty("sincos_output")) : null,
                F32(c.GetProperty("after_all_same_mask_to_zero")),
                F32(c.GetProperty("after_normalize_01")),
                F32(c.GetProperty("after_normalize_11")),
                c.GetProperty("rope_unique_values").GetInt32()));
        }
        double constant = doc.RootElement.GetProperty("single_region_summary").GetProperty("rope_constant_value").GetDouble();
        return (cases, constant);
    }

    private static double[] Flat(JsonElement rows) =>
        rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();

    private static float[] F32(JsonElement rows) => Flat(rows).Select(v => (float)v).ToArray();
}
