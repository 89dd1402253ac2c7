using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;

namespace SamDiffSR.Training.Packs;

/// <summary>
/// A prepared training set on disk (issue 14), read by window so that resident memory does not grow with the set:
/// per image, HR and LR as uint8 RGB and the SPE map as a palette of its distinct float32 values plus one or two bytes
/// per pixel (SAM-based maps are piecewise constant: one value per segment), about 5.2 bytes per HR pixel on disk
/// against 57 bytes per pixel for the in-memory float64 images. Windows are read with positional reads
/// (<see cref="RandomAccess"/>) from the OS page cache: the process keeps only the index and the palettes.
/// <para>
/// File layout: a 16-byte header (<c>SDSRPACK</c>, version uint32, 4 reserved bytes), the records, the UTF-8 JSON
/// <see cref="PackIndex"/>, and a 56-byte footer (index offset uint64, index length uint64, SHA-256 of the index,
/// <c>SDSRPEND</c>). Every record carries its SHA-256 in the index, so a corrupt or truncated file is detected with a
/// one-line error naming it.
/// </para>
/// LR-up is not stored: it is recomputed per crop from the LR window plus a margin of real LR pixels (clipped at the
/// image border), which is bit-identical to cropping the whole image's LR-up for power-of-two scales (the resize
/// weights depend only on the output phase, and are exact binary fractions); for other scales the whole image's
/// LR-up is computed for each crop (slow, but exact).
/// </summary>
public sealed class TrainingPack : ITrainingImageSource, IDisposable
{
    public const string FormatName = "samdiffsr-training-pack";
    public const int Version = 1;
    public const string Extension = ".srpack";
    internal static ReadOnlySpan<byte> HeaderMagic => "SDSRPACK"u8;
    internal static ReadOnlySpan<byte> FooterMagic => "SDSRPEND"u8;
    public const int HeaderLength = 16, FooterLength = 56;

    /// <summary>LR margin (LR pixels) around an LR-up window: bicubic taps reach two LR pixels; one spare.</summary>
    public const int LrUpMargin = 3;

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly SafeFileHandle _file;
    private readonly float[]?[] _palettes;
    private readonly bool _windowedLrUp;

    private TrainingPack(string path, SafeFileHandle file, PackIndex index, float[]?[] palettes, LrUpRecipe recipe)
    {
        Path = path; _file = file; Index = index; _palettes = palettes; LrUp = recipe;
        _windowedLrUp = BitOperations.IsPow2(index.Scale);
    }

    /// <summary>The pack file.</summary>
    public string Path { get; }

    /// <summary>The index (names, sizes, offsets, checksums).</summary>
    public PackIndex Index { get; }

    /// <summary>LR-up recipe used by <see cref="LrUpCrop"/>.</summary>
    public LrUpRecipe LrUp { get; }

    public int Count => Index.Images.Count;
    public int Scale => Index.Scale;

    /// <summary>Size of the pack file in bytes.</summary>
    public long FileLength => RandomAccess.GetLength(_file);

    /// <summary>HR pixels over all images.</summary>
    public long HrPixels => Index.Images.Sum(e => (long)e.Height * e.Width);

    /// <summary>
    /// Opens a pack: checks the header, footer and index hash (a truncated or foreign file fails here) and, when
    /// <paramref name="verify"/> is set, every record's SHA-256 (reads the whole file once). Errors are one line
    /// naming the file and the fix.
    /// </summary>
    public static TrainingPack Open(string path, LrUpRecipe lrUp = LrUpRecipe.Official, bool verify = true, IProgress<Runtime.ProgressInfo>? progress = null)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"training pack not found: {path}; build it with 'samdiffsr pack --hr <dir> --out {path}'", path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var index = ReadIndex(file, path);
            var palettes = new float[]?[index.Images.Count];
            for (int i = 0; i < index.Images.Count; i++)
            {
                var e = index.Images[i];
                if (e.PaletteCount == 0) continue;
                var bytes = new byte[e.PaletteCount * 4];
                ReadExactly(file, bytes, e.Offset + ImageBytes(e, index.Scale), path);
                palettes[i] = FloatsFromBytes(bytes);
            }
            var pack = new TrainingPack(path, file, index, palettes, lrUp);
            if (verify) pack.Verify(progress);
            return pack;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads and checks only the index of a pack (for cache reuse decisions).</summary>
    public static PackIndex ReadIndex(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadIndex(file, System.IO.Path.GetFullPath(path));
    }

    private static PackIndex ReadIndex(SafeFileHandle file, string path)
    {
        long len = RandomAccess.GetLength(file);
        string rebuild = "delete it and rebuild with 'samdiffsr pack' (or rerun 'train', which rebuilds its cached pack)";
        if (len < HeaderLength + FooterLength) throw new InvalidDataException($"{path}: {len} bytes is too short for a training pack (truncated?); {rebuild}");
        var header = new byte[HeaderLength];
        ReadExactly(file, header, 0, path);
        if (!header.AsSpan(0, 8).SequenceEqual(HeaderMagic)) throw new InvalidDataException($"{path}: not a SamDiffSR training pack (bad magic); pass a file written by 'samdiffsr pack'");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        if (version != Version) throw new InvalidDataException($"{path}: training pack version {version}, this build reads version {Version}; {rebuild}");
        var footer = new byte[FooterLength];
        ReadExactly(file, footer, len - FooterLength, path);
        if (!footer.AsSpan(48, 8).SequenceEqual(FooterMagic))
            throw new InvalidDataException($"{path}: the pack is truncated or its build did not finish (no end marker); {rebuild}");
        long indexOffset = BinaryPrimitives.ReadInt64LittleEndian(footer), indexLength = BinaryPrimitives.ReadInt64LittleEndian(footer.AsSpan(8));
        if (indexOffset < HeaderLength || indexLength <= 0 || indexOffset + indexLength != len - FooterLength)
            throw new InvalidDataException($"{path}: the pack's footer is damaged (index at {indexOffset}+{indexLength} in a {len}-byte file); {rebuild}");
        var json = new byte[indexLength];
        ReadExactly(file, json, indexOffset, path);
        if (!SHA256.HashData(json).AsSpan().SequenceEqual(footer.AsSpan(16, 32)))
            throw new InvalidDataException($"{path}: the pack's index fails its SHA-256 check (corrupt file); {rebuild}");
        PackIndex? index;
        try { index = JsonSerializer.Deserialize<PackIndex>(json, Json); }
        catch (JsonException ex) { throw new InvalidDataException($"{path}: the pack's index is not valid JSON ({ex.Message}); {rebuild}"); }
        if (index is null || index.Format != FormatName || index.Images is null)
            throw new InvalidDataException($"{path}: the pack's index is not a {FormatName} index; {rebuild}");
        foreach (var e in index.Images)
            if (e.Offset < HeaderLength || e.Offset + e.Length > indexOffset)
                throw new InvalidDataException($"{path}: record {e.Name} lies outside the data area (damaged index); {rebuild}");
        return index;
    }

    /// <summary>Checks every record's SHA-256; throws a one-line error naming the file and the first bad record.</summary>
    public void Verify(IProgress<Runtime.ProgressInfo>? progress = null)
    {
        var buf = new byte[1 << 20];
        for (int i = 0; i < Count; i++)
        {
            var e = Index.Images[i];
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long done = 0; done < e.Length;)
            {
                int n = (int)Math.Min(buf.Length, e.Length - done);
                ReadExactly(_file, buf.AsSpan(0, n), e.Offset + done, Path);
                sha.AppendData(buf, 0, n);
                done += n;
            }
            if (Convert.ToHexStringLower(sha.GetHashAndReset()) != e.Sha256)
                throw new InvalidDataException($"{Path}: record {i} ({e.Name}) fails its SHA-256 check (corrupt file); delete the pack and rebuild it with 'samdiffsr pack'");
            progress?.Report(new Runtime.ProgressInfo("verify pack", i + 1, Count, e.Name));
        }
    }

    public string Name(int index) => Index.Images[index].Name;
    public (int Height, int Width) Size(int index) => (Index.Images[index].Height, Index.Images[index].Width);
    public bool HasMask(int index) => Index.Images[index].Mask != PackMaskKind.None;

    public ImageU8 HrCrop(int index, int top, int left, int height, int width)
    {
        var e = Index.Images[index];
        return ReadU8Window(e.Offset, e.Height, e.Width, top, left, height, width, e.Name);
    }

    public ImageU8 LrCrop(int index, int top, int left, int height, int width)
    {
        var e = Index.Images[index];
        return ReadU8Window(e.Offset + (long)e.Height * e.Width * 3, e.LrHeight(Scale), e.LrWidth(Scale), top, left, height, width, e.Name);
    }

    /// <summary>The whole LR image of record <paramref name="index"/>.</summary>
    public ImageU8 Lr(int index)
    {
        var e = Index.Images[index];
        return LrCrop(index, 0, 0, e.LrHeight(Scale), e.LrWidth(Scale));
    }

    /// <summary>The whole HR image of record <paramref name="index"/>.</summary>
    public ImageU8 Hr(int index) => HrCrop(index, 0, 0, Index.Images[index].Height, Index.Images[index].Width);

    public ImageF64 LrUpCrop(int index, int top, int left, int height, int width)
    {
        int s = Scale;
        if (top % s != 0 || left % s != 0 || height % s != 0 || width % s != 0)
            throw new ArgumentException($"LR-up windows must be aligned to the scale {s}: ({top}, {left}, {height}x{width})");
        var e = Index.Images[index];
        int lh = e.LrHeight(s), lw = e.LrWidth(s);
        if (!_windowedLrUp)
            return InMemoryImageSource.CropF64(LrUpRecipes.Apply(LrUp, Lr(index), s), top, left, height, width);
        int y0 = Math.Max(0, top / s - LrUpMargin), y1 = Math.Min(lh, (top + height) / s + LrUpMargin);
        int x0 = Math.Max(0, left / s - LrUpMargin), x1 = Math.Min(lw, (left + width) / s + LrUpMargin);
        var up = LrUpRecipes.Apply(LrUp, LrCrop(index, y0, x0, y1 - y0, x1 - x0), s);
        return InMemoryImageSource.CropF64(up, top - y0 * s, left - x0 * s, height, width);
    }

    public SpeMap MaskCrop(int index, int top, int left, int height, int width)
    {
        var e = Index.Images[index];
        if (e.Mask == PackMaskKind.None) throw new InvalidDataException($"{e.Name}: the pack {Path} holds no SPE map for it; rebuild the pack with --masks");
        CheckWindow(e.Height, e.Width, top, left, height, width, e.Name);
        long start = e.Offset + ImageBytes(e, Scale) + e.PaletteCount * 4L;
        int bpp = e.Mask switch { PackMaskKind.Palette8 => 1, PackMaskKind.Palette16 => 2, _ => 4 };
        var values = new float[height * width];
        var pal = _palettes[index];
        var band = ReadBand(start, top, height, e.Width * bpp, left * bpp, width * bpp);
        try
        {
            for (int y = 0; y < height; y++)
            {
                var row = band.AsSpan(y * e.Width * bpp + left * bpp, width * bpp);
                var dst = values.AsSpan(y * width, width);
                switch (e.Mask)
                {
                    case PackMaskKind.Palette8:
                        for (int x = 0; x < width; x++) dst[x] = pal![row[x]];
                        break;
                    case PackMaskKind.Palette16:
                        for (int x = 0; x < width; x++) dst[x] = pal![BinaryPrimitives.ReadUInt16LittleEndian(row[(2 * x)..])];
                        break;
                    default:
                        for (int x = 0; x < width; x++) dst[x] = BinaryPrimitives.ReadSingleLittleEndian(row[(4 * x)..]);
                        break;
                }
            }
        }
        finally { ArrayPool<byte>.Shared.Return(band); }
        return SpeMap.Own(height, width, values);
    }

    /// <summary>The whole SPE map of record <paramref name="index"/>.</summary>
    public SpeMap Mask(int index) => MaskCrop(index, 0, 0, Index.Images[index].Height, Index.Images[index].Width);

    private ImageU8 ReadU8Window(long start, int h, int w, int top, int left, int height, int width, string name)
    {
        CheckWindow(h, w, top, left, height, width, name);
        var data = new byte[height * width * 3];
        int rowBytes = width * 3;
        if (width == w)
            ReadExactly(_file, data, start + (long)top * w * 3, Path);
        else
        {
            // One read of the full-width band (sequential on disk; a cold cache pays one seek, not one per row).
            var band = ReadBand(start, top, height, w * 3, left * 3, rowBytes);
            try { for (int y = 0; y < height; y++) band.AsSpan(y * w * 3 + left * 3, rowBytes).CopyTo(data.AsSpan(y * rowBytes)); }
            finally { ArrayPool<byte>.Shared.Return(band); }
        }
        return new ImageU8(height, width, 3, data);
    }

    /// <summary>
    /// Rows [top, top+height) of a plane of <paramref name="rowStride"/>-byte rows starting at <paramref name="start"/>,
    /// from the first needed byte of the first row to the last needed byte of the last row, in one positional read.
    /// The buffer (rented from <see cref="ArrayPool{T}.Shared"/>; return it) is indexed as if it began at the start of
    /// row <paramref name="top"/>.
    /// </summary>
    private byte[] ReadBand(long start, int top, int height, int rowStride, int firstByte, int rowBytes)
    {
        int length = (height - 1) * rowStride + rowBytes;
        var band = ArrayPool<byte>.Shared.Rent(firstByte + length);
        ReadExactly(_file, band.AsSpan(firstByte, length), start + (long)top * rowStride + firstByte, Path);
        return band;
    }

    private static void CheckWindow(int h, int w, int top, int left, int height, int width, string name)
    {
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > h || left + width > w)
            throw new ArgumentOutOfRangeException(nameof(top), $"{name}: window ({top}, {left}, {height}x{width}) is outside the {h}x{w} image");
    }

    /// <summary>Bytes of HR plus LR of a record.</summary>
    internal static long ImageBytes(PackEntry e, int scale) => (long)e.Height * e.Width * 3 + (long)e.LrHeight(scale) * e.LrWidth(scale) * 3;

    internal static void ReadExactly(SafeFileHandle file, Span<byte> dst, long offset, string path)
    {
        while (dst.Length > 0)
        {
            int n = RandomAccess.Read(file, dst, offset);
            if (n <= 0) throw new InvalidDataException($"{path}: unexpected end of file at byte {offset} (truncated pack); delete it and rebuild with 'samdiffsr pack'");
            dst = dst[n..]; offset += n;
        }
    }

    internal static float[] FloatsFromBytes(ReadOnlySpan<byte> bytes)
    {
        var f = new float[bytes.Length / 4];
        for (int i = 0; i < f.Length; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return f;
    }

    public void Dispose() => _file.Dispose();

    public override string ToString() => $"{Path}: {Count} images, x{Scale}";
}
