namespace SamDiffSR.Masks;

/// <summary>
/// One record of SAM's automatic mask generator output (segment_anything <c>SamAutomaticMaskGenerator.generate</c>,
/// written per image by <c>scripts/amg.py --convert-to-rle</c>; docs/official-code.md §Mask generation with SAM). Field names follow the JSON keys.
/// Records from SAM come sorted by <see cref="PredictedIou"/>, highest first (box NMS order).
/// </summary>
/// <param name="Segmentation">The mask (JSON <c>segmentation</c>: COCO RLE {size: [H, W], counts}).</param>
/// <param name="Area">Foreground pixel count (JSON <c>area</c>).</param>
/// <param name="Bbox">Box XYWH in SAM's convention (JSON <c>bbox</c>; see <see cref="BinaryMask.SamBoundingBox"/>).</param>
/// <param name="PredictedIou">The mask decoder's own quality estimate (JSON <c>predicted_iou</c>); the score used by
/// <see cref="OverlapRule.HigherScoreWins"/>.</param>
/// <param name="PointCoords">The point prompt(s) [[x, y]] that produced the mask (JSON <c>point_coords</c>).</param>
/// <param name="StabilityScore">IoU between the masks thresholded at ±offset (JSON <c>stability_score</c>).</param>
/// <param name="CropBox">The image crop used, XYWH (JSON <c>crop_box</c>); [0, 0, W, H] without crop layers.</param>
public sealed record MaskRecord(
    BinaryMask Segmentation,
    long Area,
    IReadOnlyList<double> Bbox,
    double PredictedIou,
    IReadOnlyList<IReadOnlyList<double>> PointCoords,
    double StabilityScore,
    IReadOnlyList<double> CropBox)
{
    /// <summary>
    /// Wraps a mask with the fields SAM would write: area and SAM-convention bbox computed from the mask,
    /// crop box = the whole image, and as point prompt the first foreground pixel in row-major order
    /// (a point guaranteed to lie inside the mask; none for an empty mask).
    /// </summary>
    public static MaskRecord FromMask(BinaryMask mask, double predictedIou = 1.0, double stabilityScore = 1.0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var (x, y, w, h) = mask.SamBoundingBox();
        var points = new List<IReadOnlyList<double>>();
        if (mask.Area > 0)
        {
            // First foreground pixel in row-major order: smallest row, then smallest column in that row.
            for (int col = x; col <= x + w && points.Count == 0; col++)
                if (mask[y, col]) points.Add(new double[] { col, y });
        }
        return new MaskRecord(mask, mask.Area, new double[] { x, y, w, h }, predictedIou, points, stabilityScore,
            new double[] { 0, 0, mask.Width, mask.Height });
    }
}
