namespace SamDiffSR.Masks;

/// <summary>
/// One binary segmentation mask M_SAM,i ∈ {0,1}^{h×w} (paper §4.2), stored the way COCO/pycocotools and SAM's
/// <c>amg.py</c> store it: uncompressed run-length counts over the pixels in <b>column-major (Fortran) order</b>
/// (pixel index p = col·H + row), alternating runs of 0s and 1s, starting with a (possibly empty) run of 0s.
/// Immutable. A full-HD mask with ~10³ runs costs a few KB instead of H·W bytes.
/// </summary>
public sealed class BinaryMask
{
    private readonly int[] _counts;
    private readonly long[] _starts; // _starts[j] = first column-major pixel index of run j; _starts[m] = H·W

    private BinaryMask(int height, int width, int[] counts)
    {
        Height = height;
        Width = width;
        _counts = counts;
        _starts = new long[counts.Length + 1];
        long area = 0;
        for (int j = 0; j < counts.Length; j++)
        {
            _starts[j + 1] = _starts[j] + counts[j];
            if ((j & 1) == 1) area += counts[j];
        }
        Area = area;
    }

    /// <summary>Rows H.</summary>
    public int Height { get; }

    /// <summary>Columns W.</summary>
    public int Width { get; }

    /// <summary>Number of foreground pixels (|M|, SAM's <c>area</c>).</summary>
    public long Area { get; }

    /// <summary>Uncompressed COCO counts (column-major runs, first run = zeros).</summary>
    public IReadOnlyList<int> Counts => _counts;

    /// <summary>
    /// Builds a mask from COCO counts. Throws <see cref="InvalidDataException"/> if a count is negative or the
    /// counts do not sum to H·W.
    /// </summary>
    /// <param name="height">Rows H.</param>
    /// <param name="width">Columns W.</param>
    /// <param name="counts">Column-major run lengths, starting with a run of 0s.</param>
    /// <param name="source">Where the counts came from, for error messages.</param>
    public static BinaryMask FromCounts(int height, int width, IEnumerable<int> counts, string source = "mask")
    {
        CheckSize(height, width, source);
        var c = counts.ToArray();
        long sum = 0;
        for (int i = 0; i < c.Length; i++)
        {
            if (c[i] < 0) throw new InvalidDataException($"{source}: run-length count {i} is negative ({c[i]})");
            sum += c[i];
        }
        if (sum != (long)height * width)
            throw new InvalidDataException(
                $"{source}: run-length counts sum to {sum} but size [{height}, {width}] has {(long)height * width} pixels; " +
                "the counts and 'size' do not belong together (counts must be column-major, as pycocotools writes them)");
        return new BinaryMask(height, width, c);
    }

    /// <summary>Encodes a row-major H×W boolean image (index row·W + col).</summary>
    public static BinaryMask FromRowMajor(ReadOnlySpan<bool> pixels, int height, int width)
    {
        CheckSize(height, width, "mask");
        if (pixels.Length != height * width)
            throw new ArgumentException($"pixel buffer has {pixels.Length} values, expected H·W = {height}·{width} = {height * width}", nameof(pixels));
        var counts = new List<int>();
        bool current = false;
        int run = 0;
        for (int c = 0; c < width; c++)
            for (int r = 0; r < height; r++)
            {
                bool v = pixels[r * width + c];
                if (v != current) { counts.Add(run); run = 0; current = v; }
                run++;
            }
        counts.Add(run);
        return new BinaryMask(height, width, counts.ToArray());
    }

    /// <summary>Encodes the pixels where <paramref name="inside"/>(row, col) is true.</summary>
    public static BinaryMask FromPredicate(int height, int width, Func<int, int, bool> inside)
    {
        var px = new bool[height * width];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                px[r * width + c] = inside(r, c);
        return FromRowMajor(px, height, width);
    }

    /// <summary>Pixel value at (row, col).</summary>
    public bool this[int row, int col]
    {
        get
        {
            if ((uint)row >= (uint)Height || (uint)col >= (uint)Width)
                throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {col}) is outside the {Height}×{Width} mask");
            long p = (long)col * Height + row;
            // Largest j with _starts[j] <= p; runs with odd index are foreground.
            int lo = 0, hi = _counts.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (_starts[mid] <= p) lo = mid; else hi = mid - 1;
            }
            // Skip empty runs that share the start.
            while (lo + 1 < _counts.Length && _starts[lo + 1] <= p) lo++;
            return (lo & 1) == 1;
        }
    }

    /// <summary>Decodes to a row-major H×W boolean array (index row·W + col).</summary>
    public bool[] ToRowMajor()
    {
        var px = new bool[Height * Width];
        foreach (var (start, length) in ForegroundRuns())
            for (long p = start; p < start + length; p++)
            {
                int col = (int)(p / Height), row = (int)(p % Height);
                px[row * Width + col] = true;
            }
        return px;
    }

    /// <summary>
    /// The foreground runs as (first column-major pixel index, length); empty runs are skipped.
    /// Pixel index p is at row p mod H, column p div H.
    /// </summary>
    public IEnumerable<(long Start, int Length)> ForegroundRuns()
    {
        for (int j = 1; j < _counts.Length; j += 2)
            if (_counts[j] > 0) yield return (_starts[j], _counts[j]);
    }

    /// <summary>
    /// Bounding box in SAM's <c>amg.py</c> convention: XYWH with X = min column, Y = min row,
    /// W = max column − min column, H = max row − min row (SAM's <c>batched_mask_to_box</c> returns inclusive
    /// max indices and <c>box_xyxy_to_xywh</c> subtracts, so a one-pixel mask has W = H = 0; COCO's own
    /// <c>toBbox</c> would add 1). An empty mask gives [0, 0, 0, 0].
    /// </summary>
    public (int X, int Y, int W, int H) SamBoundingBox()
    {
        int xmin = int.MaxValue, xmax = -1, ymin = int.MaxValue, ymax = -1;
        foreach (var (start, length) in ForegroundRuns())
        {
            long end = start + length - 1;
            int c0 = (int)(start / Height), r0 = (int)(start % Height);
            int c1 = (int)(end / Height), r1 = (int)(end % Height);
            xmin = Math.Min(xmin, c0); xmax = Math.Max(xmax, c1);
            if (c1 > c0) { ymin = 0; ymax = Height - 1; } // the run wraps through a column end and a column start
            else { ymin = Math.Min(ymin, r0); ymax = Math.Max(ymax, r1); }
        }
        return xmax < 0 ? (0, 0, 0, 0) : (xmin, ymin, xmax - xmin, ymax - ymin);
    }

    /// <summary>True if both masks have the same size and the same pixels (counts may differ by empty runs).</summary>
    public bool PixelsEqual(BinaryMask other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Height != other.Height || Width != other.Width || Area != other.Area) return false;
        return ForegroundRuns().SequenceEqual(other.ForegroundRuns()) || ToRowMajor().AsSpan().SequenceEqual(other.ToRowMajor());
    }

    private static void CheckSize(int height, int width, string source)
    {
        if (height <= 0 || width <= 0 || (long)height * width > int.MaxValue)
            throw new InvalidDataException($"{source}: mask size [{height}, {width}] is not a valid positive H×W");
    }
}
