namespace SamDiffSR.Masks.Segmenters;

/// <summary>
/// Something that partitions an image into regions — the "segmentation model" S of SAM-DiffSR that produces the
/// masks the structural position encoding is built from (paper §3.2). Implemented by the embedded
/// <see cref="FelzenszwalbSegmenter"/> and, later, SAM through ONNX Runtime. Implementations must be
/// deterministic: the same image gives the same labels.
/// </summary>
public interface ISegmenter
{
    /// <summary>Short identifier stored with the outputs, e.g. "felzenszwalb(scale=200,sigma=0.8,min_size=50)".</summary>
    string Name { get; }

    /// <summary>Segments one image (H, W, C) uint8 into labels (H, W).</summary>
    SegmentationResult Segment(SegmentationImage image);
}
