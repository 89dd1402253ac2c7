using System.Diagnostics;
using System.Text.Json;
using SamDiffSR.Diffusion;
using SamDiffSR.IO;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SamDiffSR.Training;

/// <summary>Summary of a finished (or stopped) training run.</summary>
/// <param name="RunDirectory">The run folder.</param>
/// <param name="StartStep">Step the run started at (0, or the resumed checkpoint's step).</param>
/// <param name="EndStep">Steps completed in total.</param>
/// <param name="LastLoss">Loss of the last step run in this process (NaN if none ran).</param>
/// <param name="Seconds">Wall time of this process's part.</param>
/// <param name="LatestCheckpoint">Folder of the newest checkpoint (a model folder).</param>
public sealed record TrainResult(string RunDirectory, long StartStep, long EndStep, double LastLoss, double Seconds, string LatestCheckpoint);

/// <summary>
/// Training loop for both stages, with crash-safe resumable checkpoints.
/// <list type="bullet">
/// <item>Stage 1 (<see cref="TrainingStage.Rrdb"/>): L1(RRDB(LR), HR) on [−1, 1] images, as SRDiff.</item>
/// <item>Stage 2 (<see cref="TrainingStage.Diffusion"/>): the diffusion loss of <see cref="SrDiffusionModel"/>,
/// RRDB frozen (loaded from a stage-1 run or a weight file).</item>
/// </list>
/// Each step runs in its own dispose scope. Everything random in step k (batch, crops, flips, t, ε) is seeded from
/// (seed, k), and checkpoints hold weights, Adam state, EMA and the step, so a run killed at any point and resumed
/// with <c>resume: true</c> reproduces the uninterrupted run's losses exactly on CPU (fixed thread count).
/// Files: <c>config.json</c>, <c>log.csv</c> (step, loss, lr, seconds, data_wait_s), <c>checkpoints/step_N/</c> each holding
/// <c>model.pt</c> (official state-dict layout), <c>config.json</c> (model), <c>diffusion.json</c>,
/// <c>optimizer.bin</c>, <c>ema.pt</c> (optional) and <c>trainer.json</c>.
/// </summary>
public static class SrTrainer
{
    /// <summary>The run folder's own <c>config.json</c> (the whole <see cref="TrainConfig"/>; each checkpoint also holds the model-only <see cref="ModelFolder.ConfigFile"/>).</summary>
    public const string RunConfigFile = "config.json";

    /// <summary>Columns of <c>log.csv</c> (<c>data_wait_s</c>: mean wait per step for the batch since the previous row).</summary>
    public static readonly string[] LogColumns = ["step", "loss", "lr", "seconds", "data_wait_s"];


    public const string OptimizerFile = "optimizer.bin", EmaFile = SrDiffusionModel.EmaWeightsFile, TrainerStateFile = "trainer.json", LogFile = "log.csv";

    /// <summary>Runs (or resumes) a training run in <paramref name="runDirectory"/>.</summary>
    /// <param name="config">The run's configuration.</param>
    /// <param name="data">Training patches (with SPE maps when the method needs them).</param>
    /// <param name="runDirectory">Run folder (created).</param>
    /// <param name="resume">Continue from the newest intact checkpoint if there is one (a damaged newer one is skipped and
    /// logged); otherwise a non-empty run folder is an error. Resuming a run already past <c>config.Steps</c> is an error.
    /// Every check runs before the run folder is created, and a start that fails before its first checkpoint removes
    /// what it created, so the corrected rerun is never blocked.</param>
    /// <param name="rrdbWeights">Stage 2: a stage-1 run folder, checkpoint folder or RRDB/full state-dict file (null = random RRDB, logged).</param>
    /// <param name="log">Receives human-readable lines.</param>
    /// <param name="progress">One unit per step.</param>
    /// <param name="stopAfterStep">Stop (after checkpointing) once this many steps are done — for tests and time budgets.</param>
    /// <param name="cancellationToken">Stops between steps (a checkpoint is written first).</param>
    public static TrainResult Run(TrainConfig config, SrPatchDataset data, string runDirectory, bool resume = false,
                                  string? rrdbWeights = null, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                  long? stopAfterStep = null, CancellationToken cancellationToken = default) =>
        Run(config, data.Sampler, runDirectory, resume, rrdbWeights, log, progress, stopAfterStep, cancellationToken);

    /// <summary>
    /// Runs (or resumes) a training run on batches cut by <paramref name="data"/> (in memory or from a
    /// <see cref="Packs.TrainingPack"/>); <paramref name="loaderWorkers"/> background threads prepare batches ahead
    /// (<see cref="PrefetchingBatchLoader"/>; 0 = in the training thread). The batches, and so the losses, do not
    /// depend on the source or the worker count.
    /// </summary>
    public static TrainResult Run(TrainConfig config, SrPatchSampler data, string runDirectory, bool resume = false,
                                  string? rrdbWeights = null, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                  long? stopAfterStep = null, CancellationToken cancellationToken = default, int loaderWorkers = 1)
    {
        config.Validate();
        log ??= _ => { };
        var device = TorchRuntime.Device;
        runDirectory = Path.GetFullPath(runDirectory);
        var cfgPath = Path.Combine(runDirectory, RunConfigFile);
        var ckDir = Path.Combine(runDirectory, ModelFolder.CheckpointsFolder);

        // Every check that can fail runs before anything is created, so a corrected rerun is never blocked.
        if (File.Exists(runDirectory)) throw new IOException($"{runDirectory} is a file; choose a folder for the run (--out)");
        bool existed = Directory.Exists(runDirectory);
        // the pack cache of 'train --hr' (data-pack/) may already be there: it is not a run
        bool fresh = !existed || !Directory.EnumerateFileSystemEntries(runDirectory).Any(e => Path.GetFileName(e) != Packs.TrainingPackCache.FolderName);
        if (!resume && !fresh && !File.Exists(cfgPath))
            throw new IOException($"{runDirectory} is not empty and holds no training run; choose a new or empty --out folder");
        if (resume && !File.Exists(cfgPath)) log($"resume: {runDirectory} holds no run yet; starting a new one");
        if (File.Exists(cfgPath))
        {
            if (!resume) throw new IOException($"{runDirectory} already holds a run; pass --resume to continue it or choose a new --out folder");
            var old = TrainConfig.Load(cfgPath);
            if (!old.CompatibleForResume(config))
                throw new InvalidDataException($"{cfgPath}: the run was started with a different configuration ({old.DescribeDifferences(config)}); " +
                                               "resume with the same options (only --steps may change) or use a new --out folder");
            if (config.Lr.Kind == LrScheduleKind.Cosine && old.Lr.TotalSteps != config.Lr.TotalSteps)
                log($"note: the cosine learning-rate decay now spans {config.Lr.TotalSteps} steps (the run was started with {old.Lr.TotalSteps}); " +
                    "from the resumed step on the rate follows the new curve, so the run differs from one started with the new --steps");
        }
        if (config.Stage == TrainingStage.Diffusion)
        {
            int missing = Enumerable.Range(0, data.Count).FirstOrDefault(i => !data.HasMask(i), -1);
            try { config.Diffusion.RequireMasks(missing < 0, atInference: false, missing < 0 ? null : $"no SPE map for training image #{missing}"); }
            catch (ArgumentException ex) { throw new InvalidDataException(ex.Message, ex); }   // the data set, not an argument, is at fault
        }
        if (config.Stage == TrainingStage.Diffusion && rrdbWeights != null) CheckRrdbSource(rrdbWeights, config.Model);
        var candidates = new List<(long Step, string Folder)>();
        if (resume && Directory.Exists(ckDir))
            foreach (var c in new CheckpointStore(ckDir, keep: 0).NewestFirst(log))
            {
                if (ModelFolder.Problem(c.Folder) is { } why) log($"checkpoint {c.Folder} is damaged ({why}); falling back to an older one");
                else candidates.Add(c);
            }
        if (candidates.Count > 0 && candidates[0].Step > config.Steps)
            throw new InvalidDataException($"{runDirectory} is already at step {candidates[0].Step}, beyond the requested {config.Steps} steps; " +
                                           $"ask for more than {candidates[0].Step} steps to continue it (--steps)");

        bool savedAny = false;
        try
        {
            var result = RunChecked(config, data, runDirectory, resume, rrdbWeights, log, progress, stopAfterStep, cancellationToken,
                                    device, cfgPath, ckDir, candidates, () => savedAny = true, loaderWorkers);
            return result;
        }
        catch when (fresh && !savedAny)
        {
            // The start failed before any checkpoint existed: remove what this call created, so a rerun is not blocked.
            try
            {
                if (!existed) Directory.Delete(runDirectory, recursive: true);
                else foreach (var e in Directory.EnumerateFileSystemEntries(runDirectory).ToList())
                        if (Directory.Exists(e)) Directory.Delete(e, true); else File.Delete(e);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* best effort; the original error matters */ }
            throw;
        }
    }

    /// <summary>Held while a run seeds torch's global generator and draws its initial weights.</summary>
    private static readonly object InitLock = new();

    private static TrainResult RunChecked(TrainConfig config, SrPatchSampler data, string runDirectory, bool resume, string? rrdbWeights,
                                          Action<string> log, IProgress<ProgressInfo>? progress, long? stopAfterStep,
                                          CancellationToken cancellationToken, Device device, string cfgPath, string ckDir,
                                          List<(long Step, string Folder)> candidates, Action onSaved, int loaderWorkers)
    {
        Directory.CreateDirectory(runDirectory);
        var store = new CheckpointStore(ckDir, config.KeepCheckpoints);
        config.Save(cfgPath);

        SrDiffNetworks seeded;
        lock (InitLock)   // the global generator: runs trained side by side (Comparison.ParallelRuns) must not interleave here
        {
            torch.manual_seed(config.Seed); // network initialisation
            seeded = new SrDiffNetworks(config.Model);
        }
        using var nets = seeded;
        nets.to(device);
        using var model = config.Stage == TrainingStage.Diffusion ? new SrDiffusionModel(nets, config.Diffusion, device) : null;
        nn.Module trainable;
        if (config.Stage == TrainingStage.Rrdb)
        {
            trainable = nets.Rrdb ?? throw new InvalidDataException("stage rrdb needs a model with UseRrdb = true");
        }
        else
        {
            trainable = nets.Denoiser;
            if (nets.Rrdb is { } rrdb)
            {
                if (rrdbWeights != null) log($"RRDB: {LoadRrdbWeights(rrdb, rrdbWeights)}");
                else if (candidates.Count == 0) log("RRDB: no --rrdb weights given; the encoder stays at its random initialisation (frozen)");
                foreach (var p in rrdb.parameters()) p.requires_grad = false;
            }
        }
        var parameters = trainable.parameters().Where(p => p.requires_grad).ToList();
        using var adam = new StableOptimizers.Adam(parameters, config.Lr.BaseLr);   // TorchSharp Adam, bitwise, without finalizer-owned Scalars
        using var ema = config.EmaDecay is double d ? new ExponentialMovingAverage(trainable, d) : null;

        long start = 0;
        string latestFolder = "";
        if (resume && candidates.Count > 0)
        {
            bool loaded = false;
            foreach (var c in candidates)
            {
                try
                {
                    start = LoadCheckpoint(c.Folder, nets, adam, ema);
                    latestFolder = c.Folder;
                    loaded = true;
                    log($"resumed from {c.Folder} (step {start})");
                    break;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    log($"checkpoint {c.Folder} cannot be loaded ({ex.Message.Split('\n')[0].TrimEnd('.')}); falling back to an older one");
                }
            }
            if (!loaded)
                throw new InvalidDataException($"{ckDir}: no checkpoint could be loaded (all damaged); start a new run in another --out folder");
            if (start > config.Steps)
                throw new InvalidDataException($"{runDirectory} is already at step {start}, beyond the requested {config.Steps} steps; ask for more than {start} steps (--steps)");
        }
        var scaler = config.Precision == Precision.Fp16 ? new LossScaler() : null;
        if (scaler != null && latestFolder.Length > 0) RestoreScaler(latestFolder, scaler);
        using var csv = CsvLog.Open(Path.Combine(runDirectory, LogFile), LogColumns, keepBelowStep: start);
        // 'seconds' is cumulative training time over all processes of the run; 'data_wait_s' is the mean time per step
        // (since the previous row) the training thread waited for its batch.
        var kept = CsvLog.Read(csv.Path).Rows;
        double secondsOffset = kept.Count > 0 ? kept[^1][3] : 0;

        long end = Math.Min(config.Steps, stopAfterStep ?? long.MaxValue);
        var clock = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        trainable.train();
        using var loader = new PrefetchingBatchLoader(data, start, Math.Max(start, end), config.BatchSize, config.Seed, config.NeedsMasks, loaderWorkers);
        double waitLogged = 0; long stepsLogged = start;
        for (long step = start; step < end; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                end = step;
                // Checkpoint the finished steps first (unless the last step already did).
                if (step > start && step % config.CheckpointEvery != 0)
                {
                    latestFolder = store.Save(step, f => SaveCheckpoint(f, step, config, nets, adam, ema, scaler));
                    onSaved();
                }
                break;
            }
            using (var scope = NewDisposeScope())
            {
                double lr = config.Lr.At(step);
                foreach (var g in adam.ParamGroups) g.LearningRate = lr;
                using var batch = loader.Take(step).ToBatch(device);
                var gen = new Generator((ulong)SrPatchDataset.Mix(config.Seed, step, 0xD1FF), device.type == DeviceType.CUDA ? CPU : device);
                adam.zero_grad();
                Tensor loss;
                using (Autocast.Enter(device, config.Precision))   // fp32: no-op
                {
                    loss = config.Stage == TrainingStage.Rrdb
                        ? nn.functional.l1_loss(nets.Rrdb!.call(batch.Lr).to(ScalarType.Float32), batch.Hr)
                        : model!.TrainingLoss(batch.Hr, batch.Lr, batch.LrUp, batch.Mask, gen);
                }
                bool stepOk = true;
                if (scaler is null) loss.backward();
                else
                {
                    scaler.ScaleLoss(loss).backward();
                    stepOk = scaler.UnscaleAndCheck(parameters);   // fp16: skip the step on inf/NaN gradients
                }
                if (stepOk)
                {
                    if (config.GradClipNorm is double clip) nn.utils.clip_grad_norm_(parameters, clip);
                    adam.step();
                    ema?.Update();
                }
                scaler?.Update(stepOk);
                lastLoss = loss.item<float>();
                gen.Dispose();
                if (!double.IsFinite(lastLoss))
                    throw new InvalidOperationException($"loss became {lastLoss} at step {step}; lower the learning rate or enable --grad-clip. " +
                        (latestFolder.Length > 0 ? $"The last checkpoint is intact: {latestFolder}" : "No checkpoint had been written yet, so nothing of this start is kept."));
                if (step % config.LogEvery == 0 || step == end - 1)
                {
                    double wait = (loader.WaitSeconds - waitLogged) / (step + 1 - stepsLogged);
                    waitLogged = loader.WaitSeconds; stepsLogged = step + 1;
                    csv.Append(step, lastLoss, lr, Math.Round(secondsOffset + clock.Elapsed.TotalSeconds, 3), Math.Round(wait, 6));
                }
            }
            progress?.Report(new ProgressInfo(config.Stage == TrainingStage.Rrdb ? "train rrdb" : "train", step + 1 - start, end - start, $"loss {lastLoss:F4}"));
            bool last = step + 1 == end;
            if ((step + 1) % config.CheckpointEvery == 0 || last)
            {
                latestFolder = store.Save(step + 1, f => SaveCheckpoint(f, step + 1, config, nets, adam, ema, scaler));
                onSaved();
            }
        }
        return new TrainResult(runDirectory, start, end, lastLoss, clock.Elapsed.TotalSeconds, latestFolder);
    }

    /// <summary>Writes a checkpoint folder (also a complete model folder for sampling and evaluation).</summary>
    private static void SaveCheckpoint(string folder, long step, TrainConfig config, SrDiffNetworks nets,
                                       TorchSharp.Modules.OptimizerHelper adam, ExponentialMovingAverage? ema, LossScaler? scaler)
    {
        StateDictFile.SaveNetworks(nets, Path.Combine(folder, ModelFolder.ModelFile));
        config.Model.Save(Path.Combine(folder, ModelFolder.ConfigFile));
        config.Diffusion.Save(Path.Combine(folder, ModelFolder.DiffusionFile));
        // TorchSharp's own optimizer format (PyBridge's pickler does not work inside notebook kernels).
        AtomicFile.Write(Path.Combine(folder, OptimizerFile), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); adam.save_state_dict(w); });
        if (ema != null)
        {
            var dict = new Dictionary<string, Tensor>();
            foreach (var (n, t) in ema.Shadows) dict[n] = t;
            AtomicFile.Write(Path.Combine(folder, EmaFile), s => PyTorchStateDictWriter.Write(s, dict));
        }
        AtomicFile.WriteAllText(Path.Combine(folder, TrainerStateFile),
            scaler is null
                ? JsonSerializer.Serialize(new { step, seed = config.Seed, stage = config.Stage.ToString(), method = config.Diffusion.Method.ToString() })
                : JsonSerializer.Serialize(new { step, seed = config.Seed, stage = config.Stage.ToString(), method = config.Diffusion.Method.ToString(),
                                                 lossScale = scaler.Scale, lossScaleGoodSteps = scaler.GoodSteps, skippedSteps = scaler.SkippedSteps }));
    }

    private static long LoadCheckpoint(string folder, SrDiffNetworks nets, TorchSharp.Modules.OptimizerHelper adam, ExponentialMovingAverage? ema)
    {
        StateDictFile.LoadNetworks(nets, Path.Combine(folder, ModelFolder.ModelFile));
        var optPath = Path.Combine(folder, OptimizerFile);
        if (!File.Exists(optPath)) throw new FileNotFoundException($"{optPath} missing: the checkpoint is incomplete; delete the folder to fall back to the previous one", optPath);
        using (var fs = File.OpenRead(optPath)) using (var r = new BinaryReader(fs)) adam.load_state_dict(r);
        if (ema != null)
        {
            var emaPath = Path.Combine(folder, EmaFile);
            if (!File.Exists(emaPath)) throw new FileNotFoundException($"{emaPath} missing but the run uses EMA", emaPath);
            var table = PyTorchUnpickler.UnpickleStateDict(emaPath);
            var dict = table.Keys.Cast<object>().ToDictionary(k => (string)k, k => (Tensor)table[k]!);
            ema.Load(dict);
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TrainerStateFile)));
        return doc.RootElement.GetProperty("step").GetInt64();
    }

    private static void RestoreScaler(string folder, LossScaler scaler)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TrainerStateFile)));
        var root = doc.RootElement;
        if (root.TryGetProperty("lossScale", out var sc))   // absent: the checkpoint came from an fp32/bf16 run; start fresh
            scaler.Restore(sc.GetDouble(), root.GetProperty("lossScaleGoodSteps").GetInt32(), root.GetProperty("skippedSteps").GetInt64());
    }

    /// <summary>
    /// Loads RRDB weights from a stage-1 run folder (its newest checkpoint), a checkpoint/model folder, or a state-dict
    /// file holding either a bare RRDB or a full diffusion model (<c>rrdb.*</c> keys).
    /// </summary>
    /// <summary>
    /// Checks a stage-2 run's <c>--rrdb</c> source before anything is created: it resolves to a model folder or weight
    /// file, and its recorded RRDB (blocks, features, scale) equals the run's; a mismatch names both.
    /// </summary>
    public static void CheckRrdbSource(string path, ModelConfig model)
    {
        var folder = ModelFolder.Resolve(path, out _);
        var cfg = Path.Combine(folder, ModelFolder.ConfigFile);
        if (!File.Exists(cfg)) return; // a bare weight file: the strict load checks every key and shape
        var other = ModelConfig.Load(cfg);
        if (other.RrdbNumBlock != model.RrdbNumBlock || other.RrdbNumFeat != model.RrdbNumFeat || other.Scale != model.Scale)
            throw new InvalidDataException(
                $"--rrdb '{path}' holds an RRDB of {other.RrdbNumBlock} blocks × {other.RrdbNumFeat} features at x{other.Scale} ({cfg}), " +
                $"this run needs {model.RrdbNumBlock} × {model.RrdbNumFeat} at x{model.Scale}: train stage 1 with the same --preset, or pick the matching run");
        if (ModelFolder.Stage(folder) is { } st && !string.Equals(st, "Rrdb", StringComparison.OrdinalIgnoreCase) && !string.Equals(st, "Diffusion", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"--rrdb '{path}': unknown training stage '{st}' in {Path.Combine(folder, ModelFolder.TrainerStateFile)}");
    }

    public static StateDictLoadReport LoadRrdbWeights(RRDBNet rrdb, string path)
    {
        return StateDictFile.LoadRrdb(rrdb, ModelFolder.ResolveModelFile(path));
    }
}
