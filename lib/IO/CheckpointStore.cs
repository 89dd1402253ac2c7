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

    /// <summary>The newest complete checkpoint (step and folder), or null when there is none.</summary>
    public (long Step, string Folder)? Latest()
    {
        var latest = Path.Combine(Root, "latest.json");
        if (File.Exists(latest))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(latest));
                var step = doc.RootElement.GetProperty("step").GetInt64();
                var folder = Path.Combine(Root, doc.RootElement.GetProperty("folder").GetString()!);
                if (Directory.Exists(folder)) return (step, folder);
            }
            catch (JsonException) { /* fall back to a scan */ }
        }
        // Fallback: the highest complete step_* folder (temporary folders start with '.').
        var best = Directory.EnumerateDirectories(Root, "step_*")
            .Select(d => (Dir: d, Ok: long.TryParse(Path.GetFileName(d)["step_".Length..], out var s), Step: s))
            .Where(x => x.Ok).OrderByDescending(x => x.Step).FirstOrDefault();
        return best.Dir is null ? null : (best.Step, best.Dir);
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
