namespace SamDiffSR.Metrics.Perceptual;

/// <summary>
/// Per-channel affine map from an image in [0, 1] to what an exported network expects:
/// value = (x · PixelScale − Mean[c]) / Std[c]. Examples: clean-fid/pyiqa FID (x·255 − 128)/128
/// (<see cref="CleanFid"/>); [−1, 1] inputs (x·1 − 0.5)/0.5 (<see cref="MinusOneToOne"/>, also pyiqa MANIQA's
/// IMAGENET_INCEPTION_MEAN/STD); LPIPS v0.1 on [−1, 1] followed by its ScalingLayer (<see cref="LpipsAlexInput"/>).
/// </summary>
public sealed record ImageNormalization
{
    /// <summary>Factor applied to [0, 1] samples first (1 or 255 typically).</summary>
    public double PixelScale { get; init; } = 1.0;

    /// <summary>Per-channel mean subtracted after scaling (length = channel count, usually 3).</summary>
    public double[] Mean { get; init; } = [0.0, 0.0, 0.0];

    /// <summary>Per-channel divisor (positive).</summary>
    public double[] Std { get; init; } = [1.0, 1.0, 1.0];

    /// <summary>clean-fid / pyiqa FID: x·255 then (v − 128)/128 (pyiqa fid_arch.py, ResizeDataset 'clean').</summary>
    public static ImageNormalization CleanFid { get; } = new() { PixelScale = 255, Mean = [128, 128, 128], Std = [128, 128, 128] };

    /// <summary>[0, 1] → [−1, 1]: (x − 0.5)/0.5.</summary>
    public static ImageNormalization MinusOneToOne { get; } = new() { PixelScale = 1, Mean = [0.5, 0.5, 0.5], Std = [0.5, 0.5, 0.5] };

    /// <summary>
    /// LPIPS v0.1 network input: x' = 2x − 1 (lpips <c>normalize=True</c>), then the ScalingLayer (x' − shift)/scale with
    /// shift = (−0.030, −0.088, −0.188), scale = (0.458, 0.448, 0.450) (lpips/pretrained_networks ScalingLayer); written
    /// as PixelScale 2, Mean 1 + shift, Std scale.
    /// </summary>
    public static ImageNormalization LpipsAlexInput { get; } = new()
    {
        PixelScale = 2,
        Mean = [1 + LpipsDistance.Shift[0], 1 + LpipsDistance.Shift[1], 1 + LpipsDistance.Shift[2]],
        Std = [LpipsDistance.Scale[0], LpipsDistance.Scale[1], LpipsDistance.Scale[2]],
    };

    /// <summary>Checks lengths against the channel count and that every std is positive.</summary>
    /// <exception cref="InvalidDataException">Inconsistent values (the message names <paramref name="source"/>).</exception>
    public void Validate(int channels, string source)
    {
        if (Mean is null || Std is null || Mean.Length != channels || Std.Length != channels)
            throw new InvalidDataException($"{source}: normalisation needs {channels} mean and std values; got {Mean?.Length ?? 0} and {Std?.Length ?? 0}.");
        if (!(PixelScale > 0) || !double.IsFinite(PixelScale))
            throw new InvalidDataException($"{source}: pixelScale must be positive; got {PixelScale}.");
        foreach (var s in Std)
            if (!(s > 0) || !double.IsFinite(s))
                throw new InvalidDataException($"{source}: every std value must be positive; got {s}.");
    }

    /// <summary>Applies the map to one channel value already multiplied by <see cref="PixelScale"/>.</summary>
    public float Apply(double scaled, int channel) => (float)((scaled - Mean[channel]) / Std[channel]);
}
