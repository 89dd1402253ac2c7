namespace SamDiffSR.Masks.Sam;

/// <summary>
/// Settings of <see cref="SamAutomaticMaskGenerator"/>, named and defaulted as segment-anything's
/// <c>SamAutomaticMaskGenerator.__init__</c> (the defaults are what SAM-DiffSR used: it runs SAM's <c>amg.py</c> without
/// options, docs/official-code.md §Mask generation with SAM). Output is always COCO RLE (<see cref="BinaryMask"/>), i.e. SAM's <c>output_mode="coco_rle"</c>.
/// </summary>
public sealed record SamAmgOptions
{
    /// <summary>Points sampled along one side (n² point prompts per crop); null when <see cref="PointGrids"/> is given.</summary>
    public int? PointsPerSide { get; init; } = 32;

    /// <summary>Point prompts decoded per model call (also bounds memory: points × 3 masks × H × W floats).</summary>
    public int PointsPerBatch { get; init; } = 64;

    /// <summary>Keep masks whose predicted IoU is strictly greater than this (0 disables the filter).</summary>
    public double PredIouThresh { get; init; } = 0.88;

    /// <summary>Keep masks whose stability score is at least this (0 disables the filter).</summary>
    public double StabilityScoreThresh { get; init; } = 0.95;

    /// <summary>Logit offset ±o for the stability score.</summary>
    public double StabilityScoreOffset { get; init; } = 1.0;

    /// <summary>Box IoU above which NMS drops a duplicate within one crop.</summary>
    public double BoxNmsThresh { get; init; } = 0.7;

    /// <summary>Number of extra crop layers (layer i has (2^i)² crops); 0 = the whole image only.</summary>
    public int CropNLayers { get; init; }

    /// <summary>Box IoU above which NMS drops a duplicate between crops (smaller crops win).</summary>
    public double CropNmsThresh { get; init; } = 0.7;

    /// <summary>Overlap of neighbouring crops in the first layer, as a fraction of the short image side.</summary>
    public double CropOverlapRatio { get; init; } = 512.0 / 1500.0;

    /// <summary>Layer i samples int(n / factor^i) points per side.</summary>
    public int CropNPointsDownscaleFactor { get; init; } = 1;

    /// <summary>
    /// Explicit normalised point grids (x, y in [0, 1]), one per crop layer; exclusive with <see cref="PointsPerSide"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<(double X, double Y)>>? PointGrids { get; init; }

    /// <summary>If &gt; 0, remove islands and fill holes smaller than this many pixels, then run NMS again.</summary>
    public int MinMaskRegionArea { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if ((PointsPerSide is null) == (PointGrids is null))
            throw new ArgumentException("exactly one of points_per_side and point_grids must be given (set the other to null)");
        if (PointsPerSide is <= 0) throw new ArgumentException($"points_per_side must be positive, got {PointsPerSide}");
        if (PointsPerBatch <= 0) throw new ArgumentException($"points_per_batch must be positive, got {PointsPerBatch}");
        if (CropNLayers < 0) throw new ArgumentException($"crop_n_layers must be >= 0, got {CropNLayers}");
        if (CropNPointsDownscaleFactor <= 0) throw new ArgumentException($"crop_n_points_downscale_factor must be positive, got {CropNPointsDownscaleFactor}");
        if (PointGrids is not null && PointGrids.Count < CropNLayers + 1)
            throw new ArgumentException($"point_grids has {PointGrids.Count} grids but crop_n_layers = {CropNLayers} needs {CropNLayers + 1}");
        if (MinMaskRegionArea < 0) throw new ArgumentException($"min_mask_region_area must be >= 0, got {MinMaskRegionArea}");
        if (double.IsNaN(BoxNmsThresh) || double.IsNaN(CropNmsThresh) || double.IsNaN(PredIouThresh) || double.IsNaN(StabilityScoreThresh))
            throw new ArgumentException("thresholds must be numbers");
    }
}
