using SamDiffSR.Config;
using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;

namespace SamDiffSR.Training;

/// <summary>
/// A model folder: <c>model.pt</c> (official state-dict layout: <c>denoise_fn.*</c>, <c>rrdb.*</c>),
/// <c>config.json</c> (<see cref="ModelConfig"/>) and optionally <c>diffusion.json</c> (<see cref="DiffusionOptions"/>;
/// when absent — e.g. an imported official checkpoint — the official SAM-DiffSR options are assumed: T = 100 cosine,
/// x̂0 clipping on). Every training checkpoint folder is a model folder; a run folder resolves to its newest checkpoint.
/// </summary>
public static class SrModelFolder
{
    /// <summary>Loads the model for inference (eval mode) on the runtime device.</summary>
    public static SrDiffusionModel Load(string path, Action<string>? log = null)
    {
        var folder = SrTrainer.ResolveModelFolder(path, out var file)
            ?? throw new FileNotFoundException($"model folder not found for {path}");
        var cfgPath = Path.Combine(folder, SrTrainer.ModelConfigFile);
        if (!File.Exists(cfgPath))
            throw new FileNotFoundException($"{cfgPath} missing: a model folder needs config.json next to {file} (see docs/import-checkpoint.md)", cfgPath);
        var config = ModelConfig.Load(cfgPath);
        var diffPath = Path.Combine(folder, SrTrainer.DiffusionFile);
        var options = File.Exists(diffPath) ? DiffusionOptions.Load(diffPath) : DiffusionOptions.SamDiffSROfficial;
        var nets = new SrDiffNetworks(config);
        try
        {
            var report = StateDictFile.LoadNetworks(nets, Path.Combine(folder, file));
            log?.Invoke($"loaded {report}");
            nets.to(TorchRuntime.Device);
            nets.eval();
            return new SrDiffusionModel(nets, options, TorchRuntime.Device, ownsNetworks: true);
        }
        catch
        {
            nets.Dispose();
            throw;
        }
    }
}
