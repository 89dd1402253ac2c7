namespace SamDiffSR.Data;

/// <summary>
/// Variant switches for <see cref="MatlabResize"/>. <see cref="Matlab"/> is the default and reproduces MATLAB
/// <c>imresize(I, scale, 'bicubic')</c> bit for bit; <see cref="SrdiffPort"/> reproduces the Python port inside
/// SRDiff/SAM-DiffSR (mirrored borders, numpy's half-to-even rounding for uint8), kept as a named option for replication.
/// </summary>
/// <param name="Border">Out-of-range tap handling.</param>
/// <param name="Rounding">Rounding of each 1-D pass for uint8 input (MATLAB: half away from zero; numpy <c>around</c>: to even).</param>
public sealed record ImresizeOptions(ResizeBorder Border = ResizeBorder.Clamp, MidpointRounding Rounding = MidpointRounding.AwayFromZero)
{
    /// <summary>MATLAB <c>imresize</c> (clamped borders, half away from zero).</summary>
    public static ImresizeOptions Matlab { get; } = new();

    /// <summary>SRDiff/SAM-DiffSR <c>utils_sr/matlab_resize.py</c> (symmetric borders, half to even).</summary>
    public static ImresizeOptions SrdiffPort { get; } = new(ResizeBorder.Symmetric, MidpointRounding.ToEven);
}
