namespace SamDiffSR.Masks.Sam;

/// <summary>
/// The building blocks of SAM's automatic mask generator (segment-anything <c>segment_anything/utils/amg.py</c> and
/// torchvision's <c>batched_nms</c>), re-implemented from their documented behaviour so that each rule can be tested on
/// its own: point grids, crop boxes, the stability score, mask boxes, box NMS, the crop-edge filter and the removal of
/// small regions and holes. All boxes are XYXY with <b>inclusive</b> maxima, as SAM's <c>batched_mask_to_box</c> returns
/// them (a one-pixel mask at (x, y) has the box [x, y, x, y]).
/// </summary>
public static class SamAmg
{
    /// <summary>
    /// The normalised point grid of one crop layer (amg.py <c>build_point_grid</c>): n×n points in [0, 1]², x fastest,
    /// with coordinates <c>numpy.linspace(1/(2n), 1 − 1/(2n), n)</c> (computed as numpy does: i·step + start with
    /// step = (stop − start)/(n − 1), and the last value set to stop exactly; n = 1 gives 0.5).
    /// Returns (x, y) pairs, row-major over (y, x).
    /// </summary>
    public static (double X, double Y)[] BuildPointGrid(int nPerSide)
    {
        if (nPerSide <= 0) throw new ArgumentOutOfRangeException(nameof(nPerSide), $"points per side must be positive, got {nPerSide}");
        var side = Linspace(nPerSide);
        var pts = new (double, double)[nPerSide * nPerSide];
        for (int i = 0; i < nPerSide; i++)
            for (int j = 0; j < nPerSide; j++)
                pts[i * nPerSide + j] = (side[j], side[i]);
        return pts;
    }

    /// <summary>
    /// Point grids for crop layers 0..nLayers (amg.py <c>build_all_layer_point_grids</c>): layer i uses
    /// <c>int(n / scale^i)</c> points per side.
    /// </summary>
    public static IReadOnlyList<(double X, double Y)[]> BuildAllLayerPointGrids(int nPerSide, int nLayers, int scalePerLayer)
    {
        if (scalePerLayer <= 0) throw new ArgumentOutOfRangeException(nameof(scalePerLayer), "crop_n_points_downscale_factor must be positive");
        var grids = new List<(double, double)[]>();
        for (int i = 0; i <= nLayers; i++)
        {
            int n = (int)(nPerSide / Math.Pow(scalePerLayer, i));
            if (n <= 0)
                throw new ArgumentException($"crop layer {i} would get int({nPerSide} / {scalePerLayer}^{i}) = 0 points per side; lower crop_n_points_downscale_factor or crop_n_layers");
            grids.Add(BuildPointGrid(n));
        }
        return grids;
    }

    private static double[] Linspace(int n)
    {
        double start = 1.0 / (2 * n), stop = 1 - start;
        var v = new double[n];
        if (n == 1) { v[0] = start; return v; }
        double step = (stop - start) / (n - 1);
        for (int i = 0; i < n; i++) v[i] = i * step + start;
        v[n - 1] = stop;
        return v;
    }

    /// <summary>
    /// The crop boxes (XYXY, exclusive maxima, integer pixels) and their layer indices (amg.py <c>generate_crop_boxes</c>):
    /// first the whole image [0, 0, W, H] (layer 0); then for layer i = 1..nLayers, with n = 2^i crops per side,
    /// overlap = int(ratio · min(H, W) · 2/n), crop length = ceil((overlap·(n − 1) + side)/n), crop starts
    /// int((len − overlap)·k) for k = 0..n−1, boxes ordered x-start major (for each x0, every y0), clipped to the image.
    /// </summary>
    public static (IReadOnlyList<int[]> Boxes, IReadOnlyList<int> Layers) GenerateCropBoxes(int height, int width, int nLayers, double overlapRatio)
    {
        var boxes = new List<int[]> { new[] { 0, 0, width, height } };
        var layers = new List<int> { 0 };
        int shortSide = Math.Min(height, width);
        for (int layer = 0; layer < nLayers; layer++)
        {
            int nPerSide = 1 << (layer + 1);
            int overlap = (int)(overlapRatio * shortSide * (2.0 / nPerSide));
            int cropW = (int)Math.Ceiling((overlap * (nPerSide - 1) + (double)width) / nPerSide);
            int cropH = (int)Math.Ceiling((overlap * (nPerSide - 1) + (double)height) / nPerSide);
            for (int i = 0; i < nPerSide; i++)
            {
                int x0 = (int)((double)(cropW - overlap) * i);
                for (int j = 0; j < nPerSide; j++)
                {
                    int y0 = (int)((double)(cropH - overlap) * j);
                    boxes.Add(new[] { x0, y0, Math.Min(x0 + cropW, width), Math.Min(y0 + cropH, height) });
                    layers.Add(layer + 1);
                }
            }
        }
        return (boxes, layers);
    }

    /// <summary>
    /// Stability score (amg.py <c>calculate_stability_score</c>): the IoU of the masks obtained by thresholding the logits
    /// at <c>threshold + offset</c> and <c>threshold − offset</c>. The first mask lies inside the second, so the IoU is the
    /// count ratio |logit &gt; t + o| / |logit &gt; t − o|, divided in float32 as torch does (0/0 gives NaN, which then
    /// fails every threshold).
    /// </summary>
    public static float StabilityScore(ReadOnlySpan<float> logits, float maskThreshold, float offset)
    {
        float hi = maskThreshold + offset, lo = maskThreshold - offset;
        int inter = 0, union = 0;
        foreach (float v in logits)
        {
            if (v > hi) inter++;
            if (v > lo) union++;
        }
        return (float)inter / union;
    }

    /// <summary>
    /// Box XYXY (inclusive maxima) of a row-major H×W mask (amg.py <c>batched_mask_to_box</c>); [0, 0, 0, 0] if empty.
    /// </summary>
    public static int[] MaskToBox(ReadOnlySpan<bool> mask, int height, int width)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int r = 0; r < height; r++)
        {
            var row = mask.Slice(r * width, width);
            int first = row.IndexOf(true);
            if (first < 0) continue;
            int last = row.LastIndexOf(true);
            if (r < y0) y0 = r;
            y1 = r;
            if (first < x0) x0 = first;
            if (last > x1) x1 = last;
        }
        return x1 < 0 ? new[] { 0, 0, 0, 0 } : new[] { x0, y0, x1, y1 };
    }

    /// <summary>
    /// Non-maximum suppression with torchvision's <c>nms</c> semantics (what <c>batched_nms</c> does with a single
    /// category): visit boxes by descending score (stable for ties), keep a box unless its IoU with an already kept box
    /// exceeds <paramref name="iouThreshold"/> (strictly). Box area is (x1 − x0)·(y1 − y0) without +1 and the IoU is
    /// divided in float32, so a one-pixel box has area 0 and never suppresses anything (0/0 is NaN).
    /// Returns the kept indices in descending score order.
    /// </summary>
    public static int[] Nms(IReadOnlyList<int[]> boxes, IReadOnlyList<float> scores, double iouThreshold)
    {
        if (boxes.Count != scores.Count) throw new ArgumentException($"{boxes.Count} boxes but {scores.Count} scores");
        int n = boxes.Count;
        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray(); // LINQ OrderBy is stable
        var suppressed = new bool[n];
        var keep = new List<int>();
        for (int a = 0; a < n; a++)
        {
            int i = order[a];
            if (suppressed[i]) continue;
            keep.Add(i);
            var bi = boxes[i];
            float areaI = (float)(bi[2] - bi[0]) * (bi[3] - bi[1]);
            for (int b = a + 1; b < n; b++)
            {
                int j = order[b];
                if (suppressed[j]) continue;
                var bj = boxes[j];
                float areaJ = (float)(bj[2] - bj[0]) * (bj[3] - bj[1]);
                float w = Math.Max(0f, Math.Min(bi[2], bj[2]) - (float)Math.Max(bi[0], bj[0]));
                float h = Math.Max(0f, Math.Min(bi[3], bj[3]) - (float)Math.Max(bi[1], bj[1]));
                float inter = w * h;
                float iou = inter / (areaI + areaJ - inter);
                if (iou > iouThreshold) suppressed[j] = true;
            }
        }
        return keep.ToArray();
    }

    /// <summary>
    /// IoU of two XYXY boxes as <see cref="Nms"/> computes it (no +1; float32 division).
    /// </summary>
    public static float BoxIou(int[] a, int[] b)
    {
        float areaA = (float)(a[2] - a[0]) * (a[3] - a[1]);
        float areaB = (float)(b[2] - b[0]) * (b[3] - b[1]);
        float w = Math.Max(0f, Math.Min(a[2], b[2]) - (float)Math.Max(a[0], b[0]));
        float h = Math.Max(0f, Math.Min(a[3], b[3]) - (float)Math.Max(a[1], b[1]));
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }

    /// <summary>
    /// amg.py <c>is_box_near_crop_edge</c>: after shifting the box (crop frame) by the crop origin, some coordinate is
    /// within <paramref name="atol"/> of the same coordinate of the crop box but not within atol of the image box
    /// [0, 0, W, H] (torch.isclose with rtol 0: |a − b| ≤ atol).
    /// </summary>
    public static bool IsBoxNearCropEdge(int[] boxInCrop, int[] cropBox, int imageWidth, int imageHeight, double atol = 20.0)
    {
        int[] orig = { 0, 0, imageWidth, imageHeight };
        int[] off = { cropBox[0], cropBox[1], cropBox[0], cropBox[1] };
        for (int k = 0; k < 4; k++)
        {
            double v = boxInCrop[k] + off[k];
            bool nearCrop = Math.Abs(v - cropBox[k]) <= atol;
            bool nearImage = Math.Abs(v - orig[k]) <= atol;
            if (nearCrop && !nearImage) return true;
        }
        return false;
    }

    /// <summary>What <see cref="RemoveSmallRegions"/> removes.</summary>
    public enum RegionMode
    {
        /// <summary>Fill background components (holes) smaller than the area threshold.</summary>
        Holes,
        /// <summary>Drop foreground components (islands) smaller than the area threshold.</summary>
        Islands,
    }

    /// <summary>
    /// amg.py <c>remove_small_regions</c>: label the 8-connected components (SAM calls
    /// <c>cv2.connectedComponentsWithStats(working_mask, 8)</c>) of the mask (islands) or of its complement (holes).
    /// Holes: every complement component with area &lt; threshold is filled, including one touching the border.
    /// Islands: every component with area &lt; threshold is removed; if all are small, the largest one is kept
    /// (ties: the first in raster order of first pixel, the order in which components are numbered here).
    /// Returns the new row-major mask and whether any small region was found (SAM's "changed" flag).
    /// </summary>
    public static (bool[] Mask, bool Changed) RemoveSmallRegions(bool[] mask, int height, int width, double areaThreshold, RegionMode mode)
    {
        bool holes = mode == RegionMode.Holes;
        var work = new bool[mask.Length];
        for (int i = 0; i < mask.Length; i++) work[i] = mask[i] ^ holes;
        var (labels, sizes) = ConnectedComponents8(work, height, width);
        // sizes[k] = size of component k+1 (label 0 is the non-working pixels)
        var small = new HashSet<int>();
        for (int k = 0; k < sizes.Count; k++) if (sizes[k] < areaThreshold) small.Add(k + 1);
        if (small.Count == 0) return (mask, false);
        var result = new bool[mask.Length];
        if (holes)
        {
            // fill labels = {0} ∪ small: the original mask plus the small holes
            for (int i = 0; i < result.Length; i++) result[i] = labels[i] == 0 || small.Contains(labels[i]);
        }
        else
        {
            var keep = new HashSet<int>();
            for (int k = 1; k <= sizes.Count; k++) if (!small.Contains(k)) keep.Add(k);
            if (keep.Count == 0)
            {
                int best = 0;
                for (int k = 1; k < sizes.Count; k++) if (sizes[k] > sizes[best]) best = k;
                keep.Add(best + 1);
            }
            for (int i = 0; i < result.Length; i++) result[i] = keep.Contains(labels[i]);
        }
        return (result, true);
    }

    /// <summary>
    /// 8-connected component labelling of the true pixels: label 0 for false pixels, 1..n numbered in raster order of
    /// each component's first pixel. Returns the labels (row-major) and the sizes of components 1..n (index k → label k+1).
    /// </summary>
    public static (int[] Labels, IReadOnlyList<int> Sizes) ConnectedComponents8(bool[] fg, int height, int width)
    {
        var labels = new int[fg.Length];
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (int start = 0; start < fg.Length; start++)
        {
            if (!fg[start] || labels[start] != 0) continue;
            int label = sizes.Count + 1;
            int size = 0;
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                size++;
                int r = p / width, c = p % width;
                for (int dr = -1; dr <= 1; dr++)
                {
                    int rr = r + dr;
                    if ((uint)rr >= (uint)height) continue;
                    for (int dc = -1; dc <= 1; dc++)
                    {
                        int cc = c + dc;
                        if ((uint)cc >= (uint)width) continue;
                        int q = rr * width + cc;
                        if (fg[q] && labels[q] == 0) { labels[q] = label; stack.Push(q); }
                    }
                }
            }
            sizes.Add(size);
        }
        return (labels, sizes);
    }
}
