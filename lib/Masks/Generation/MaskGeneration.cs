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

/// <summary>Options of <c>MaskGeneration.GenerateFolder</c>.</summary>
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
    /// <summary>Segments every image of a folder with one <paramref name="source"/>, one image at a time.</summary>
    public static MaskGenerationResult GenerateFolder(string imagesDirectory, string outDirectory, IMaskRecordSource source,
                                                      MaskGenerationOptions? options = null, IProgress<ProgressInfo>? progress = null,
                                                      Action<string>? log = null, bool verifyChecksums = true, CancellationToken cancellationToken = default) =>
        GenerateFolder(imagesDirectory, outDirectory, () => source, 1, options, progress, log, verifyChecksums, cancellationToken);

    /// <summary>
    /// Segments the images of a folder on <paramref name="workers"/> threads, each with its own source from
    /// <paramref name="sourceFactory"/> (segmenters need not be thread-safe) and its own SPE encoder. Each image's
    /// outputs depend only on that image, so they are byte-identical to a serial run; resumable as the serial run.
    /// </summary>
    public static MaskGenerationResult GenerateFolder(string imagesDirectory, string outDirectory, Func<IMaskRecordSource> sourceFactory, int workers,
                                                      MaskGenerationOptions? options = null, IProgress<ProgressInfo>? progress = null,
                                                      Action<string>? log = null, bool verifyChecksums = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceFactory);
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), $"workers must be >= 1, got {workers}");
        options ??= new MaskGenerationOptions();
        var folder = ImageFolder.Open(imagesDirectory, verifyChecksums);
        if (folder.Files.Count == 0) throw new InvalidDataException($"{imagesDirectory}: no PNG/JPEG/BMP images found");
        Directory.CreateDirectory(outDirectory);
        int generated = 0, skipped = 0, done = 0, next = -1; long masks = 0;
        string? name0 = null;
        var gate = new object();
        Exception? error = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Work()
        {
            try
            {
                var source = sourceFactory();
                lock (gate) name0 ??= source.Name;
                var encoder = options.Spe is null ? null : new SpeEncoder(options.Spe);
                for (int i; (i = Interlocked.Increment(ref next)) < folder.Files.Count;)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var name = folder.FileName(i);
                    var stem = Path.GetFileNameWithoutExtension(name);
                    var jsonPath = Path.Combine(outDirectory, stem + ".json");
                    var npyPath = Path.Combine(outDirectory, stem + ".npy");
                    string message;
                    if (!options.Force && File.Exists(jsonPath) && (encoder is null || File.Exists(npyPath)))
                    {
                        Interlocked.Increment(ref skipped);
                        message = $"{name} (done earlier)";
                    }
                    else
                    {
                        var img = folder.Load(i).ToRgb();
                        if (options.From == MaskFrom.Lr)
                        {
                            img = ImageOps.Modcrop(img, options.Scale, name);
                            img = MatlabResize.Upscale(MatlabResize.Downscale(img, options.Scale), options.Scale);
                        }
                        var records = source.Generate(img);
                        Interlocked.Add(ref masks, records.Count);
                        AmgJson.Write(jsonPath, records);
                        if (encoder != null) NpyFile.Write(npyPath, encoder.Encode(records, img.Height, img.Width));
                        Interlocked.Increment(ref generated);
                        message = $"{name}: {records.Count} masks";
                    }
                    lock (gate) progress?.Report(new ProgressInfo("masks", ++done, folder.Files.Count, message));
                }
            }
            catch (Exception ex)
            {
                lock (gate) error ??= ex;
                stop.Cancel();
            }
        }
        if (workers == 1) Work();
        else
        {
            var threads = Enumerable.Range(0, Math.Min(workers, folder.Files.Count))
                .Select(w => new Thread(Work) { IsBackground = true, Name = $"masks-{w}" }).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested) cancellationToken.ThrowIfCancellationRequested();
        if (error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        log?.Invoke($"{name0}: {generated} generated, {skipped} already done, {folder.Files.Count} images" + (workers > 1 ? $", {workers} workers" : ""));
        return new MaskGenerationResult(generated, skipped, folder.Files.Count, generated == 0 ? 0 : (double)masks / generated, clock.Elapsed.TotalSeconds);
    }
}
