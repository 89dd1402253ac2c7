using SamDiffSR.Runtime;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Masks.Spe;

/// <summary>
/// Turns a folder of SAM <c>amg.py</c> JSON files (one per image) into SPE maps <c>stem.npy</c> (float32 H×W),
/// the job of the official data_gen/merge_mask_to_one.py. Resumable: an existing output is skipped unless
/// <c>overwrite</c>; each output is written atomically, so an interrupted run never leaves a torn file.
/// An image with no masks gets no .npy (the JSON does not say its size; the official code writes a pickled
/// <c>None</c>); a <see cref="MaskStore"/> with <see cref="MissingMaskPolicy.UseZeros"/> treats it as all zeros.
/// </summary>
public static class SpeFolderEncoder
{
    /// <summary>Encodes every <c>*.json</c> in <paramref name="amgDirectory"/> (sorted by name).</summary>
    public static SpeFolderResult EncodeFolder(string amgDirectory, string outDirectory, SpeOptions options,
        bool overwrite = false, IProgress<ProgressInfo>? progress = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(amgDirectory))
            throw new DirectoryNotFoundException($"{amgDirectory}: SAM JSON folder not found; run SAM's scripts/amg.py --convert-to-rle to create it");
        var inputs = Directory.GetFiles(amgDirectory, "*.json").Order(StringComparer.Ordinal).ToArray();
        if (inputs.Length == 0)
            throw new InvalidDataException($"{amgDirectory}: no *.json files; expected one SAM amg.py output per image");
        Directory.CreateDirectory(outDirectory);
        var encoder = new SpeEncoder(options);
        int written = 0, skipped = 0;
        var empty = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            string stem = Path.GetFileNameWithoutExtension(inputs[i]);
            string outPath = Path.Combine(outDirectory, stem + ".npy");
            if (!overwrite && File.Exists(outPath)) skipped++;
            else
            {
                var records = AmgJson.Read(inputs[i]);
                if (records.Count == 0)
                {
                    empty.Add(inputs[i]);
                    log?.Invoke($"masks: {inputs[i]} has no masks; no .npy written (the image's size is unknown)");
                }
                else
                {
                    var seg = records[0].Segmentation;
                    NpyFile.Write(outPath, encoder.Encode(records, seg.Height, seg.Width));
                    written++;
                }
            }
            progress?.Report(new ProgressInfo("masks", i + 1, inputs.Length, stem));
        }
        return new SpeFolderResult(written, skipped, empty.Count, empty);
    }
}
