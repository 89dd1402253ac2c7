using System.Globalization;
using System.Text;

namespace SamDiffSR.Training;

/// <summary>
/// Append-only CSV log next to the checkpoints (e.g. <c>step,loss,lr,seconds</c>). Each row is flushed, so a
/// killed run keeps every finished row. On resume, <see cref="Open"/> drops rows past the resumed step, so the
/// file reads as one uninterrupted run.
/// </summary>
public sealed class CsvLog : IDisposable
{
    private readonly StreamWriter _w;
    private readonly string[] _columns;

    private CsvLog(StreamWriter w, string[] columns) { _w = w; _columns = columns; }

    /// <summary>Path of the file.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// Opens (or creates) the log. Rows whose first column (the step) is ≥ <paramref name="keepBelowStep"/> are
    /// removed, as are torn last lines from a kill mid-write.
    /// </summary>
    public static CsvLog Open(string path, IReadOnlyList<string> columns, long keepBelowStep = long.MaxValue)
    {
        var header = string.Join(',', columns);
        var kept = new List<string>();
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            // A log written before columns were appended (its header a prefix of this one) is upgraded: old rows get NaN.
            int oldCount = lines.Length == 0 ? columns.Count : lines[0].Split(',').Length;
            if (lines.Length > 0 && lines[0] != header && !(oldCount < columns.Count && header.StartsWith(lines[0] + ",", StringComparison.Ordinal)))
                throw new InvalidDataException($"{path}: CSV header '{lines[0]}' differs from '{header}'. Use a new run folder, or delete the log.");
            string pad = string.Concat(Enumerable.Repeat(",NaN", columns.Count - oldCount));
            foreach (var line in lines.Skip(1))
            {
                var parts = line.Split(',');
                if (parts.Length != oldCount) continue; // torn line
                var l = line + pad;
                if (long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s < keepBelowStep) kept.Add(l);
            }
        }
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        SamDiffSR.IO.AtomicFile.WriteAllText(path, header + "\n" + string.Concat(kept.Select(k => k + "\n")));
        var w = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        return new CsvLog(w, columns.ToArray()) { Path = path };
    }

    /// <summary>Appends one row (numbers in invariant culture, round-trip precision) and flushes.</summary>
    public void Append(params object[] values)
    {
        if (values.Length != _columns.Length) throw new ArgumentException($"expected {_columns.Length} values, got {values.Length}");
        _w.WriteLine(string.Join(',', values.Select(Format)));
        _w.Flush();
    }

    /// <summary>Reads a log written by this class: the column names and the rows as doubles.</summary>
    public static (string[] Columns, List<double[]> Rows) Read(string path)
    {
        // Share read/write: a running trainer holds the file open for appending (live charts read it meanwhile;
        // File.ReadAllLines would be a sharing violation on Windows).
        var lines = new List<string>();
        using (var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), Encoding.UTF8))
            for (string? line; (line = reader.ReadLine()) != null;) lines.Add(line);
        if (lines.Count == 0) throw new InvalidDataException($"{path} is empty");
        var cols = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(p => p.Length == cols.Length)
            .Select(p => p.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        return (cols, rows);
    }

    private static string Format(object v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    public void Dispose() => _w.Dispose();
}
