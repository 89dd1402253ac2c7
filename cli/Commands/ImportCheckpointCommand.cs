using SamDiffSR.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Models;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr import-checkpoint --in STATE_DICT.pt --out FOLDER (--preset P | --config F) [--force] [--json]</c>:
/// validates a converted official checkpoint strictly against the network sizes, checks its schedule buffers and writes
/// a model folder (model.pt + config.json).
/// </summary>
public sealed class ImportCheckpointCommand : ICliCommand
{
    /// <inheritdoc/>
    public string Name => "import-checkpoint";

    /// <inheritdoc/>
    public string Summary => "Validate a converted official SAM-DiffSR/SRDiff state dict and write a model folder (model.pt + config.json).";

    /// <inheritdoc/>
    public string Usage =>
        "samdiffsr import-checkpoint --in STATE_DICT.pt --out FOLDER (--preset NAME | --config FILE.json) [--force] [--json]\n" +
        "  --in FILE        zip-format state dict; convert the authors' legacy .ckpt first with\n" +
        $"                   {CheckpointImport.ConversionCommand}\n" +
        $"  --out FOLDER     model folder to write: {ModelFolder.ModelFile} + {ModelFolder.ConfigFile}\n" +
        $"  --preset NAME    network sizes the weights were trained with (SamDiffSRPaperX4 for the released x4 model;\n" +
        $"                   presets: {string.Join(", ", ModelConfig.PresetNames)})\n" +
        "  --config FILE    or a model config JSON\n" +
        "  --force          overwrite an existing model folder\n" +
        "  --json           print the result as one JSON object";

    /// <inheritdoc/>
    public int Run(CliArgs args, CliContext ctx)
    {
        var input = args.Get("in");
        var output = args.Get("out");
        var preset = args.Get("preset");
        var configPath = args.Get("config");
        bool force = args.Flag("force");
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (input is null) throw new CliUsageException("missing --in STATE_DICT.pt");
        if (output is null) throw new CliUsageException("missing --out FOLDER");
        var (config, source) = ModelConfigCli.Resolve(preset, configPath);
        PathGuard.EnsureSeparate(output, "--out", new PathGuard.Input(input, "--in"), new PathGuard.Input(configPath ?? "", "--config"));

        TorchRuntime.Initialize(preferCuda: false);
        var r = CheckpointImport.Import(input, output, config, force);
        if (json)
        {
            var o = new JsonObject
            {
                ["input"] = input,
                ["model_folder"] = r.ModelFolder,
                ["model_path"] = r.ModelPath,
                ["config_path"] = r.ConfigPath,
                ["config_source"] = source,
                ["config"] = JsonNode.Parse(config.ToJson()),
                ["loaded_tensors"] = r.Load.Loaded.Count,
                ["skipped_schedule_buffers"] = new JsonArray([.. r.Load.SkippedScheduleBuffers.Select(s => (JsonNode?)s)]),
                ["stripped_module_prefix"] = r.Load.StrippedModulePrefix,
                ["unet_parameters"] = r.Counts.Unet,
                ["rrdb_parameters"] = r.Counts.Rrdb,
                ["schedule_timesteps"] = r.Schedule.Timesteps,
                ["schedule_compared_with"] = r.Schedule.ComparedWith,
                ["schedule_max_abs_difference"] = double.IsFinite(r.Schedule.MaxAbsDifference) ? r.Schedule.MaxAbsDifference : null,
                ["schedule_matches"] = r.Schedule.Matches,
                ["warnings"] = new JsonArray([.. r.Schedule.Warnings.Select(s => (JsonNode?)s)]),
            };
            ctx.Out.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var w = ctx.Out;
            w.WriteLine($"imported {input} -> model folder {r.ModelFolder}");
            w.WriteLine($"  config      {source}: {config}");
            w.WriteLine($"  loaded      {r.Load.Loaded.Count} tensors strictly (U-Net {N(r.Counts.Unet)} + RRDB {N(r.Counts.Rrdb)} parameters)" +
                        (r.Load.StrippedModulePrefix ? "; 'module.' prefix stripped" : ""));
            var sc = r.Schedule;
            w.WriteLine(sc.Present.Count == 0
                ? "  schedule    no schedule buffers in the file"
                : $"  schedule    {sc.Present.Count} buffers skipped (T = {sc.Timesteps}); vs {sc.ComparedWith}: max |diff| " +
                  $"{sc.MaxAbsDifference.ToString("G3", CultureInfo.InvariantCulture)} -> {(sc.Matches ? "match" : "MISMATCH")}");
            w.WriteLine($"  wrote       {r.ModelPath} ({new FileInfo(r.ModelPath).Length / 1048576.0:0.0} MiB), {r.ConfigPath}; re-read strictly: ok");
        }
        foreach (var warning in r.Schedule.Warnings) ctx.Err.WriteLine($"samdiffsr import-checkpoint: warning: {warning}");
        return 0;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
