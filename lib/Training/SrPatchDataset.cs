using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Training;

/// <summary>
/// Paired patches for training, held in memory: for each HR image (modcropped to the scale) the LR is the
/// MATLAB-exact <c>imresize(HR, 1/s)</c> of the whole image (no border effects inside the image), LR-up is computed
/// once for the whole image and cropped (the official code upsamples each LR crop), and the SPE map is cropped
/// with the same HR coordinates as the patch (unless <see cref="MaskAlignment.OfficialMisaligned"/>).
/// <para>
/// Determinism: the batch of training step k is a pure function of (seed, k): the data order is a
/// per-epoch permutation seeded by (seed, epoch), crops and flips are seeded by (seed, k, i). A resumed run therefore
/// sees exactly the batches an uninterrupted run would.
/// </para>
/// Images smaller than the patch are skipped, and listed in <see cref="Skipped"/> (and logged).
/// </summary>
public sealed class SrPatchDataset
{
    private readonly List<SrTrainingImage> _images;

    public int Scale { get; }
    public PatchOptions Options { get; }
    public IReadOnlyList<SrTrainingImage> Images => _images;
    public IReadOnlyList<string> Skipped { get; }
    public int Count => _images.Count;

    /// <summary>The batch cutter over these images (the same one a <see cref="Packs.TrainingPack"/> uses).</summary>
    public SrPatchSampler Sampler { get; }

    public SrPatchDataset(IEnumerable<SrTrainingImage> images, int scale, PatchOptions options, IReadOnlyList<string>? skipped = null)
    {
        Scale = scale;
        Options = options.Validate(scale);
        _images = images.ToList();
        Skipped = skipped ?? [];
        if (_images.Count == 0)
            throw new InvalidDataException($"no training image is at least {options.HrPatch}×{options.HrPatch} px (skipped: {Skipped.Count}); use a smaller --patch or larger images");
        Sampler = new SrPatchSampler(new InMemoryImageSource(_images, scale), Options, skipped: Skipped);
    }

    /// <summary>
    /// Loads a folder of HR images. <paramref name="masks"/> (a folder of SPE .npy maps) is required when the method
    /// needs masks. Progress reports one unit per image.
    /// </summary>
    public static SrPatchDataset Load(string hrDirectory, int scale, PatchOptions options, LrUpRecipe lrUp, MaskStore? masks,
                                      bool verifyChecksums = true, Action<string>? log = null, IProgress<ProgressInfo>? progress = null)
    {
        options.Validate(scale);
        var folder = ImageFolder.Open(hrDirectory, verifyChecksums);
        if (folder.Files.Count == 0) throw new InvalidDataException($"{hrDirectory}: no PNG/JPEG/BMP images found");
        var list = new List<SrTrainingImage>(); var skipped = new List<string>();
        for (int i = 0; i < folder.Files.Count; i++)
        {
            var name = folder.FileName(i);
            var hr = ImageOps.Modcrop(folder.Load(i).ToRgb(), scale, name);
            if (hr.Height < options.HrPatch || hr.Width < options.HrPatch)
            {
                skipped.Add(name);
                log?.Invoke($"skipped {name}: {hr.Width}x{hr.Height} is smaller than the {options.HrPatch}-px patch");
            }
            else
            {
                SpeMap? mask = masks?.Load(folder.Files[i], hr.Height, hr.Width);
                list.Add(Prepare(name, hr, scale, lrUp, mask));
            }
            progress?.Report(new ProgressInfo("load", i + 1, folder.Files.Count, name));
        }
        return new SrPatchDataset(list, scale, options, skipped);
    }

    /// <summary>LR (MATLAB-exact) and LR-up (per recipe) of an RGB HR image whose sides are multiples of the scale.</summary>
    public static SrTrainingImage Prepare(string name, ImageU8 hr, int scale, LrUpRecipe recipe, SpeMap? mask)
    {
        var lr = MatlabResize.Downscale(hr, scale);
        var up = LrUpRecipes.Apply(recipe, lr, scale);
        if (mask is not null && (mask.Height != hr.Height || mask.Width != hr.Width))
            throw new InvalidDataException($"{name}: SPE map {mask.Height}x{mask.Width} does not match the (modcropped) image {hr.Height}x{hr.Width}");
        return new SrTrainingImage(name, hr, lr, up, mask);
    }

    /// <summary>Deterministic 64-bit mix of integers (SplitMix64 finaliser), for per-step seeds.</summary>
    public static long Mix(params long[] values)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var v in values)
        {
            ulong z = h ^ (ulong)v;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            h = z ^ (z >> 31);
        }
        return (long)(h & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>Index of the image used for sample i of training step k.</summary>
    public int ImageIndex(long step, int batchSize, int i, long seed) => Sampler.ImageIndex(step, batchSize, i, seed);

    /// <summary>The batch of training step <paramref name="step"/> (tensors on <paramref name="device"/>).</summary>
    public SrBatch GetBatch(long step, int batchSize, long seed, bool withMasks, Device? device = null) =>
        Sampler.GetBatch(step, batchSize, seed, withMasks, device);
}
