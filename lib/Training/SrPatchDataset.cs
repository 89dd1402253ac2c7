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
    private (long Epoch, int[] Perm)? _permCache;

    public int Scale { get; }
    public PatchOptions Options { get; }
    public IReadOnlyList<SrTrainingImage> Images => _images;
    public IReadOnlyList<string> Skipped { get; }
    public int Count => _images.Count;

    public SrPatchDataset(IEnumerable<SrTrainingImage> images, int scale, PatchOptions options, IReadOnlyList<string>? skipped = null)
    {
        Scale = scale;
        Options = options.Validate(scale);
        _images = images.ToList();
        Skipped = skipped ?? [];
        if (_images.Count == 0)
            throw new InvalidDataException($"no training image is at least {options.HrPatch}×{options.HrPatch} px (skipped: {Skipped.Count}); use a smaller --patch or larger images");
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
    public int ImageIndex(long step, int batchSize, int i, long seed)
    {
        long global = step * batchSize + i;
        long epoch = global / Count;
        int pos = (int)(global % Count);
        if (_permCache is not { } c || c.Epoch != epoch)
        {
            var rng = new Random(unchecked((int)Mix(seed, epoch, 0x5EED)));
            var perm = Enumerable.Range(0, Count).ToArray();
            rng.Shuffle(perm);
            _permCache = (epoch, perm);
        }
        return _permCache.Value.Perm[pos];
    }

    /// <summary>The batch of training step <paramref name="step"/> (tensors on <paramref name="device"/>).</summary>
    public SrBatch GetBatch(long step, int batchSize, long seed, bool withMasks, Device? device = null)
    {
        int p = Options.HrPatch, s = Scale, lp = p / s;
        var hr = new float[batchSize * 3 * p * p];
        var lr = new float[batchSize * 3 * lp * lp];
        var up = new float[batchSize * 3 * p * p];
        var mk = withMasks ? new float[batchSize * p * p] : null;
        for (int i = 0; i < batchSize; i++)
        {
            var img = _images[ImageIndex(step, batchSize, i, seed)];
            if (withMasks && img.Mask is null) throw new InvalidDataException($"{img.Name}: no SPE map loaded, but the method needs masks");
            var rng = new Random(unchecked((int)Mix(seed, step, i, 0xC0DE)));
            var (top, left, maskPatch) = ChoosePatch(img, rng);
            bool flipH = Options.Flips && rng.Next(2) == 1, flipV = Options.Flips && rng.Next(2) == 1, transpose = Options.Rotations && rng.Next(2) == 1;
            var geo = new Geometry(flipH, flipV, transpose);
            FillU8(img.Hr, top, left, p, hr.AsSpan(i * 3 * p * p, 3 * p * p), geo);
            FillU8(img.Lr, top / s, left / s, lp, lr.AsSpan(i * 3 * lp * lp, 3 * lp * lp), geo);
            FillF64(img.LrUp, top, left, p, up.AsSpan(i * 3 * p * p, 3 * p * p), geo);
            if (mk is not null)
            {
                var red = SpeReducer.Apply(maskPatch!, Options.Reduce);
                var v = red.Values;
                var dst = mk.AsSpan(i * p * p, p * p);
                for (int y = 0; y < p; y++) for (int x = 0; x < p; x++) dst[geo.Index(y, x, p)] = v[y * p + x];
            }
        }
        device ??= CPU;
        var tHr = tensor(hr, [batchSize, 3, p, p]).to(device);
        var tLr = tensor(lr, [batchSize, 3, lp, lp]).to(device);
        var tUp = tensor(up, [batchSize, 3, p, p]).to(device);
        var tMk = mk is null ? null : tensor(mk, [batchSize, 1, p, p]).to(device);
        return new SrBatch(tHr, tLr, tUp, tMk);
    }

    private (int Top, int Left, SpeMap? Mask) ChoosePatch(SrTrainingImage img, Random rng)
    {
        int p = Options.HrPatch, s = Scale;
        int h = img.Hr.Height, w = img.Hr.Width;
        if (Options.Alignment == MaskAlignment.Aligned || img.Mask is null)
        {
            int top = rng.Next((h - p) / s + 1) * s, left = rng.Next((w - p) / s + 1) * s;
            return (top, left, img.Mask is null ? null : MaskStore.CropAligned(img.Mask, top, left, p, p));
        }
        // Official packer: 320-px tiles at x = 0, 320, … while x < H − 160; patch inside the tile (both multiples of s).
        const int tile = 320, thresh = 160;
        var tops = new List<int>(); for (int y = 0; y < Math.Max(1, h - thresh); y += tile) tops.Add(y);
        var lefts = new List<int>(); for (int x = 0; x < Math.Max(1, w - thresh); x += tile) lefts.Add(x);
        var candidates = tops.SelectMany(y => lefts.Select(x => (y, x)))
            .Where(c => Math.Min(tile, h - c.y) >= p && Math.Min(tile, w - c.x) >= p).ToList();
        if (candidates.Count == 0) candidates.Add((0, 0));
        var (ty, tx) = candidates[rng.Next(candidates.Count)];
        int th = Math.Min(tile, h - ty), tw = Math.Min(tile, w - tx);
        var tileMask = MaskStore.CropOfficialMisaligned(img.Mask, ty, tx, tile, s);
        int oy = rng.Next((th - p) / s + 1) * s, ox = rng.Next((tw - p) / s + 1) * s;
        return (ty + oy, tx + ox, tileMask.Crop(oy, ox, p, p));
    }

    private readonly record struct Geometry(bool FlipH, bool FlipV, bool Transpose)
    {
        /// <summary>Destination index in an n×n plane for source (y, x).</summary>
        public int Index(int y, int x, int n)
        {
            if (FlipH) x = n - 1 - x;
            if (FlipV) y = n - 1 - y;
            if (Transpose) (y, x) = (x, y);
            return y * n + x;
        }
    }

    private static void FillU8(ImageU8 img, int top, int left, int n, Span<float> dst, Geometry g)
    {
        int w = img.Width;
        var d = img.Data;
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            int src = ((top + y) * w + left + x) * 3;
            int di = g.Index(y, x, n);
            for (int c = 0; c < 3; c++) dst[c * n * n + di] = (d[src + c] / 255f - 0.5f) / 0.5f; // ToTensor + Normalize(0.5, 0.5)
        }
    }

    private static void FillF64(ImageF64 img, int top, int left, int n, Span<float> dst, Geometry g)
    {
        int w = img.Width;
        var d = img.Data;
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            int src = ((top + y) * w + left + x) * 3;
            int di = g.Index(y, x, n);
            for (int c = 0; c < 3; c++) dst[c * n * n + di] = (float)(d[src + c] * 2.0 - 1.0);
        }
    }
}
