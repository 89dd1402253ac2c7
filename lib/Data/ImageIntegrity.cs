using System.Buffers.Binary;
using System.IO.Compression;

namespace SamDiffSR.Data;

/// <summary>
/// Strict container checks that run before any decoder sees the bytes, because ImageSharp decodes damaged files
/// leniently (a PNG missing IDAT chunks decodes with black rows and no error). Every reader goes through
/// <see cref="ImageIO.Decode"/>, which calls <see cref="Check"/>; a failure is an <see cref="InvalidDataException"/>
/// naming the file and what is wrong.
/// <list type="bullet">
/// <item>PNG: signature, every chunk's length within the file and its CRC-32, IHDR first, at least one IDAT, the
/// IDAT chunks consecutive, IEND last; and (the deep check) the zlib stream of the IDAT chunks inflates
/// completely to exactly the size the header declares (rows × (1 + row bytes), per Adam7 pass when interlaced).</item>
/// <item>JPEG: SOI at the start and an EOI marker after the first start-of-scan (a truncated file has none).</item>
/// <item>BMP: the file holds the pixel array its header declares (uncompressed bitmaps).</item>
/// </list>
/// </summary>
public static class ImageIntegrity
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="name"/> when the file is damaged.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="name">File name for the message.</param>
    /// <param name="deep">PNG: also inflate the image data and check its length (the full check before decoding).</param>
    public static void Check(ReadOnlySpan<byte> bytes, string name, bool deep = true)
    {
        if (bytes.Length == 0) throw Bad(name, "the file is empty (0 bytes)");
        if (bytes.StartsWith(PngSignature)) CheckPng(bytes, name, deep);
        else if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8) CheckJpeg(bytes, name);
        else if (bytes.Length >= 2 && bytes[0] == (byte)'B' && bytes[1] == (byte)'M') CheckBmp(bytes, name);
        // Anything else is left to the decoder, which refuses unknown formats.
    }

    private static InvalidDataException Bad(string name, string what) =>
        new($"image '{name}' is damaged: {what}. Re-export or re-download the file, or remove it from the folder.");

    private static void CheckPng(ReadOnlySpan<byte> b, string name, bool deep)
    {
        int pos = 8, idatChunks = 0, width = 0, height = 0;
        byte bitDepth = 0, colorType = 0, interlace = 0;
        bool sawIend = false, idatEnded = false, first = true;
        using var idat = deep ? new MemoryStream() : null;
        while (pos < b.Length)
        {
            if (b.Length - pos < 12) throw Bad(name, $"PNG ends inside a chunk header at byte {pos} of {b.Length} (truncated; no IEND)");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            var type = b.Slice(pos + 4, 4);
            string typeName = System.Text.Encoding.ASCII.GetString(type);
            if (len > int.MaxValue || (long)pos + 12 + len > b.Length)
                throw Bad(name, $"PNG chunk {typeName} at byte {pos} declares {len} bytes but the file ends at {b.Length} (truncated)");
            var data = b.Slice(pos + 8, (int)len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(b[(pos + 8 + (int)len)..]);
            uint actual = Crc32(b.Slice(pos + 4, 4 + (int)len));
            if (crc != actual) throw Bad(name, $"PNG chunk {typeName} at byte {pos} fails its CRC check (stored {crc:X8}, computed {actual:X8})");
            if (first)
            {
                if (typeName != "IHDR" || len != 13) throw Bad(name, "PNG does not start with an IHDR chunk");
                width = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data));
                height = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                bitDepth = data[8]; colorType = data[9]; interlace = data[12];
                first = false;
            }
            if (typeName == "IDAT")
            {
                if (idatEnded) throw Bad(name, "PNG IDAT chunks are not consecutive");
                idatChunks++;
                idat?.Write(data);
            }
            else if (idatChunks > 0) idatEnded = true;
            pos += 12 + (int)len;
            if (typeName == "IEND") { sawIend = true; break; }
        }
        if (idatChunks == 0) throw Bad(name, "PNG holds no image data (no IDAT chunk)");
        if (!sawIend) throw Bad(name, "PNG has no IEND chunk (truncated)");
        if (idat is null) return;
        long expected = ExpectedPngDataLength(width, height, bitDepth, colorType, interlace);
        if (expected <= 0) return; // an invalid header: the decoder reports it
        idat.Position = 0;
        long got = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            var buf = new byte[1 << 16];
            int n;
            while ((n = z.Read(buf, 0, buf.Length)) > 0)
            {
                got += n;
                if (got > expected) break;
            }
        }
        catch (InvalidDataException ex)
        {
            throw Bad(name, $"PNG image data is not a valid zlib stream ({ex.Message.TrimEnd('.')})");
        }
        if (got < expected)
            throw Bad(name, $"PNG image data holds {got:N0} of the {expected:N0} bytes its {width}x{height} header needs (IDAT chunks missing or cut)");
    }

    /// <summary>Bytes of filtered scanlines a PNG's IDAT stream inflates to (0 for an invalid header).</summary>
    public static long ExpectedPngDataLength(int width, int height, int bitDepth, int colorType, int interlace)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || bitDepth is not (1 or 2 or 4 or 8 or 16) || width <= 0 || height <= 0) return 0;
        long Row(long w) => w == 0 ? 0 : 1 + (w * channels * bitDepth + 7) / 8;
        if (interlace == 0) return height * Row(width);
        // Adam7 passes: (x0, y0, dx, dy).
        int[,] p = { { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 }, { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 } };
        long total = 0;
        for (int i = 0; i < 7; i++)
        {
            long w = width > p[i, 0] ? (width - p[i, 0] + p[i, 2] - 1) / p[i, 2] : 0;
            long h = height > p[i, 1] ? (height - p[i, 1] + p[i, 3] - 1) / p[i, 3] : 0;
            if (w > 0 && h > 0) total += h * Row(w);
        }
        return total;
    }

    private static readonly uint[] CrcTable = MakeCrcTable();

    private static uint[] MakeCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    /// <summary>CRC-32 as PNG defines it (ISO 3309, polynomial 0xEDB88320, pre- and post-inverted).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var x in data) c = CrcTable[(c ^ x) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static void CheckJpeg(ReadOnlySpan<byte> b, string name)
    {
        // The first start-of-scan (FFDA) marker; entropy-coded data escapes 0xFF as FF00, so FFD9 after it is the end.
        int sos = -1;
        for (int i = 2; i + 1 < b.Length; i++)
            if (b[i] == 0xFF && b[i + 1] == 0xDA) { sos = i; break; }
        if (sos < 0) throw Bad(name, "JPEG has no start-of-scan marker (truncated header)");
        bool eoi = false;
        for (int i = b.Length - 2; i > sos; i--)
            if (b[i] == 0xFF && b[i + 1] == 0xD9) { eoi = true; break; }
        if (!eoi) throw Bad(name, "JPEG has no end-of-image marker (the file is truncated)");
    }

    private static void CheckBmp(ReadOnlySpan<byte> b, string name)
    {
        if (b.Length < 30) throw Bad(name, $"BMP is {b.Length} bytes, shorter than its header");
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b[14..]);
        if (headerSize < 40 || b.Length < 34) return; // OS/2 headers: left to the decoder
        int width = BinaryPrimitives.ReadInt32LittleEndian(b[18..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(b[22..]);
        int bpp = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(b[30..]);
        if (compression is not (0 or 3) || width <= 0 || height == 0 || bpp == 0) return;
        long stride = ((long)width * bpp + 31) / 32 * 4;
        long need = offset + stride * Math.Abs((long)height);
        if (b.Length < need) throw Bad(name, $"BMP pixel data is cut: the header needs {need:N0} bytes, the file has {b.Length:N0} (truncated)");
    }
}
