using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>How the schedule buffers found in an imported state dict compare with our cosine schedule.</summary>
/// <param name="Present">The official schedule-buffer names found in the file (0 or 12 normally).</param>
/// <param name="Timesteps">T read from the buffers' length (null when none is present).</param>
/// <param name="ComparedWith">Description of the schedule compared against, e.g. "cosine(T=100, s=0.008)".</param>
/// <param name="MaxAbsDifference">Largest |file − ours| over all present buffers (0 = bit-identical float32).</param>
/// <param name="WorstBuffer">The buffer holding the largest difference.</param>
/// <param name="Matches">True when every present buffer equals ours within 1e-6 + 1e-5·|ours| (and T = 100).</param>
/// <param name="Warnings">Human-readable warnings (different schedule, different T, missing buffers).</param>
public sealed record ScheduleBufferCheck(IReadOnlyList<string> Present, int? Timesteps, string ComparedWith, double MaxAbsDifference,
                                         string? WorstBuffer, bool Matches, IReadOnlyList<string> Warnings);

/// <summary>The outcome of <see cref="CheckpointImport.Import"/>.</summary>
/// <param name="ModelFolder">The written model folder.</param>
/// <param name="Config">The network sizes it was validated against and saved with.</param>
/// <param name="Load">What the strict load did (skipped schedule buffers included).</param>
/// <param name="Schedule">The schedule-buffer comparison.</param>
/// <param name="Counts">Parameter counts of the imported networks.</param>
public sealed record CheckpointImportResult(string ModelFolder, ModelConfig Config, StateDictLoadReport Load, ScheduleBufferCheck Schedule, ParameterCounts Counts)
{
    /// <summary>model.pt inside the folder.</summary>
    public string ModelPath => Path.Combine(ModelFolder, Models.ModelFolder.ModelFile);

    /// <summary>config.json inside the folder.</summary>
    public string ConfigPath => Path.Combine(ModelFolder, Models.ModelFolder.ConfigFile);
}

/// <summary>
/// Imports a converted official SAM-DiffSR / SRDiff state dict into a <b>model folder</b>: a directory holding
/// <c>model.pt</c> (the networks in the official GaussianDiffusion key layout, <see cref="StateDictFile.SaveNetworks"/>,
/// with the file's 12 schedule buffers kept as they were so that PyTorch can still load it strictly) and
/// <c>config.json</c> (<see cref="ModelConfig.Save"/>). See docs/import-checkpoint.md.
/// </summary>
public static class CheckpointImport
{
    /// <summary>The one-line Python conversion of the authors' legacy-pickle checkpoint (documented for users).</summary>
    public const string ConversionCommand =
        "python -c \"import torch; torch.save(torch.load('model_ckpt_steps_400000.ckpt', map_location='cpu')['state_dict']['model'], 'sam_diffsr_x4.pt')\"";

    /// <summary>
    /// Validates <paramref name="input"/> strictly against <paramref name="config"/>, checks its schedule buffers and
    /// writes the model folder <paramref name="outFolder"/>.
    /// </summary>
    /// <param name="input">Zip-format state dict (torch.save of the official <c>state_dict['model']</c>).</param>
    /// <param name="outFolder">Model folder to create (or overwrite with <paramref name="force"/>).</param>
    /// <param name="config">The sizes the weights were trained with.</param>
    /// <param name="force">Overwrite an existing model folder.</param>
    /// <exception cref="FileNotFoundException">No input file.</exception>
    /// <exception cref="InvalidDataException">Not a state dict, a legacy pickle, or keys/shapes that do not fit the config
    /// (the message names the file and the keys).</exception>
    /// <exception cref="IOException">The folder already holds a model and <paramref name="force"/> is false.</exception>
    public static CheckpointImportResult Import(string input, string outFolder, ModelConfig config, bool force = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(outFolder);
        ArgumentNullException.ThrowIfNull(config);
        if (!File.Exists(input))
            throw new FileNotFoundException($"checkpoint file {input} not found. Convert the authors' .ckpt first: {ConversionCommand}", input);
        var modelPath = Path.Combine(outFolder, ModelFolder.ModelFile);
        var configPath = Path.Combine(outFolder, ModelFolder.ConfigFile);
        if (!force && (File.Exists(modelPath) || File.Exists(configPath)))
            throw new IOException($"{outFolder} already holds a model folder ({ModelFolder.ModelFile} / {ModelFolder.ConfigFile}); pass --force to overwrite it or choose another --out.");
        if (File.Exists(outFolder))
            throw new IOException($"{outFolder} is a file; --out must name a folder (it is created if missing).");

        using var nets = new SrDiffNetworks(config);
        var report = StateDictFile.LoadNetworks(nets, input, strict: true);   // throws, naming the file and keys, on any mismatch

        var file = StateDictFile.Read(input);
        try
        {
            var check = CheckScheduleBuffers(file);
            var buffers = StateDictFile.ScheduleBufferNames.All(file.ContainsKey)
                ? StateDictFile.ScheduleBufferNames.ToDictionary(n => n, n => file[n])
                : null;
            Directory.CreateDirectory(outFolder);
            StateDictFile.SaveNetworks(nets, modelPath, buffers);
            config.Save(configPath);

            // Re-read what was written: it must load strictly into networks built from the written config.
            using var again = new SrDiffNetworks(ModelConfig.Load(configPath));
            StateDictFile.LoadNetworks(again, modelPath, strict: true);
            return new CheckpointImportResult(outFolder, config, report, check, nets.CountParameters());
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Compares the official schedule buffers present in <paramref name="stateDict"/> with the float32 buffers of our
    /// cosine schedule of the same length (<see cref="DiffusionSchedule.OfficialBufferF32"/>).
    /// </summary>
    public static ScheduleBufferCheck CheckScheduleBuffers(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var present = StateDictFile.ScheduleBufferNames.Where(stateDict.ContainsKey).ToList();
        var warnings = new List<string>();
        if (present.Count == 0)
            return new ScheduleBufferCheck(present, null, "none", 0, null, true,
                ["the file holds no schedule buffers (a bare networks state dict); the schedule is whatever you sample with (the paper: cosine, T = 100)."]);
        if (present.Count < StateDictFile.ScheduleBufferNames.Count)
            warnings.Add($"only {present.Count} of the 12 schedule buffers are present (missing: " +
                         string.Join(", ", StateDictFile.ScheduleBufferNames.Except(present)) + ").");
        int T = (int)stateDict[present[0]].numel();
        var lengths = present.Where(n => stateDict[n].numel() != T).ToList();
        if (lengths.Count > 0)
        {
            warnings.Add($"schedule buffers have different lengths ({string.Join(", ", lengths)} differ from {present[0]}'s {T}); the file is inconsistent.");
            return new ScheduleBufferCheck(present, T, "n/a", double.NaN, lengths[0], false, warnings);
        }
        var schedule = DiffusionSchedule.Cosine(T);
        double worst = 0; string? worstName = null; bool ok = true;
        foreach (var name in present)
        {
            using var scope = NewDisposeScope();
            var got = stateDict[name].to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            var ours = schedule.OfficialBufferF32(name);
            for (int i = 0; i < T; i++)
            {
                double d = Math.Abs(got[i] - ours[i]);
                if (!(d <= 1e-6 + 1e-5 * Math.Abs(ours[i]))) ok = false;
                if (!(d <= worst)) { worst = d; worstName = name; }
            }
        }
        if (!ok)
            warnings.Add($"the schedule buffers differ from {schedule.Description} (largest |difference| {worst.ToString("G3", CultureInfo.InvariantCulture)} in " +
                         $"'{worstName}'): the checkpoint was trained with another noise schedule (e.g. linear). Our samplers use the " +
                         "cosine schedule; sample it with the schedule it was trained with.");
        if (T != 100)
            warnings.Add($"the schedule has T = {T} steps; the paper and the official config use T = 100.");
        return new ScheduleBufferCheck(present, T, schedule.Description, worst, worstName, ok && T == 100, warnings);
    }
}
