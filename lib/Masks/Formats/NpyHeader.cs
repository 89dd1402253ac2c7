namespace SamDiffSR.Masks.Formats;

/// <summary>The parsed header of a NumPy <c>.npy</c> file (format versions 1.0, 2.0 and 3.0).</summary>
/// <param name="Descr">The dtype descriptor, e.g. <c>&lt;f4</c>, or <c>|O</c> for a pickled Python object.</param>
/// <param name="FortranOrder">True if the data are stored column-major.</param>
/// <param name="Shape">The array shape (empty for a 0-d array such as a saved <c>None</c>).</param>
/// <param name="DataOffset">Byte offset of the data (always a multiple of 64 for files NumPy writes).</param>
public sealed record NpyHeader(string Descr, bool FortranOrder, IReadOnlyList<long> Shape, long DataOffset)
{
    /// <summary>True for a pickled object array (e.g. <c>np.save(path, None)</c>, which the official encoder writes
    /// for an image with no masks).</summary>
    public bool IsObjectArray => Descr.EndsWith('O');
}
