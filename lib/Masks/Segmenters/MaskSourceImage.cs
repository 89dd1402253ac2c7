namespace SamDiffSR.Masks.Segmenters;

/// <summary>
/// Which image the masks are computed from, for the mask-quality ablation of the paper (§4.3 "Quality of mask",
/// Table 4: "Low" = MobileSAM on the LR image, "Medium" = MobileSAM on HR, "High" = SAM on HR).
/// </summary>
public enum MaskSourceImage
{
    /// <summary>The HR training image itself (the paper's default).</summary>
    Hr,

    /// <summary>The LR image, bicubic-upsampled back to the HR size before segmenting (Table 4, "Low").</summary>
    LrUpsampled,
}

/// <summary>
/// Segments the LR image at HR resolution, so the labels align with HR pixels as the structural position encoding
/// needs (one label per HR pixel). The caller does the upsampling with the project's MATLAB-exact bicubic
/// <c>imresize</c> (the same kernel that made the LR image, scale factor s = HR/LR), either beforehand
/// (<see cref="SegmentUpsampled"/>) or through a delegate (<see cref="Segment"/>); this class has no resize of its
/// own so the two can never disagree.
/// </summary>
public static class LrSegmentation
{
    /// <summary>Segments an LR image that the caller has already upsampled to (hrHeight, hrWidth).</summary>
    /// <param name="segmenter">Any segmenter (Felzenszwalb, SAM).</param>
    /// <param name="upsampledLr">imresize(LR, s, 'bicubic'), (hrHeight, hrWidth, C) uint8.</param>
    /// <param name="hrHeight">Height of the HR image the masks belong to.</param>
    /// <param name="hrWidth">Width of the HR image the masks belong to.</param>
    /// <exception cref="ArgumentException">The upsampled image does not have the HR size.</exception>
    public static SegmentationResult SegmentUpsampled(ISegmenter segmenter, SegmentationImage upsampledLr, int hrHeight, int hrWidth)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        ArgumentNullException.ThrowIfNull(upsampledLr);
        if (upsampledLr.Height != hrHeight || upsampledLr.Width != hrWidth)
            throw new ArgumentException(
                $"The upsampled LR image is {upsampledLr.Height}×{upsampledLr.Width} but the HR image is {hrHeight}×{hrWidth}; " +
                "upsample the LR image by the SR scale (MATLAB bicubic imresize) to exactly the HR size (modcrop the HR image first).",
                nameof(upsampledLr));
        return segmenter.Segment(upsampledLr);
    }

    /// <summary>Upsamples <paramref name="lr"/> to (hrHeight, hrWidth) with <paramref name="upsample"/>, then segments it.</summary>
    /// <param name="segmenter">Any segmenter.</param>
    /// <param name="lr">The LR image, (h, w, C) uint8.</param>
    /// <param name="hrHeight">Target height.</param>
    /// <param name="hrWidth">Target width.</param>
    /// <param name="upsample">(image, height, width) → resized image; pass the MATLAB-exact bicubic imresize.</param>
    public static SegmentationResult Segment(ISegmenter segmenter, SegmentationImage lr, int hrHeight, int hrWidth,
                                             Func<SegmentationImage, int, int, SegmentationImage> upsample)
    {
        ArgumentNullException.ThrowIfNull(lr);
        ArgumentNullException.ThrowIfNull(upsample);
        return SegmentUpsampled(segmenter, upsample(lr, hrHeight, hrWidth), hrHeight, hrWidth);
    }
}
