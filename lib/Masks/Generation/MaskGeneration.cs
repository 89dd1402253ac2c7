using SamDiffSR.Data;
using SamDiffSR.IO;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Runtime;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Masks.Generation;

/// <summary>Produces SAM-style mask records for an RGB image (Felzenszwalb label maps or SAM's automatic masks).</summary>
public interface IMaskRecordSource
{
    /// <summary>Short name for logs ("felzenszwalb(...)", "sam vit_h").</summary>
    string Name { get; }

    /// <summary>Mask records for an RGB image, in the order the SPE encoder should apply them.</summary>
    IReadOnlyList<MaskRecord> Generate(ImageU8 rgb);
}

/// <summary>Adapts any <see cref="ISegmenter"/> (a label map per image) to mask records: one mask per region.</summary>
public sealed class SegmenterRecordSource(ISegmenter segmenter) : IMaskRecordSource
{
    public string Name => segmenter.Name;

    public IReadOnlyList<MaskRecord> Generate(ImageU8 rgb)
    {
        var seg = segmenter.Segment(new SegmentationImage(rgb.Height, rgb.Width, rgb.Channels, rgb.Data));
        return new LabelMap(seg.Height, seg.Width, seg.Labels).ToRecords();
    }
}

/// <summary>Where masks come from (paper Table 4: masks from the HR image, or from the LR image).</summary>
public enum MaskFrom
{
    /// <summary>Segment the HR training image (the paper's "Medium"/"High" masks).</summary>
    [OptionName("hr")]
    Hr,
    /// <summary>Segment the bicubic-upsampled (MATLAB-exact) LR image at HR size (the paper's "Low" masks).</summary>
    [OptionName("lr")]
    Lr,
}

/// <summary>Options of <see cref="MaskGeneration.GenerateFolder"/>.</summary>
/// <param name="From">HR or LR-upsampled input.</param>
/// <param name="Scale">Scale used for the LR mode (and for modcropping in that mode).</param>
/// <param name="Spe">SPE encoding of the .npy maps, or null to write only the amg JSON.</param>
/// <param name="Force">Recompute outputs that already exist (otherwise they are skipped: resumable).</param>
public sealed record MaskGenerationOptions(MaskFrom From = MaskFrom.Hr, int Scale = 4, SpeOptions? Spe = null, bool Force = false);

/// <summary>Counts of a folder run.</summary>
public sealed record MaskGenerationResult(int Generated, int Skipped, int Total, double MeanMasksPerImage, double Seconds);

/// <summary>
/// Offline mask generation for a folder of training images, as the paper's pipeline (SAM's <c>amg.py</c> then
/// <c>merge_mask_to_one.py</c>): per image one amg-format JSON (<c>stem.json</c>, COCO RLE) and, if an SPE encoding
/// is chosen, one SPE map (<c>stem.npy</c>, float32 H×W). Outputs are written atomically and existing ones are
/// skipped, so an interrupted run resumes where it stopped. Masks cover the full HR image (HR mode) or the
/// image modcropped to the scale (LR mode); the training data loader trims maps to the modcropped image.
/// </summary>
public static class MaskGeneration
{
    public static MaskGenerationResult GenerateFolder(string imagesDirectory, string outDirectory, IMaskRecordSource source,
                                                      MaskGenerationOptions? options = null, IProgress<ProgressInfo>? progress = null,
                                                      Action<string>? log = null, bool verifyChecksums = true, CancellationToken cancellationToken = default)
    {
        options ??= new MaskGenerationOptions();
        var folder = ImageFolder.Open(imagesDirectory, verifyChecksums);
        if (folder.Files.Count == 0) throw new InvalidDataException($"{imagesDirectory}: no PNG/JPEG/BMP images found");
        Directory.CreateDirectory(outDirectory);
        var encoder = options.Spe is null ? null : new SpeEncoder(options.Spe);
        int generated = 0, skipped = 0; long masks = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < folder.Files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = folder.FileName(i);
            var stem = Path.GetFileNameWithoutExtension(name);
            var jsonPath = Path.Combine(outDirectory, stem + ".json");
            var npyPath = Path.Combine(outDirectory, stem + ".npy");
            if (!options.Force && File.Exists(jsonPath) && (encoder is null || File.Exists(npyPath)))
            {
                skipped++;
                progress?.Report(new ProgressInfo("masks", i + 1, folder.Files.Count, $"{name} (done earlier)"));
                continue;
            }
            var img = folder.Load(i).ToRgb();
            if (options.From == MaskFrom.Lr)
            {
                img = ImageOps.Modcrop(img, options.Scale, name);
                img = MatlabResize.Upscale(MatlabResize.Downscale(img, options.Scale), options.Scale);
            }
            var records = source.Generate(img);
            masks += records.Count;
            AmgJson.Write(jsonPath, records);
            if (encoder != null) NpyFile.Write(npyPath, encoder.Encode(records, img.Height, img.Width));
            generated++;
            progress?.Report(new ProgressInfo("masks", i + 1, folder.Files.Count, $"{name}: {records.Count} masks"));
        }
        log?.Invoke($"{source.Name}: {generated} generated, {skipped} already done, {folder.Files.Count} images");
        return new MaskGenerationResult(generated, skipped, folder.Files.Count, generated == 0 ? 0 : (double)masks / generated, clock.Elapsed.TotalSeconds);
    }
}
