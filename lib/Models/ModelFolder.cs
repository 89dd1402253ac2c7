using System.IO.Compression;
using System.Text.Json;
using SamDiffSR.IO;

namespace SamDiffSR.Models;

/// <summary>
/// The one definition of a model folder and how a path resolves to one. A model folder holds <c>model.pt</c> (official
/// state-dict layout: <c>denoise_fn.*</c>, <c>rrdb.*</c>), <c>config.json</c> (<see cref="ModelConfig"/>) and, when
/// written by this project, <c>diffusion.json</c> (the diffusion options; when absent, e.g. for an imported official
/// checkpoint, the official SAM-DiffSR options are assumed). Every training checkpoint (<c>checkpoints/step_N/</c>) is a
/// model folder; a run folder resolves to its newest checkpoint. Loading the model itself is
/// <c>SrDiffusionModel.Load</c> (lib/Diffusion), which builds on this type.
/// </summary>
public static class ModelFolder
{
    /// <summary>The weights (PyTorch zip state dict, official key names).</summary>
    public const string ModelFile = "model.pt";

    /// <summary>The network configuration (<see cref="ModelConfig"/> JSON).</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The diffusion options (schedule, modulation, sampling defaults) as JSON.</summary>
    public const string DiffusionFile = "diffusion.json";

    /// <summary>A training checkpoint's record of its step, stage ("Rrdb" or "Diffusion") and method.</summary>
    public const string TrainerStateFile = "trainer.json";

    /// <summary>The sub-folder of a training run that holds its checkpoints.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>
    /// Resolves a model folder from a run folder (its newest checkpoint), a checkpoint folder or a model folder; for a
    /// plain file returns its folder and sets <paramref name="file"/> to its name.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path is none of these.</exception>
    public static string Resolve(string path, out string file) => Resolve(path, out file, null);

    /// <inheritdoc cref="Resolve(string, out string)"/>
    /// <param name="path">A run folder, checkpoint/model folder or weight file.</param>
    /// <param name="file">The weight file's name inside the returned folder.</param>
    /// <param name="log">Told when a damaged newest checkpoint is skipped for an older intact one.</param>
    public static string Resolve(string path, out string file, Action<string>? log)
    {
        file = ModelFile;
        if (File.Exists(path)) { file = Path.GetFileName(path); return Path.GetDirectoryName(Path.GetFullPath(path))!; }
        if (!Directory.Exists(path))
            throw new FileNotFoundException($"model not found: {path} (expected a run folder, a checkpoint folder with {ModelFile}, or a .pt file)", path);
        if (File.Exists(Path.Combine(path, ModelFile))) return Path.GetFullPath(path);
        var ckDir = Path.Combine(path, CheckpointsFolder);
        var ck = Directory.Exists(ckDir) ? new CheckpointStore(ckDir, keep: 0).Latest(Problem, log) : null;
        if (ck is { } c) return c.Folder;
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) == CheckpointsFolder
            && new CheckpointStore(path, keep: 0).Latest(Problem, log) is { } inner)
            return inner.Folder;   // the checkpoints/ folder of a run itself
        throw new FileNotFoundException($"{path} holds neither {ModelFile} nor {CheckpointsFolder}/: is it a training run or model folder?", path);
    }

    /// <summary>
    /// Why a checkpoint/model folder is not intact, or null when it is: <c>model.pt</c> must be a readable zip (a torn
    /// write leaves no central directory); a <c>trainer.json</c>, when present, must be an object with an integer
    /// <c>step</c>. Used to fall back from a damaged newest checkpoint to the newest intact one.
    /// </summary>
    public static string? Problem(string folder)
    {
        var model = Path.Combine(folder, ModelFile);
        if (!File.Exists(model)) return $"{ModelFile} missing";
        try { using var z = ZipFile.OpenRead(model); if (z.Entries.Count == 0) return $"{ModelFile} is an empty archive"; }
        catch (Exception ex) when (ex is InvalidDataException or IOException) { return $"{ModelFile} is not a readable state dict: {ex.Message.TrimEnd('.')}"; }
        if (!File.Exists(Path.Combine(folder, ConfigFile))) return $"{ConfigFile} missing";
        var trainer = Path.Combine(folder, TrainerStateFile);
        if (File.Exists(trainer) && ReadTrainerState(trainer, out var why) is null) return why;
        return null;
    }

    /// <summary>What <c>trainer.json</c> says about a checkpoint: step, stage and method (null when it is unreadable, with the reason).</summary>
    public static (long Step, string? Stage, string? Method)? ReadTrainerState(string trainerJson, out string? problem)
    {
        problem = null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(trainerJson));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("step", out var st) || st.ValueKind != JsonValueKind.Number || !st.TryGetInt64(out var step))
            {
                problem = $"{TrainerStateFile} has no integer \"step\"";
                return null;
            }
            string? Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (step, Str("stage"), Str("method"));
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"{TrainerStateFile} is unreadable: {ex.Message.TrimEnd('.')}";
            return null;
        }
    }

    /// <summary>
    /// The training stage recorded in a model folder's <c>trainer.json</c> ("Rrdb" or "Diffusion"), or null for a
    /// folder without one (an imported checkpoint, a hand-made model folder).
    /// </summary>
    public static string? Stage(string folder)
    {
        var trainer = Path.Combine(folder, TrainerStateFile);
        if (!File.Exists(trainer)) return null;
        var s = ReadTrainerState(trainer, out var why) ?? throw new InvalidDataException($"{trainer}: {why}; the checkpoint is damaged, use an older one");
        return s.Stage;
    }

    /// <summary>
    /// Refuses a model folder that was written by a stage-1 (RRDB) training run: its U-Net was never trained, so
    /// sampling with it would print numbers for a random network. <paramref name="what"/> names the command's use.
    /// </summary>
    public static void RequireDiffusionStage(string folder, string path, string what)
    {
        if (Stage(folder) is { } st && !string.Equals(st, "Diffusion", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"'{path}' is a stage-{(st == "Rrdb" ? "1 RRDB" : st)} training run ({Path.Combine(folder, TrainerStateFile)}: stage {st}); " +
                                           $"its U-Net is untrained, so {what} needs a stage-2 diffusion run (train --stage diffusion --rrdb '{path}').");
    }

    /// <summary>The weights file behind a path: a file itself, a model/checkpoint folder, or a run folder (newest checkpoint).</summary>
    public static string ResolveModelFile(string path) => Path.Combine(Resolve(path, out var file), file);
}
