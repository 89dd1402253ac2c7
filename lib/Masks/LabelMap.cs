namespace SamDiffSR.Masks;

/// <summary>
/// A segmentation as an H×W map of integer labels (row-major, index row·W + col).
/// Convention (the same as <c>data/reference/spe_cases.json</c>): <see cref="Uncovered"/> = −1 marks a pixel that no
/// mask covers (its SPE value is 0); every label ≥ 0, including 0, is a real segment. Labels need not be contiguous;
/// a label may have several connected components (it is still one mask). Immutable.
/// </summary>
public sealed class LabelMap
{
    /// <summary>Label of pixels covered by no mask.</summary>
    public const int Uncovered = -1;

    private readonly int[] _labels;

    /// <summary>Creates a label map from a row-major buffer (copied). Labels must be ≥ −1.</summary>
    public LabelMap(int height, int width, ReadOnlySpan<int> labelsRowMajor)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"label map size {height}×{width} must be positive");
        if (labelsRowMajor.Length != height * width)
            throw new ArgumentException($"label buffer has {labelsRowMajor.Length} values, expected H·W = {height}·{width} = {height * width}");
        for (int i = 0; i < labelsRowMajor.Length; i++)
            if (labelsRowMajor[i] < Uncovered)
                throw new ArgumentException($"label {labelsRowMajor[i]} at row {i / width}, col {i % width} is invalid: use −1 for uncovered pixels and labels ≥ 0 for segments");
        Height = height;
        Width = width;
        _labels = labelsRowMajor.ToArray();
    }

    /// <summary>Rows H.</summary>
    public int Height { get; }

    /// <summary>Columns W.</summary>
    public int Width { get; }

    /// <summary>Label at (row, col).</summary>
    public int this[int row, int col] => _labels[row * Width + col];

    /// <summary>The labels, row-major.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Builds a label map from nested rows ([H][W], rows first, as in spe_cases.json).</summary>
    public static LabelMap FromRows(IReadOnlyList<IReadOnlyList<int>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("label map has no rows");
        int w = rows[0].Count;
        var buf = new int[rows.Count * w];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Count != w) throw new ArgumentException($"label map row {r} has {rows[r].Count} values, row 0 has {w}");
            for (int c = 0; c < w; c++) buf[r * w + c] = rows[r][c];
        }
        return new LabelMap(rows.Count, w, buf);
    }

    /// <summary>The distinct segment labels (≥ 0), ascending.</summary>
    public IReadOnlyList<int> SegmentLabels() => _labels.Where(l => l != Uncovered).Distinct().Order().ToArray();

    /// <summary>
    /// One binary mask per distinct label ≥ 0, in ascending label order (the order spe_cases.json feeds masks to the
    /// official encoder). The i-th mask belongs to <see cref="SegmentLabels"/>()[i].
    /// </summary>
    /// <remarks>
    /// One column-major pass over the map builds every mask's COCO counts at once (the counts
    /// <see cref="BinaryMask.FromRowMajor"/> would give for that label's pixels): O(H·W + runs), where one scan per label
    /// was O(labels · H·W), the largest cost of <c>masks generate</c> with hundreds of segments per image.
    /// </remarks>
    public IReadOnlyList<BinaryMask> ToMasks()
    {
        var labels = SegmentLabels();
        int n = labels.Count, max = n == 0 ? -1 : labels[n - 1];
        // Dense index of each label: an array when the labels are compact (segmenters number them 0..K−1), else a dictionary.
        int[]? dense = max < 4L * _labels.Length + 1024 ? new int[max + 1] : null;
        var sparse = dense is null ? new Dictionary<int, int>(n) : null;
        for (int k = 0; k < n; k++)
            if (dense != null) dense[labels[k]] = k; else sparse![labels[k]] = k;
        var counts = new List<int>[n];
        var end = new long[n];   // column-major index just after the label's last pixel so far
        for (int k = 0; k < n; k++) counts[k] = new List<int>();
        long p = 0;
        for (int c = 0; c < Width; c++)
            for (int r = 0; r < Height; r++, p++)
            {
                int l = _labels[r * Width + c];
                if (l == Uncovered) continue;
                int k = dense != null ? dense[l] : sparse![l];
                var list = counts[k];
                if (list.Count > 0 && end[k] == p) list[^1]++;                  // the current run of 1s goes on
                else { list.Add((int)(p - end[k])); list.Add(1); }              // a run of 0s (maybe empty at the start), then 1s
                end[k] = p + 1;
            }
        long total = (long)Height * Width;
        var masks = new List<BinaryMask>(n);
        for (int k = 0; k < n; k++)
        {
            if (end[k] < total) counts[k].Add((int)(total - end[k]));       // trailing 0s
            masks.Add(BinaryMask.FromCounts(Height, Width, counts[k]));
        }
        return masks;
    }

    /// <summary>
    /// <see cref="ToMasks"/> wrapped as SAM records (<see cref="MaskRecord.FromMask"/>), e.g. to write an
    /// <c>amg.py</c>-style JSON for a synthetic segmentation.
    /// </summary>
    public IReadOnlyList<MaskRecord> ToRecords(double predictedIou = 1.0, double stabilityScore = 1.0) =>
        ToMasks().Select(m => MaskRecord.FromMask(m, predictedIou, stabilityScore)).ToArray();

    /// <summary>
    /// Flattens overlapping masks into a label map: pixel label = index of the winning mask in
    /// <paramref name="masks"/> (or <paramref name="labels"/>[index] when given), −1 where no mask covers the pixel.
    /// </summary>
    /// <param name="masks">The masks, all H×W.</param>
    /// <param name="height">H (needed when the list is empty).</param>
    /// <param name="width">W.</param>
    /// <param name="rule">Overlap rule.</param>
    /// <param name="scores">Per-mask scores for <see cref="OverlapRule.HigherScoreWins"/>.</param>
    /// <param name="labels">Optional label (≥ 0) to write for each mask instead of its index.</param>
    public static LabelMap FromMasks(IReadOnlyList<BinaryMask> masks, int height, int width,
        OverlapRule rule = OverlapRule.LaterOverwrites, IReadOnlyList<double>? scores = null, IReadOnlyList<int>? labels = null)
    {
        var winner = WinnerIndexColumnMajor(masks, height, width, rule, scores);
        var rowMajor = new int[height * width];
        for (int c = 0; c < width; c++)
            for (int r = 0; r < height; r++)
            {
                int k = winner[c * height + r];
                rowMajor[r * width + c] = k < 0 ? Uncovered : labels is null ? k : labels[k];
            }
        return new LabelMap(height, width, rowMajor);
    }

    /// <summary>Flattens SAM records (scores = <see cref="MaskRecord.PredictedIou"/>); see the mask overload.</summary>
    public static LabelMap FromRecords(IReadOnlyList<MaskRecord> records, int height, int width, OverlapRule rule = OverlapRule.LaterOverwrites) =>
        FromMasks(records.Select(r => r.Segmentation).ToArray(), height, width, rule, records.Select(r => r.PredictedIou).ToArray());

    /// <summary>
    /// For each column-major pixel, the index of the mask that owns it under <paramref name="rule"/>, or −1.
    /// </summary>
    internal static int[] WinnerIndexColumnMajor(IReadOnlyList<BinaryMask> masks, int height, int width,
        OverlapRule rule, IReadOnlyList<double>? scores)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (height <= 0 || width <= 0) throw new ArgumentException($"size {height}×{width} must be positive");
        for (int k = 0; k < masks.Count; k++)
            if (masks[k].Height != height || masks[k].Width != width)
                throw new ArgumentException($"mask {k} is {masks[k].Height}×{masks[k].Width}, expected {height}×{width} (all masks of one image share its size)");
        int[] order = Enumerable.Range(0, masks.Count).ToArray();
        if (rule == OverlapRule.HigherScoreWins)
        {
            if (scores is null || scores.Count != masks.Count)
                throw new ArgumentException($"OverlapRule.HigherScoreWins needs one score per mask ({masks.Count}), got {scores?.Count ?? 0}");
            order = order.OrderBy(k => scores[k]).ToArray(); // LINQ OrderBy is stable: ties keep list order, so later wins
        }
        var winner = new int[height * width];
        Array.Fill(winner, -1);
        foreach (int k in order)
            foreach (var (start, length) in masks[k].ForegroundRuns())
                winner.AsSpan((int)start, length).Fill(k);
        return winner;
    }
}
