using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SamDiffSR.IO;

namespace SamDiffSR.Masks.Formats;

/// <summary>
/// Reads and writes SPE maps as NumPy <c>.npy</c> files, the format of the official <c>sam_embed</c> files
/// (float32, H×W, C order). Format (numpy/lib/format.py): magic <c>\x93NUMPY</c>, version bytes, a little-endian
/// header length (uint16 for 1.0, uint32 for 2.0/3.0), an ASCII Python-dict header
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (H, W), }</c>, space-padded and newline-terminated so
/// the data start at a multiple of 64, then the raw data.
/// Writing produces exactly NumPy's (≥ 1.21) bytes for version 1.0: 21 − len(str(H)) spare spaces after the dict
/// (room to grow axis 0), then padding to 64-byte alignment (a full 64 if already aligned), then '\n'.
/// Reading accepts <c>&lt;f4</c> and <c>&lt;f8</c> (converted to float32), either memory order, 2-D arrays only.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int ArrayAlign = 64;
    private const int GrowthAxisMaxDigits = 21;

    /// <summary>Reads a 2-D float map. Throws <see cref="InvalidDataException"/> naming the file and the fix.</summary>
    public static SpeMap Read(string path)
    {
        using var fs = OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Reads only the header of a file.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using var fs = OpenRead(path);
        return ReadHeader(fs, path);
    }

    /// <summary>Reads a 2-D float map from a stream positioned at the magic string.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="source">Name for error messages (usually the path).</param>
    public static SpeMap Read(Stream stream, string source)
    {
        var h = ReadHeader(stream, source);
        if (h.IsObjectArray)
            throw new InvalidDataException(
                $"{source}: holds a pickled Python object (dtype '{h.Descr}', shape ({string.Join(", ", h.Shape)})), not a float map. " +
                "The official merge_mask_to_one.py saves None for an image in which SAM found no masks; " +
                "re-encode the masks with 'samdiffsr masks encode', or let the mask store substitute zeros (MissingMaskPolicy.UseZeros).");
        int itemSize = h.Descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new InvalidDataException(
                $"{source}: dtype '{h.Descr}' is not supported; an SPE map must be little-endian float32 ('<f4') or float64 ('<f8'). " +
                "Save it with np.save(path, arr.astype(np.float32)).")
        };
        if (h.Shape.Count != 2)
            throw new InvalidDataException(
                $"{source}: array has {h.Shape.Count} dimension(s) (shape ({string.Join(", ", h.Shape)})), expected 2 (H, W). " +
                "Save a single-channel H×W map (squeeze batch/channel axes first).");
        long rows = h.Shape[0], cols = h.Shape[1];
        if (rows <= 0 || cols <= 0 || rows * cols > int.MaxValue)
            throw new InvalidDataException($"{source}: shape ({rows}, {cols}) is empty or too large for an SPE map");
        int n = (int)(rows * cols);
        var raw = new byte[(long)n * itemSize];
        int got = ReadFully(stream, raw);
        if (got < raw.Length)
            throw new InvalidDataException(
                $"{source}: truncated: shape ({rows}, {cols}) of '{h.Descr}' needs {raw.Length} data bytes after the header, found {got}. " +
                "The file was cut off (interrupted copy or write); regenerate it.");
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = itemSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4, 4))
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(i * 8, 8));
        int hh = (int)rows, ww = (int)cols;
        if (!h.FortranOrder) return SpeMap.Own(hh, ww, values);
        var rm = new float[n];
        for (int c = 0; c < ww; c++)
            for (int r = 0; r < hh; r++) rm[r * ww + c] = values[c * hh + r];
        return SpeMap.Own(hh, ww, rm);
    }

    /// <summary>Parses the header and leaves the stream at the first data byte.</summary>
    public static NpyHeader ReadHeader(Stream stream, string source)
    {
        var pre = new byte[8];
        if (ReadFully(stream, pre) < 8 || !pre.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: not a NumPy .npy file (missing the \\x93NUMPY magic); expected an array saved with np.save");
        int major = pre[6];
        int lenBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidDataException($"{source}: .npy format version {major}.{pre[7]} is not supported (1.0, 2.0, 3.0 are)"),
        };
        var lb = new byte[lenBytes];
        if (ReadFully(stream, lb) < lenBytes) throw new InvalidDataException($"{source}: truncated .npy header; regenerate the file");
        long hlen = lenBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lb) : BinaryPrimitives.ReadUInt32LittleEndian(lb);
        if (hlen > 1 << 20) throw new InvalidDataException($"{source}: .npy header length {hlen} is implausible (corrupt file)");
        var hb = new byte[hlen];
        if (ReadFully(stream, hb) < hlen) throw new InvalidDataException($"{source}: truncated .npy header; regenerate the file");
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(hb);

        var descr = DescrRx().Match(text);
        var fortran = FortranRx().Match(text);
        var shape = ShapeRx().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvalidDataException(
                $"{source}: cannot parse the .npy header {text.Trim()} (a structured or unusual dtype?); expected 'descr', 'fortran_order' and 'shape' keys of a plain array");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v : throw new InvalidDataException($"{source}: bad shape entry '{d}' in the .npy header"))
            .ToArray();
        return new NpyHeader(descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims, 6 + 2 + lenBytes + hlen);
    }

    /// <summary>Writes a map as float32, C order, format 1.0, atomically (temporary file + rename).</summary>
    public static void Write(string path, SpeMap map) => AtomicFile.Write(path, s => Write(s, map));

    /// <summary>Writes a map as float32, C order, format 1.0.</summary>
    public static void Write(Stream stream, SpeMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        stream.Write(HeaderBytes(map.Height, map.Width));
        var values = map.Values;
        var buf = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(i * 4, 4), values[i]);
        stream.Write(buf);
    }

    /// <summary>The exact header bytes NumPy (≥ 1.21) writes for a C-order float32 array of shape (H, W).</summary>
    public static byte[] HeaderBytes(int height, int width)
    {
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({height}, {width}), }}");
        dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - height.ToString(CultureInfo.InvariantCulture).Length));
        int hlen = dict.Length + 1; // + '\n'
        int pad = ArrayAlign - (Magic.Length + 2 + 2 + hlen) % ArrayAlign;
        string header = dict + new string(' ', pad) + "\n";
        if (header.Length > ushort.MaxValue) throw new ArgumentException("header too long for .npy format 1.0");
        var bytes = new byte[10 + header.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1; bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8, 2), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(10));
        return bytes;
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: .npy file not found", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static int ReadFully(Stream s, byte[] buf)
    {
        int total = 0;
        while (total < buf.Length)
        {
            int n = s.Read(buf, total, buf.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRx();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRx();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRx();
}
