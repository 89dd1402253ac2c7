using System.Text.Json;
using SamDiffSR.Verification;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Models;

/// <summary>
/// Lazily parsed data/reference/tiny_denoiser_io.json (outputs of the official SAM-DiffSR code for the Tiny config).
/// </summary>
internal static class TinyReference
{
    private static readonly Lazy<JsonDocument> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(TestPaths.Reference("tiny_denoiser_io.json"))));

    public static JsonElement Root => Doc.Value.RootElement;
    public static JsonElement Inputs => Root.GetProperty("inputs");
    public static JsonElement Outputs => Root.GetProperty("outputs");
    public static JsonElement TrainStep => Outputs.GetProperty("train_step");

    public static string StatePath => TestPaths.Reference("tiny_denoiser.pt");
    public static string AfterAdamPath => TestPaths.Reference("tiny_denoiser_after_adam_step.pt");

    public static float[] Floats(JsonElement arr) => ReferenceCheck.Floats(arr);
    public static double[] Doubles(JsonElement arr) => arr.EnumerateArray().Select(e => e.GetDouble()).ToArray();
    public static long[] Shape(JsonElement arr) => ReferenceCheck.Shape(arr);

    /// <summary>A float32 tensor from a flattened JSON list and a shape.</summary>
    public static Tensor Tensor(JsonElement values, long[] shape) => torch.tensor(Floats(values), shape);

    public static Tensor Input(string name) =>
        Tensor(Inputs.GetProperty(name), Shape(Inputs.GetProperty(name + "_shape")));

    /// <summary>(key, shape) of every entry of the official state dict, in the official order.</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> StateDictEntries =>
        Root.GetProperty("state_dict").EnumerateArray()
            .Select(e => (e.GetProperty("key").GetString()!, Shape(e.GetProperty("shape")))).ToList();

    public static double MaxAbsDiff(Tensor a, float[] expected) => ReferenceCheck.MaxAbsDiff(a, expected);
}
