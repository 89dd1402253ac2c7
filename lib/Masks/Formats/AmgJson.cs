using System.Text.Json;
using SamDiffSR.IO;

namespace SamDiffSR.Masks.Formats;

/// <summary>
/// Reads and writes SAM <c>scripts/amg.py --convert-to-rle</c> output: one JSON file per image holding a list of
/// mask records (<see cref="MaskRecord"/>) with <c>segmentation</c> = COCO RLE <c>{"size": [H, W], "counts": ...}</c>.
/// <c>counts</c> may be the pycocotools compressed string (what amg.py writes) or an uncompressed integer list.
/// Missing <c>area</c>/<c>bbox</c>/<c>crop_box</c>/<c>point_coords</c> are computed from the mask; missing scores
/// read as 0. Writing always uses compressed strings, as amg.py does.
/// </summary>
public static class AmgJson
{
    /// <summary>Reads one image's records. Throws <see cref="InvalidDataException"/> naming the file and record.</summary>
    public static IReadOnlyList<MaskRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: SAM mask JSON not found", path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses records from UTF-8 JSON bytes.</summary>
    /// <param name="utf8Json">The JSON.</param>
    /// <param name="source">Name for error messages (usually the path).</param>
    public static IReadOnlyList<MaskRecord> Parse(ReadOnlySpan<byte> utf8Json, string source)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({ex.Message}); expected SAM amg.py output (a list of mask records)", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{source}: top-level JSON is {doc.RootElement.ValueKind}, expected a list of mask records as written by SAM amg.py --convert-to-rle");
            var records = new List<MaskRecord>();
            int i = 0;
            int? h0 = null, w0 = null;
            foreach (var el in doc.RootElement.EnumerateArray())
            {
                string where = $"{source}, record {i}";
                var rec = ParseRecord(el, where);
                h0 ??= rec.Segmentation.Height; w0 ??= rec.Segmentation.Width;
                if (rec.Segmentation.Height != h0 || rec.Segmentation.Width != w0)
                    throw new InvalidDataException($"{where}: mask size [{rec.Segmentation.Height}, {rec.Segmentation.Width}] differs from record 0's [{h0}, {w0}]; all masks of one image must share its size");
                records.Add(rec);
                i++;
            }
            return records;
        }
    }

    /// <summary>Writes one image's records atomically (temporary file + rename), compact JSON.</summary>
    public static void Write(string path, IReadOnlyList<MaskRecord> records) =>
        AtomicFile.Write(path, s => Write(s, records));

    /// <summary>Writes records as JSON to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<MaskRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartArray();
        foreach (var r in records)
        {
            w.WriteStartObject();
            w.WriteStartObject("segmentation");
            w.WriteStartArray("size");
            w.WriteNumberValue(r.Segmentation.Height);
            w.WriteNumberValue(r.Segmentation.Width);
            w.WriteEndArray();
            w.WriteString("counts", CocoRle.Compress(r.Segmentation));
            w.WriteEndObject();
            w.WriteNumber("area", r.Area);
            WriteNumbers(w, "bbox", r.Bbox);
            w.WriteNumber("predicted_iou", r.PredictedIou);
            w.WriteStartArray("point_coords");
            foreach (var pt in r.PointCoords) WriteNumbers(w, null, pt);
            w.WriteEndArray();
            w.WriteNumber("stability_score", r.StabilityScore);
            WriteNumbers(w, "crop_box", r.CropBox);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Flush();
    }

    private static void WriteNumbers(Utf8JsonWriter w, string? name, IReadOnlyList<double> values)
    {
        if (name is null) w.WriteStartArray(); else w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static MaskRecord ParseRecord(JsonElement el, string where)
    {
        if (el.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected an object, found {el.ValueKind}");
        if (!el.TryGetProperty("segmentation", out var seg) || seg.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: no 'segmentation' object; amg.py must be run with --convert-to-rle so masks are stored as COCO RLE");
        if (!seg.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Array || size.GetArrayLength() != 2
            || !size[0].TryGetInt32(out int h) || !size[1].TryGetInt32(out int w))
            throw new InvalidDataException($"{where}: segmentation.size must be [H, W] integers");
        if (!seg.TryGetProperty("counts", out var counts))
            throw new InvalidDataException($"{where}: segmentation has no 'counts'");
        BinaryMask mask = counts.ValueKind switch
        {
            JsonValueKind.String => CocoRle.ToMask(h, w, counts.GetString()!, where),
            JsonValueKind.Array => BinaryMask.FromCounts(h, w, counts.EnumerateArray().Select(c =>
                c.TryGetInt32(out int v) ? v : throw new InvalidDataException($"{where}: uncompressed counts must be integers, found {c}")), where),
            _ => throw new InvalidDataException($"{where}: segmentation.counts must be a compressed RLE string or a list of integers, found {counts.ValueKind}"),
        };
        var fallback = MaskRecord.FromMask(mask);
        long area = el.TryGetProperty("area", out var a) ? Long(a, where, "area") : mask.Area;
        var bbox = el.TryGetProperty("bbox", out var b) ? Numbers(b, where, "bbox") : fallback.Bbox;
        double iou = el.TryGetProperty("predicted_iou", out var pi) ? Number(pi, where, "predicted_iou") : 0.0;
        double stab = el.TryGetProperty("stability_score", out var ss) ? Number(ss, where, "stability_score") : 0.0;
        var crop = el.TryGetProperty("crop_box", out var cb) ? Numbers(cb, where, "crop_box") : fallback.CropBox;
        IReadOnlyList<IReadOnlyList<double>> points = fallback.PointCoords;
        if (el.TryGetProperty("point_coords", out var pc))
        {
            if (pc.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{where}: point_coords must be a list of [x, y]");
            points = pc.EnumerateArray().Select(p => Numbers(p, where, "point_coords")).ToArray();
        }
        return new MaskRecord(mask, area, bbox, iou, points, stab, crop);
    }

    private static double Number(JsonElement e, string where, string name) =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw new InvalidDataException($"{where}: '{name}' must be a number, found {e.ValueKind}");

    private static long Long(JsonElement e, string where, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) ? v
        : e.ValueKind == JsonValueKind.Number && e.GetDouble() is var d && d == Math.Floor(d) ? (long)d
        : throw new InvalidDataException($"{where}: '{name}' must be an integer, found {e}");

    private static double[] Numbers(JsonElement e, string where, string name) =>
        e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().Select(x => Number(x, where, name)).ToArray()
            : throw new InvalidDataException($"{where}: '{name}' must be a list of numbers, found {e.ValueKind}");
}
