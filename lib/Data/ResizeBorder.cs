namespace SamDiffSR.Data;

/// <summary>How <see cref="MatlabResize"/> treats kernel taps that fall outside the image.</summary>
public enum ResizeBorder
{
    /// <summary>MATLAB <c>imresize</c>: indices clamped to [1, N], edge pixels repeat (docs/data.md §Bicubic degradation, step 5).</summary>
    Clamp,

    /// <summary>
    /// The Python port used by SRDiff/SAM-DiffSR (<c>utils_sr/matlab_resize.py</c>, docs/official-code.md §Data pipeline): indices mirrored
    /// half-sample symmetrically (sequence 0..N−1, N−1..0 repeated). Differs from MATLAB at the borders.
    /// </summary>
    Symmetric,
}
