using SamDiffSR.Data;
using SamDiffSR.Masks;
using static TorchSharp.torch;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Training;

/// <summary>
/// One training batch as managed arrays (no tensors), so that it can be built on a worker thread:
/// HR (B,3,P,P), LR (B,3,P/s,P/s), LR-up (B,3,P,P) in [−1, 1], SPE (B,1,P,P) or null.
/// </summary>
public sealed record SrBatchArrays(long Step, int BatchSize, int HrPatch, int LrPatch, float[] Hr, float[] Lr, float[] LrUp, float[]? Mask)
{
    /// <summary>Tensors on <paramref name="device"/> (call on the training thread).</summary>
    public SrBatch ToBatch(Device? device = null)
    {
        device ??= CPU;
        int b = BatchSize, p = HrPatch, lp = LrPatch;
        var tHr = tensor(Hr, [b, 3, p, p]).to(device);
        var tLr = tensor(Lr, [b, 3, lp, lp]).to(device);
        var tUp = tensor(LrUp, [b, 3, p, p]).to(device);
        var tMk = Mask is null ? null : tensor(Mask, [b, 1, p, p]).to(device);
        return new SrBatch(tHr, tLr, tUp, tMk);
    }
}

/// <summary>
/// Cuts training batches from an <see cref="ITrainingImageSource"/> (in memory or a <see cref="Packs.TrainingPack"/>).
/// The batch of step k is a pure function of (seed, k): the data order is a per-epoch permutation seeded by
/// (seed, epoch); crops and flips are seeded by (seed, k, i). So a resumed run, a prefetching loader and the
/// in-memory and packed sources all give the same batches, bit for bit. Thread-safe.
/// </summary>
public sealed class SrPatchSampler
{
    private readonly int[] _indices;
    private sealed record Perm(long Epoch, int[] Order);
    private Perm? _perm;

    /// <summary>Samples from the images of <paramref name="source"/> listed in <paramref name="indices"/> (default: all).</summary>
    public SrPatchSampler(ITrainingImageSource source, PatchOptions options, IReadOnlyList<int>? indices = null, IReadOnlyList<string>? skipped = null)
    {
        Source = source;
        Scale = source.Scale;
        Options = options.Validate(source.Scale);
        _indices = indices?.ToArray() ?? Enumerable.Range(0, source.Count).ToArray();
        Skipped = skipped ?? [];
        if (_indices.Length == 0)
            throw new InvalidDataException($"no training image is at least {options.HrPatch}×{options.HrPatch} px (skipped: {Skipped.Count}); use a smaller --patch or larger images");
    }

    /// <summary>
    /// Samples from every image of <paramref name="source"/> at least one patch in size; smaller ones are skipped and
    /// logged, as <see cref="SrPatchDataset.Load"/> does.
    /// </summary>
    public static SrPatchSampler SkippingSmall(ITrainingImageSource source, PatchOptions options, Action<string>? log = null)
    {
        var keep = new List<int>(); var skipped = new List<string>();
        for (int i = 0; i < source.Count; i++)
        {
            var (h, w) = source.Size(i);
            if (h < options.HrPatch || w < options.HrPatch)
            {
                skipped.Add(source.Name(i));
                log?.Invoke($"skipped {source.Name(i)}: {w}x{h} is smaller than the {options.HrPatch}-px patch");
            }
            else keep.Add(i);
        }
        return new SrPatchSampler(source, options, keep, skipped);
    }

    public ITrainingImageSource Source { get; }
    public int Scale { get; }
    public PatchOptions Options { get; }
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>Images sampled from.</summary>
    public int Count => _indices.Length;

    /// <summary>Name of sampled image <paramref name="i"/> (0..Count−1).</summary>
    public string Name(int i) => Source.Name(_indices[i]);

    /// <summary>True when sampled image <paramref name="i"/> has an SPE map.</summary>
    public bool HasMask(int i) => Source.HasMask(_indices[i]);

    /// <summary>Index (0..Count−1) of the image used for sample i of training step k.</summary>
    public int ImageIndex(long step, int batchSize, int i, long seed)
    {
        long global = step * batchSize + i;
        long epoch = global / Count;
        int pos = (int)(global % Count);
        var c = _perm;
        if (c is null || c.Epoch != epoch)
        {
            var rng = new Random(unchecked((int)SrPatchDataset.Mix(seed, epoch, 0x5EED)));
            var perm = Enumerable.Range(0, Count).ToArray();
            rng.Shuffle(perm);
            c = new Perm(epoch, perm);
            _perm = c; // a reference write: threads racing here compute the same permutation
        }
        return c.Order[pos];
    }

    /// <summary>The batch of training step <paramref name="step"/> as managed arrays.</summary>
    public SrBatchArrays GetArrays(long step, int batchSize, long seed, bool withMasks)
    {
        int p = Options.HrPatch, s = Scale, lp = p / s;
        var hr = new float[batchSize * 3 * p * p];
        var lr = new float[batchSize * 3 * lp * lp];
        var up = new float[batchSize * 3 * p * p];
        var mk = withMasks ? new float[batchSize * p * p] : null;
        for (int i = 0; i < batchSize; i++)
        {
            int img = _indices[ImageIndex(step, batchSize, i, seed)];
            if (withMasks && !Source.HasMask(img)) throw new InvalidDataException($"{Source.Name(img)}: no SPE map loaded, but the method needs masks");
            var rng = new Random(unchecked((int)SrPatchDataset.Mix(seed, step, i, 0xC0DE)));
            var (top, left, maskPatch) = ChoosePatch(img, rng);
            bool flipH = Options.Flips && rng.Next(2) == 1, flipV = Options.Flips && rng.Next(2) == 1, transpose = Options.Rotations && rng.Next(2) == 1;
            var geo = new Geometry(flipH, flipV, transpose);
            FillU8(Source.HrCrop(img, top, left, p, p), p, hr.AsSpan(i * 3 * p * p, 3 * p * p), geo);
            FillU8(Source.LrCrop(img, top / s, left / s, lp, lp), lp, lr.AsSpan(i * 3 * lp * lp, 3 * lp * lp), geo);
            FillF64(Source.LrUpCrop(img, top, left, p, p), p, up.AsSpan(i * 3 * p * p, 3 * p * p), geo);
            if (mk is not null)
            {
                var red = SpeReducer.Apply(maskPatch!, Options.Reduce);
                var v = red.Values;
                var dst = mk.AsSpan(i * p * p, p * p);
                for (int y = 0; y < p; y++) for (int x = 0; x < p; x++) dst[geo.Index(y, x, p)] = v[y * p + x];
            }
        }
        return new SrBatchArrays(step, batchSize, p, lp, hr, lr, up, mk);
    }

    /// <summary>The batch of training step <paramref name="step"/> (tensors on <paramref name="device"/>).</summary>
    public SrBatch GetBatch(long step, int batchSize, long seed, bool withMasks, Device? device = null) =>
        GetArrays(step, batchSize, seed, withMasks).ToBatch(device);

    private (int Top, int Left, SpeMap? Mask) ChoosePatch(int img, Random rng)
    {
        int p = Options.HrPatch, s = Scale;
        var (h, w) = Source.Size(img);
        bool hasMask = Source.HasMask(img);
        if (Options.Alignment == MaskAlignment.Aligned || !hasMask)
        {
            int top = rng.Next((h - p) / s + 1) * s, left = rng.Next((w - p) / s + 1) * s;
            return (top, left, hasMask ? Source.MaskCrop(img, top, left, p, p) : null);
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
        // = MaskStore.CropOfficialMisaligned(full map, ty, tx, tile, s), reading only the window it needs.
        var win = MaskStore.OfficialMisalignedWindow(h, w, ty, tx, tile, s);
        var tileMask = Source.MaskCrop(img, win.Top, win.Left, win.Height, win.Width).ResizeBilinear(win.OutHeight, win.OutWidth);
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

    private static void FillU8(ImageU8 crop, int n, Span<float> dst, Geometry g)
    {
        var d = crop.Data;
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            int src = (y * n + x) * 3;
            int di = g.Index(y, x, n);
            for (int c = 0; c < 3; c++) dst[c * n * n + di] = (d[src + c] / 255f - 0.5f) / 0.5f; // ToTensor + Normalize(0.5, 0.5)
        }
    }

    private static void FillF64(ImageF64 crop, int n, Span<float> dst, Geometry g)
    {
        var d = crop.Data;
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            int src = (y * n + x) * 3;
            int di = g.Index(y, x, n);
            for (int c = 0; c < 3; c++) dst[c * n * n + di] = (float)(d[src + c] * 2.0 - 1.0);
        }
    }
}
