using System.Text.Json;

namespace SamDiffSR.IO;

/// <summary>
/// Crash-safe checkpoints: each checkpoint is a folder <c>step_00000100/</c> written completely under a hidden
/// temporary name and then renamed into place (an atomic directory rename), after which <c>latest.json</c> is
/// replaced atomically. A kill at any moment leaves the previous checkpoint intact and findable.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>Folder holding the checkpoints.</summary>
    public string Root { get; }

    /// <summary>How many checkpoints to keep (older ones are deleted after a successful save; 0 = all).</summary>
    public int Keep { get; }

    public CheckpointStore(string root, int keep = 3)
    {
        Root = Path.GetFullPath(root);
        Keep = keep;
        Directory.CreateDirectory(Root);
    }

    /// <summary>Folder name of the checkpoint for <paramref name="step"/>.</summary>
    public static string FolderName(long step) => $"step_{step:D8}";

    /// <summary>
    /// Writes a checkpoint: <paramref name="write"/> receives an empty folder and fills it; then the folder is
    /// published atomically. Returns the final folder.
    /// </summary>
    public string Save(long step, Action<string> write)
    {
        var final = Path.Combine(Root, FolderName(step));
        var tmp = Path.Combine(Root, $".{FolderName(step)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(tmp);
        try
        {
            write(tmp);
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true); // re-save of the same step
            Directory.Move(tmp, final);
        }
        catch
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { /* best effort */ }
            throw;
        }
        SamDiffSR.IO.AtomicFile.WriteAllText(Path.Combine(Root, "latest.json"),
            JsonSerializer.Serialize(new { step, folder = FolderName(step) }));
        Prune();
        return final;
    }

    /// <summary>
    /// The newest intact checkpoint (step and folder), or null when there is none. <c>latest.json</c> is a hint only:
    /// when it is missing, unreadable, of the wrong shape (e.g. <c>{}</c> or wrong value types) or names a folder
    /// that is not a checkpoint of this store, the <c>step_*</c> folders are scanned. When <paramref name="problem"/>
    /// is given, a checkpoint it reports (non-null reason) is skipped for the next older one, and <paramref name="log"/>
    /// is told which and why.
    /// </summary>
    /// <param name="problem">Returns null for an intact checkpoint folder, else the reason it is not.</param>
    /// <param name="log">Receives one line per skipped checkpoint or ignored latest.json.</param>
    public (long Step, string Folder)? Latest(Func<string, string?>? problem = null, Action<string>? log = null)
    {
        foreach (var c in NewestFirst(log))
        {
            var why = problem?.Invoke(c.Folder);
            if (why is null) return c;
            log?.Invoke($"checkpoint {c.Folder} is damaged ({why}); falling back to an older one");
        }
        return null;
    }

    /// <summary>
    /// Every complete checkpoint folder, newest first: the one <c>latest.json</c> names (when valid), then the
    /// <c>step_*</c> folders by descending step. Temporary folders of interrupted saves are never listed.
    /// </summary>
    public IReadOnlyList<(long Step, string Folder)> NewestFirst(Action<string>? log = null)
    {
        var list = new List<(long Step, string Folder)>();
        if (Directory.Exists(Root))
            foreach (var d in Directory.EnumerateDirectories(Root, "step_*"))
                if (long.TryParse(Path.GetFileName(d)["step_".Length..], System.Globalization.NumberStyles.None,
                                  System.Globalization.CultureInfo.InvariantCulture, out var s))
                    list.Add((s, d));
        list.Sort((a, b) => b.Step.CompareTo(a.Step));
        var hint = ReadLatestHint(log);
        if (hint is { } h && list.FindIndex(c => c.Step == h.Step && c.Folder == h.Folder) is var i and > 0)
        {
            var c = list[i];
            list.RemoveAt(i);
            list.Insert(0, c);
        }
        return list;
    }

    private (long Step, string Folder)? ReadLatestHint(Action<string>? log)
    {
        var latest = Path.Combine(Root, "latest.json");
        if (!File.Exists(latest)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(latest));
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("step", out var st) && st.ValueKind == JsonValueKind.Number && st.TryGetInt64(out var step)
                && doc.RootElement.TryGetProperty("folder", out var fo) && fo.ValueKind == JsonValueKind.String
                && fo.GetString() == FolderName(step) && Directory.Exists(Path.Combine(Root, FolderName(step))))
                return (step, Path.Combine(Root, FolderName(step)));
            log?.Invoke($"{latest} does not name an existing checkpoint (expected {{\"step\": N, \"folder\": \"step_N\"}}); using the newest step_* folder");
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"{latest} is unreadable ({ex.Message}); using the newest step_* folder");
        }
        return null;
    }

    /// <summary>Removes leftovers of interrupted saves and all but the newest <see cref="Keep"/> checkpoints.</summary>
    public void Prune()
    {
        foreach (var t in Directory.EnumerateDirectories(Root, ".step_*.tmp"))
            try { Directory.Delete(t, true); } catch (IOException) { /* another process may own it */ }
        if (Keep <= 0) return;
        var all = Directory.EnumerateDirectories(Root, "step_*").OrderByDescending(d => d, StringComparer.Ordinal).ToList();
        foreach (var old in all.Skip(Keep)) Directory.Delete(old, recursive: true);
    }
}
