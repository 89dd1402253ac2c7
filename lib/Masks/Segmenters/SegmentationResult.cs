namespace SamDiffSR.Masks.Segmenters;

/// <summary>
/// A partition of an image into <see cref="RegionCount"/> regions: one label per pixel, row-major (H, W), values
/// 0..K-1 with K = <see cref="RegionCount"/>. Labels are numbered in raster order of each region's first pixel
/// (label 0 holds pixel (0, 0)), as scikit-image's <c>felzenszwalb</c> returns them.
/// </summary>
public sealed class SegmentationResult
{
    /// <summary>Wraps a label array (not copied) after checking its length and range.</summary>
    /// <exception cref="ArgumentException">Wrong length, a label outside 0..K-1, or a label with no pixel.</exception>
    public SegmentationResult(int height, int width, int[] labels, int regionCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (height <= 0 || width <= 0) throw new ArgumentException($"Size must be positive, got {height}×{width}.", nameof(height));
        if ((long)height * width != labels.LongLength)
            throw new ArgumentException($"Label array holds {labels.Length} values but {height}×{width} are needed.", nameof(labels));
        if (regionCount <= 0) throw new ArgumentException($"Region count must be positive, got {regionCount}.", nameof(regionCount));
        var seen = new bool[regionCount];
        foreach (var l in labels)
        {
            if ((uint)l >= (uint)regionCount)
                throw new ArgumentException($"Label {l} is outside 0..{regionCount - 1}.", nameof(labels));
            seen[l] = true;
        }
        int missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new ArgumentException($"Label {missing} of 0..{regionCount - 1} has no pixel; labels must be consecutive.", nameof(labels));
        Height = height;
        Width = width;
        Labels = labels;
        RegionCount = regionCount;
    }

    /// <summary>Rows (H).</summary>
    public int Height { get; }

    /// <summary>Columns (W).</summary>
    public int Width { get; }

    /// <summary>Per-pixel region label, (H, W) row-major, int32 in [0, K-1].</summary>
    public int[] Labels { get; }

    /// <summary>Number of regions K.</summary>
    public int RegionCount { get; }

    /// <summary>Label of pixel (y, x).</summary>
    public int this[int y, int x] => Labels[y * Width + x];

    /// <summary>Pixel count of each region, indexed by label.</summary>
    public int[] RegionSizes()
    {
        var s = new int[RegionCount];
        foreach (var l in Labels) s[l]++;
        return s;
    }

    /// <summary>
    /// Boundary map: true where a pixel's label differs from its right or lower 4-neighbour (the "inner"
    /// one-sided boundary; row-major (H, W)). Used to compare segmentations from different implementations.
    /// </summary>
    public bool[] BoundaryMap()
    {
        var b = new bool[Labels.Length];
        for (int y = 0; y < Height; y++)
        {
            int row = y * Width;
            for (int x = 0; x < Width; x++)
            {
                int i = row + x, l = Labels[i];
                b[i] = (x + 1 < Width && Labels[i + 1] != l) || (y + 1 < Height && Labels[i + Width] != l);
            }
        }
        return b;
    }
}
