using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Training.Packs;

/// <summary>Options of <see cref="TrainingPackBuilder.Build"/>.</summary>
/// <param name="Scale">SR scale (HR is modcropped to it; LR = HR/scale).</param>
/// <param name="Masks">SPE maps to pack (with their missing/shape policies), or null.</param>
/// <param name="UseReadyMadeLr">Use the LR files of a ready-made LR folder when one is found (DIV2K/Flickr2K layout).
/// Off by default: LR is then this library's MATLAB-exact imresize(HR, 1/s) of the whole modcropped image, as the
/// in-memory loader and the official SRDiff/SAM-DiffSR packer (data_gen/utils.py, from HR only) compute it.</param>
/// <param name="VerifyChecksums">Check SHA256SUMS of HR folders that have one.</param>
/// <param name="Force">Rebuild even if the output exists (it is replaced only when the new pack is complete).</param>
public sealed record TrainingPackOptions(int Scale = 4, MaskStore? Masks = null, bool UseReadyMadeLr = false, bool VerifyChecksums = true, bool Force = false);

/// <summary>What <see cref="TrainingPackBuilder.Build"/> did.</summary>
public sealed record TrainingPackBuildResult(string Path, bool Reused, int Images, int Resumed, long Bytes, double Seconds);

/// <summary>
/// Builds a <see cref="TrainingPack"/> from HR folders (+ SPE maps): one record per image appended to
/// <c>out.partial</c>, each made durable (flushed to disk) before its line is appended to the journal
/// <c>out.partial.journal</c>, so a build killed at any point (kill -9 included) resumes after the last journaled
/// image. The index and footer are written last and the file is renamed to <c>out</c> only when complete (atomic).
/// Inputs are never written to.
/// </summary>
public static class TrainingPackBuilder
{
    private sealed record JournalHead(string Key, int Version);

    /// <summary>The HR files of the inputs, in pack order, with their ready-made LR file (or null).</summary>
    public static IReadOnlyList<(string Hr, string? Lr)> ListFiles(IReadOnlyList<HrFolderInput> inputs, TrainingPackOptions options)
    {
        var list = new List<(string, string?)>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var folder = ImageFolder.Open(input.HrDirectory, options.VerifyChecksums);
            foreach (var f in folder.Files)
            {
                var stem = System.IO.Path.GetFileNameWithoutExtension(f);
                if (names.TryGetValue(stem, out var other))
                    throw new InvalidDataException($"{f}: the name '{stem}' is also used by {other}; SPE maps are matched by name, so HR names must be unique across folders");
                names[stem] = f;
                string? lr = null;
                if (options.UseReadyMadeLr && input.LrDirectory is { } lrDir)
                    lr = HrDatasetLayout.LrFileFor(lrDir, f, options.Scale)
                         ?? throw new FileNotFoundException($"{f}: no LR file {stem}x{options.Scale}.png in the ready-made LR folder {lrDir}; complete the folder or leave out --ready-lr");
                list.Add((f, lr));
            }
        }
        return list;
    }

    /// <summary>
    /// Key of a build: the format version, scale, every input file's name, size and modification time (HR, LR, SPE map)
    /// and the mask policies. A pack whose index holds the same key was built from the same inputs.
    /// </summary>
    public static string ComputeKey(IReadOnlyList<(string Hr, string? Lr)> files, TrainingPackOptions options)
    {
        var sb = new StringBuilder();
        sb.Append($"{TrainingPack.FormatName} v{TrainingPack.Version} x{options.Scale}\n");
        if (options.Masks is { } m) sb.Append($"masks {m.Options}\n");
        foreach (var (hr, lr) in files)
        {
            sb.Append(Stat(hr));
            if (lr != null) sb.Append(" | ").Append(Stat(lr));
            if (options.Masks is { } ms) sb.Append(" | ").Append(Stat(ms.MaskPathFor(hr)));
            sb.Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));

        static string Stat(string path)
        {
            var fi = new FileInfo(path);
            return fi.Exists ? $"{fi.Name} {fi.Length} {fi.LastWriteTimeUtc.Ticks}" : $"{fi.Name} missing";
        }
    }

    /// <summary>Builds (or resumes, or reuses when already up to date) the pack at <paramref name="outPath"/>.</summary>
    public static TrainingPackBuildResult Build(IReadOnlyList<HrFolderInput> inputs, string outPath, TrainingPackOptions options,
                                                Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                                CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        outPath = System.IO.Path.GetFullPath(outPath);
        int s = options.Scale;
        if (s < 1) throw new ArgumentException($"scale must be >= 1, got {s}");
        var files = ListFiles(inputs, options);
        var key = ComputeKey(files, options);
        var sources = inputs.Select(i => $"HR {i.HrDirectory}" + (options.UseReadyMadeLr && i.LrDirectory != null ? $", LR {i.LrDirectory}" : ", LR = MATLAB-exact imresize"))
            .Concat(options.Masks is { } mk ? [$"SPE {mk.Directory}"] : []).ToList();

        if (File.Exists(outPath) && !options.Force)
        {
            PackIndex? existing = null;
            try { existing = TrainingPack.ReadIndex(outPath); } catch (InvalidDataException) { }
            if (existing?.Key == key)
            {
                log?.Invoke($"pack {outPath} is up to date ({existing.Images.Count} images)");
                return new TrainingPackBuildResult(outPath, true, existing.Images.Count, 0, new FileInfo(outPath).Length, clock.Elapsed.TotalSeconds);
            }
            throw new IOException($"{outPath} exists but was built from other inputs or options (or is damaged); choose another pack file, or replace it with 'samdiffsr pack --force'");
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(outPath)!);
        string partial = outPath + ".partial", journal = outPath + ".partial.journal";
        var entries = ResumeJournal(partial, journal, key, files, log);
        int resumed = entries.Count;

        long end = entries.Count > 0 ? entries[^1].Offset + entries[^1].Length : TrainingPack.HeaderLength;
        using (var data = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read))
        {
            data.SetLength(end);
            if (entries.Count == 0)
            {
                var header = new byte[TrainingPack.HeaderLength];
                TrainingPack.HeaderMagic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), TrainingPack.Version);
                data.Position = 0; data.Write(header); data.Flush(flushToDisk: true);
                AtomicFile.WriteAllText(journal, JsonSerializer.Serialize(new JournalHead(key, TrainingPack.Version), TrainingPack.Json) + "\n");
            }
            else
            {
                // Rewrite the journal without a torn last line before appending to it.
                AtomicFile.WriteAllText(journal, JsonSerializer.Serialize(new JournalHead(key, TrainingPack.Version), TrainingPack.Json) + "\n" +
                    string.Concat(entries.Select(e => JsonSerializer.Serialize(e, TrainingPack.Json) + "\n")));
                log?.Invoke($"pack: resuming {partial} after {entries.Count} of {files.Count} images");
            }
            using var jw = new FileStream(journal, FileMode.Append, FileAccess.Write, FileShare.Read);
            long lrChecked = 0, lrDiffering = 0;
            for (int i = entries.Count; i < files.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (hrFile, lrFile) = files[i];
                var name = System.IO.Path.GetFileName(hrFile);
                var (record, entry) = MakeRecord(hrFile, lrFile, name, s, options.Masks, end);
                if (entry.LrDiffersFromMatlab is long d) { lrChecked++; if (d > 0) lrDiffering++; }
                data.Position = end;
                data.Write(record);
                data.Flush(flushToDisk: true);
                jw.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, TrainingPack.Json) + "\n"));
                jw.Flush(flushToDisk: true);
                entries.Add(entry);
                end += record.Length;
                progress?.Report(new ProgressInfo("pack", i + 1, files.Count, name));
            }
            if (lrChecked > 0)
                log?.Invoke($"pack: ready-made LR identical to MATLAB-exact imresize(HR, 1/{s}) for {lrChecked - lrDiffering} of {lrChecked} images (differences are listed per image in the index)");
            var index = new PackIndex(TrainingPack.FormatName, TrainingPack.Version, s, key, sources, DateTime.UtcNow, entries);
            var json = JsonSerializer.SerializeToUtf8Bytes(index, TrainingPack.Json);
            var footer = new byte[TrainingPack.FooterLength];
            BinaryPrimitives.WriteInt64LittleEndian(footer, end);
            BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(8), json.Length);
            SHA256.HashData(json).CopyTo(footer.AsSpan(16));
            TrainingPack.FooterMagic.CopyTo(footer.AsSpan(48));
            data.Position = end;
            data.Write(json);
            data.Write(footer);
            data.SetLength(end + json.Length + footer.Length);
            data.Flush(flushToDisk: true);
        }
        File.Move(partial, outPath, overwrite: true);
        File.Delete(journal);
        long bytes = new FileInfo(outPath).Length;
        log?.Invoke($"pack: {outPath}: {files.Count} images ({resumed} from an interrupted build), {bytes / 1e6:F1} MB, {clock.Elapsed.TotalSeconds:F1} s");
        return new TrainingPackBuildResult(outPath, false, files.Count, resumed, bytes, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Entries of an interrupted build of the same inputs (empty when there is none or the inputs changed).</summary>
    private static List<PackEntry> ResumeJournal(string partial, string journal, string key, IReadOnlyList<(string Hr, string? Lr)> files, Action<string>? log)
    {
        var entries = new List<PackEntry>();
        if (!File.Exists(journal) || !File.Exists(partial)) return entries;
        var lines = File.ReadAllLines(journal);
        JournalHead? head = null;
        try { head = lines.Length > 0 ? JsonSerializer.Deserialize<JournalHead>(lines[0], TrainingPack.Json) : null; } catch (JsonException) { }
        if (head is null || head.Key != key || head.Version != TrainingPack.Version)
        {
            log?.Invoke($"pack: {partial} is an interrupted build of other inputs; starting over");
            return entries;
        }
        long length = new FileInfo(partial).Length;
        foreach (var line in lines.Skip(1))
        {
            PackEntry? e;
            try { e = JsonSerializer.Deserialize<PackEntry>(line, TrainingPack.Json); } catch (JsonException) { break; } // torn last line
            if (e is null || entries.Count >= files.Count || e.Name != System.IO.Path.GetFileName(files[entries.Count].Hr) || e.Offset + e.Length > length) break;
            entries.Add(e);
        }
        return entries;
    }

    /// <summary>One image's record bytes and index entry (HR modcropped as <see cref="SrPatchDataset.Load"/> does).</summary>
    private static (byte[] Record, PackEntry Entry) MakeRecord(string hrFile, string? lrFile, string name, int s, MaskStore? masks, long offset)
    {
        var hr = ImageOps.Modcrop(ImageIO.Load(hrFile).ToRgb(), s, name);
        int lh = hr.Height / s, lw = hr.Width / s;
        ImageU8 lr;
        long? differs = null;
        if (lrFile is null) lr = MatlabResize.Downscale(hr, s);
        else
        {
            var ready = ImageIO.Load(lrFile).ToRgb();
            if (ready.Height < lh || ready.Width < lw || ready.Height > lh + 1 || ready.Width > lw + 1)
                throw new InvalidDataException($"{lrFile}: LR is {ready.Width}x{ready.Height}, expected {lw}x{lh} for the HR {name} ({hr.Width}x{hr.Height} after modcrop) at x{s}; is it the X{s} folder of this HR set?");
            lr = ready.Height == lh && ready.Width == lw ? ready : ready.Crop(0, 0, lh, lw);
            var matlab = MatlabResize.Downscale(hr, s);
            long n = 0;
            for (int k = 0; k < lr.Data.Length; k++) if (lr.Data[k] != matlab.Data[k]) n++;
            differs = n;
        }
        SpeMap? map = masks?.Load(hrFile, hr.Height, hr.Width);
        if (map is not null && (map.Height != hr.Height || map.Width != hr.Width))
            throw new InvalidDataException($"{name}: SPE map {map.Height}x{map.Width} does not match the (modcropped) image {hr.Height}x{hr.Width}");
        var (kind, palette, pixels) = EncodeMask(map);
        var record = new byte[hr.Data.Length + lr.Data.Length + palette.Length + pixels.Length];
        hr.Data.CopyTo(record, 0);
        lr.Data.CopyTo(record, hr.Data.Length);
        palette.CopyTo(record, hr.Data.Length + lr.Data.Length);
        pixels.CopyTo(record, hr.Data.Length + lr.Data.Length + palette.Length);
        var sha = Convert.ToHexStringLower(SHA256.HashData(record));
        return (record, new PackEntry(name, hr.Height, hr.Width, offset, record.Length, sha, kind, palette.Length / 4,
                                      lrFile is null ? null : System.IO.Path.GetFileName(lrFile), differs));
    }

    /// <summary>
    /// An SPE map as a palette of its distinct float32 values (bit patterns, first-seen order) and 1 or 2 bytes per
    /// pixel, or raw float32 when it has more than 65,536 distinct values. Lossless.
    /// </summary>
    public static (PackMaskKind Kind, byte[] Palette, byte[] Pixels) EncodeMask(SpeMap? map)
    {
        if (map is null) return (PackMaskKind.None, [], []);
        var v = map.Values;
        var ids = new Dictionary<int, int>();
        var order = new List<float>();
        bool tooMany = false;
        foreach (float f in v)
        {
            int bits = BitConverter.SingleToInt32Bits(f);
            if (ids.ContainsKey(bits)) continue;
            if (ids.Count == 65536) { tooMany = true; break; }
            ids[bits] = ids.Count; order.Add(f);
        }
        if (tooMany)
        {
            var raw = new byte[v.Length * 4];
            for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), v[i]);
            return (PackMaskKind.Float32, [], raw);
        }
        var pal = new byte[order.Count * 4];
        for (int i = 0; i < order.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(pal.AsSpan(4 * i), order[i]);
        if (order.Count <= 256)
        {
            var px = new byte[v.Length];
            for (int i = 0; i < v.Length; i++) px[i] = (byte)ids[BitConverter.SingleToInt32Bits(v[i])];
            return (PackMaskKind.Palette8, pal, px);
        }
        var px16 = new byte[v.Length * 2];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(px16.AsSpan(2 * i), (ushort)ids[BitConverter.SingleToInt32Bits(v[i])]);
        return (PackMaskKind.Palette16, pal, px16);
    }
}
