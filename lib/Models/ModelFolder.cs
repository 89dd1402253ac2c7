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

    /// <summary>The sub-folder of a training run that holds its checkpoints.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>
    /// Resolves a model folder from a run folder (its newest checkpoint), a checkpoint folder or a model folder; for a
    /// plain file returns its folder and sets <paramref name="file"/> to its name.
    /// </summary>
    /// <exception cref="FileNotFoundException">The path is none of these.</exception>
    public static string Resolve(string path, out string file)
    {
        file = ModelFile;
        if (File.Exists(path)) { file = Path.GetFileName(path); return Path.GetDirectoryName(Path.GetFullPath(path))!; }
        if (!Directory.Exists(path))
            throw new FileNotFoundException($"model not found: {path} (expected a run folder, a checkpoint folder with {ModelFile}, or a .pt file)", path);
        if (File.Exists(Path.Combine(path, ModelFile))) return Path.GetFullPath(path);
        var ck = new CheckpointStore(Path.Combine(path, CheckpointsFolder), keep: 0).Latest();
        if (ck is { } c) return c.Folder;
        throw new FileNotFoundException($"{path} holds neither {ModelFile} nor {CheckpointsFolder}/: is it a training run or model folder?", path);
    }

    /// <summary>The weights file behind a path: a file itself, a model/checkpoint folder, or a run folder (newest checkpoint).</summary>
    public static string ResolveModelFile(string path) => Path.Combine(Resolve(path, out var file), file);
}
