
using SamDiffSR.Models;
namespace SamDiffSR.Cli;

/// <summary>Shared resolution of <c>--preset NAME</c> / <c>--config FILE.json</c> into a model config.</summary>
public static class ModelConfigCli
{
    /// <summary>Exactly one of the two must be given; returns the config and a short name of its source.</summary>
    public static (ModelConfig Config, string Source) Resolve(string? preset, string? configPath)
    {
        if ((preset is null) == (configPath is null))
            throw new CliUsageException("give exactly one of --preset NAME or --config FILE.json");
        try
        {
            var config = preset is not null ? ModelConfig.Preset(preset) : ModelConfig.Load(configPath!);
            return (config, preset ?? Path.GetFileName(configPath!));
        }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}
