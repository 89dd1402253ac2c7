using SamDiffSR.Runtime;

namespace SamDiffSR.Masks.Sam;

/// <summary>
/// Whole-image mask generation with SAM point prompts — the procedure of segment-anything's
/// <c>SamAutomaticMaskGenerator.generate</c> (what SAM-DiffSR runs through <c>scripts/amg.py</c>, paper §4.2 "M_SAM",
/// docs/official-code.md §Mask generation with SAM), re-implemented over any <see cref="ISamBackend"/>:
/// <list type="number">
/// <item>crop boxes (<see cref="SamAmg.GenerateCropBoxes"/>): the whole image, plus (2^i)² overlapping crops for each of
/// <see cref="SamAmgOptions.CropNLayers"/> layers;</item>
/// <item>per crop: encode the crop, scale the layer's normalised point grid to the crop size, decode in batches of
/// <see cref="SamAmgOptions.PointsPerBatch"/> with multimask output (3 masks per point, point-major order);</item>
/// <item>per mask, in this order: keep if predicted IoU &gt; <see cref="SamAmgOptions.PredIouThresh"/>; stability score
/// (<see cref="SamAmg.StabilityScore"/>) ≥ <see cref="SamAmgOptions.StabilityScoreThresh"/>; binarise at the mask
/// threshold; XYXY box; drop masks whose box lies within 20 px of a crop edge that is not an image edge;</item>
/// <item>box NMS within the crop (score = predicted IoU, <see cref="SamAmgOptions.BoxNmsThresh"/>), then move boxes and
/// points to the image frame;</item>
/// <item>with several crops, NMS across crops with score 1/area(crop box) (smaller crops win,
/// <see cref="SamAmgOptions.CropNmsThresh"/>);</item>
/// <item>if <see cref="SamAmgOptions.MinMaskRegionArea"/> &gt; 0: fill small holes, remove small islands
/// (8-connectivity, <see cref="SamAmg.RemoveSmallRegions"/>), then NMS with score 1 for unchanged and 0 for changed
/// masks at max(box, crop) NMS threshold.</item>
/// </list>
/// Records come out in SAM's order (NMS order: highest predicted IoU first within a crop). Thresholds are compared in
/// float32 like the torch tensors they are compared with. Speed is the backend's: real SAM ViT-H on a CPU takes minutes
/// per image (one encoder pass per crop plus 1024 decoder passes with the official batch-1 decoder export).
/// </summary>
public sealed class SamAutomaticMaskGenerator
{
    private readonly ISamBackend _backend;
    private readonly IReadOnlyList<IReadOnlyList<(double X, double Y)>> _grids;

    /// <summary>Creates a generator; throws <see cref="ArgumentException"/> for inconsistent options.</summary>
    public SamAutomaticMaskGenerator(ISamBackend backend, SamAmgOptions? options = null)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        Options = options ?? new SamAmgOptions();
        Options.Validate();
        _grids = Options.PointsPerSide is int n
            ? SamAmg.BuildAllLayerPointGrids(n, Options.CropNLayers, Options.CropNPointsDownscaleFactor)
            : Options.PointGrids!;
    }

    /// <summary>The settings in use.</summary>
    public SamAmgOptions Options { get; }

    /// <summary>The normalised point grid used in each crop layer.</summary>
    public IReadOnlyList<IReadOnlyList<(double X, double Y)>> PointGrids => _grids;

    /// <summary>
    /// Generates the masks of one RGB image (HWC bytes, row-major). Returns SAM's mask records (COCO RLE at H×W, area,
    /// bbox XYWH, predicted_iou, point_coords, stability_score, crop_box XYWH) in SAM's output order.
    /// </summary>
    /// <param name="hwcRgb">H·W·3 bytes in RGB order (convert BGR first).</param>
    /// <param name="height">Rows H.</param>
    /// <param name="width">Columns W.</param>
    /// <param name="progress">Optional progress: Done/Total count point prompts over all crops (stage "sam").</param>
    /// <param name="cancellationToken">Checked between decoder batches.</param>
    public IReadOnlyList<MaskRecord> Generate(byte[] hwcRgb, int height, int width,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hwcRgb);
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size {height}×{width} is not positive");
        if (hwcRgb.LongLength != 3L * height * width)
            throw new ArgumentException($"image buffer has {hwcRgb.LongLength} bytes, expected H·W·3 = {height}·{width}·3 = {3L * height * width} (RGB, HWC)", nameof(hwcRgb));

        var (cropBoxes, layers) = SamAmg.GenerateCropBoxes(height, width, Options.CropNLayers, Options.CropOverlapRatio);
        long total = 0;
        for (int c = 0; c < cropBoxes.Count; c++) total += _grids[layers[c]].Count;
        long done = 0;

        var all = new List<Candidate>();
        for (int c = 0; c < cropBoxes.Count; c++)
        {
            var crop = ProcessCrop(hwcRgb, height, width, cropBoxes[c], layers[c], ref done, total, progress, cancellationToken);
            all.AddRange(crop);
        }

        if (cropBoxes.Count > 1)
        {
            var scores = all.Select(a => 1f / ((float)(a.CropBox[2] - a.CropBox[0]) * (a.CropBox[3] - a.CropBox[1]))).ToArray();
            var keep = SamAmg.Nms(all.Select(a => a.Box).ToArray(), scores, Options.CropNmsThresh);
            all = keep.Select(i => all[i]).ToList();
        }

        if (Options.MinMaskRegionArea > 0)
            all = PostprocessSmallRegions(all, Options.MinMaskRegionArea, Math.Max(Options.BoxNmsThresh, Options.CropNmsThresh));

        return all.Select(a => new MaskRecord(
            a.Mask, a.Mask.Area,
            new double[] { a.Box[0], a.Box[1], a.Box[2] - a.Box[0], a.Box[3] - a.Box[1] },
            a.Iou,
            new IReadOnlyList<double>[] { new[] { a.PointX, a.PointY } },
            a.Stability,
            new double[] { a.CropBox[0], a.CropBox[1], a.CropBox[2] - a.CropBox[0], a.CropBox[3] - a.CropBox[1] })).ToList();
    }

    private List<Candidate> ProcessCrop(byte[] image, int h, int w, int[] cropBox, int layer, ref long done, long total,
        IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        int x0 = cropBox[0], y0 = cropBox[1], cw = cropBox[2] - x0, ch = cropBox[3] - y0;
        byte[] cropped = x0 == 0 && y0 == 0 && cw == w && ch == h ? image : CropHwc(image, w, x0, y0, cw, ch);
        var embedding = _backend.EncodeImage(cropped, ch, cw);

        var grid = _grids[layer];
        var points = grid.Select(p => (X: p.X * cw, Y: p.Y * ch)).ToArray();
        float thr = _backend.MaskThreshold;
        float offset = (float)Options.StabilityScoreOffset;
        float iouThresh = (float)Options.PredIouThresh, stabThresh = (float)Options.StabilityScoreThresh;

        var data = new List<Candidate>();
        for (int b0 = 0; b0 < points.Length; b0 += Options.PointsPerBatch)
        {
            ct.ThrowIfCancellationRequested();
            var batch = points.Skip(b0).Take(Options.PointsPerBatch).ToArray();
            var res = _backend.Decode(embedding, batch);
            if (res.PointCount != batch.Length || res.Height != ch || res.Width != cw)
                throw new InvalidOperationException(
                    $"SAM backend returned {res.PointCount} prompts of {res.Height}×{res.Width} masks for {batch.Length} prompts on a {ch}×{cw} image");
            for (int p = 0; p < batch.Length; p++)
                for (int k = 0; k < res.MasksPerPoint; k++)
                {
                    float iou = res.Iou(p, k);
                    if (Options.PredIouThresh > 0.0 && !(iou > iouThresh)) continue;
                    var logits = res.MaskLogits(p, k);
                    float stab = SamAmg.StabilityScore(logits, thr, offset);
                    if (Options.StabilityScoreThresh > 0.0 && !(stab >= stabThresh)) continue;
                    var bin = new bool[logits.Length];
                    for (int i = 0; i < bin.Length; i++) bin[i] = logits[i] > thr;
                    var box = SamAmg.MaskToBox(bin, ch, cw);
                    if (SamAmg.IsBoxNearCropEdge(box, cropBox, w, h)) continue;
                    // RLE-encode at once (as SAM does) so only compressed masks are held until NMS
                    var mask = BinaryMask.FromRowMajor(UncropMask(bin, cw, ch, x0, y0, w, h), h, w);
                    data.Add(new Candidate(mask, box, iou, stab, batch[p].X, batch[p].Y));
                }
            done += batch.Length;
            progress?.Report(new ProgressInfo("sam", done, total, $"crop {cropBox[0]},{cropBox[1]},{cropBox[2]},{cropBox[3]}"));
        }

        var keep = SamAmg.Nms(data.Select(d => d.Box).ToArray(), data.Select(d => d.Iou).ToArray(), Options.BoxNmsThresh);
        var result = new List<Candidate>(keep.Length);
        foreach (int i in keep)
        {
            var d = data[i];
            result.Add(d with
            {
                Box = new[] { d.Box[0] + x0, d.Box[1] + y0, d.Box[2] + x0, d.Box[3] + y0 },
                PointX = d.PointX + x0,
                PointY = d.PointY + y0,
                CropBox = cropBox,
            });
        }
        return result;
    }

    private static List<Candidate> PostprocessSmallRegions(List<Candidate> data, int minArea, double nmsThresh)
    {
        if (data.Count == 0) return data;
        var masks = new List<bool[]?>(data.Count);
        var scores = new float[data.Count];
        var boxes = new int[data.Count][];
        int h = data[0].Mask.Height, w = data[0].Mask.Width;
        for (int i = 0; i < data.Count; i++)
        {
            var m = data[i].Mask.ToRowMajor();
            var (m1, changedHoles) = SamAmg.RemoveSmallRegions(m, h, w, minArea, SamAmg.RegionMode.Holes);
            var (m2, changedIslands) = SamAmg.RemoveSmallRegions(m1, h, w, minArea, SamAmg.RegionMode.Islands);
            bool changed = changedHoles || changedIslands;
            masks.Add(changed ? m2 : null); // unchanged masks keep their RLE
            scores[i] = changed ? 0f : 1f;
            boxes[i] = SamAmg.MaskToBox(m2, h, w);
        }
        var keep = SamAmg.Nms(boxes, scores, nmsThresh);
        var result = new List<Candidate>(keep.Length);
        foreach (int i in keep)
            result.Add(scores[i] == 0f ? data[i] with { Mask = BinaryMask.FromRowMajor(masks[i]!, h, w), Box = boxes[i] } : data[i]);
        return result;
    }

    private static byte[] CropHwc(byte[] image, int w, int x0, int y0, int cw, int ch)
    {
        var dst = new byte[3 * cw * ch];
        for (int r = 0; r < ch; r++)
            Array.Copy(image, 3 * ((long)(y0 + r) * w + x0), dst, 3L * r * cw, 3L * cw);
        return dst;
    }

    private static bool[] UncropMask(bool[] crop, int cw, int ch, int x0, int y0, int w, int h)
    {
        if (x0 == 0 && y0 == 0 && cw == w && ch == h) return crop;
        var full = new bool[h * w];
        for (int r = 0; r < ch; r++)
            Array.Copy(crop, r * cw, full, (y0 + r) * w + x0, cw);
        return full;
    }

    private sealed record Candidate(BinaryMask Mask, int[] Box, float Iou, float Stability, double PointX, double PointY)
    {
        public int[] CropBox { get; init; } = Array.Empty<int>();
    }
}
