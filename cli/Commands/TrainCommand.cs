using SamDiffSR.Models;
using System.Globalization;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Data;
using SamDiffSR.Training.Packs;
using SamDiffSR.IO;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr train</c>: stage 1 (RRDB) or stage 2 (diffusion) training with resumable checkpoints.</summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";

    public string Summary => "Train the RRDB encoder (stage 1) or SRDiff / SAM-DiffSR / SAM+SRDiff (stage 2); resumable.";

    public string Usage => """
        samdiffsr train --stage rrdb|diffusion --hr <dir> | --pack <file.srpack> --out <run dir> [--masks <dir of .npy>]
                        [--recipe paper|released] [--preset tiny|tinycpu|samdiffsrpaperx4|...]
                        [--method srdiff|samdiffsr|samconcat]
                        [--modulation paper|official] [--loss l1|l2] [--steps N] [--batch B] [--patch P]
                        [--lr 2e-4] [--lr-schedule step|cosine|constant] [--lr-step S] [--lr-gamma 0.5]
                        [--grad-clip X] [--ema D] [--seed S] [--checkpoint-every N] [--keep 3]
                        [--rrdb <stage-1 run|model folder|.pt>] [--resume] [--threads T] [--max-pixels N]
                        [--flips] [--rotations] [--lr-up official|exact] [--mask-alignment aligned|official]
                        [--reduce zero|none|zscore] [--no-verify] [--precision fp32|bf16|fp16] [--cudnn-benchmark]
                        [--pack <file.srpack>] [--in-memory] [--loader-workers 1] [--ready-lr]
          --recipe names how SAM-DiffSR is trained (--preset names the network sizes); every switch below
          overrides its recipe value. Make the masks with the same --recipe ('samdiffsr masks generate').
                          released (authors' code)           paper (as written, default)
            --modulation  official: E coeff sqrt(1-abar)*beta  paper: sqrt((1-abar)/beta), phi_t
            --variant     rope (rows are positions)            rope-transposed (width is the sequence)
            --mean        image (segment sum / (H*W))          image (eq. 6 averages x_RoPE*M_i over h*w)
            --reduce      none                                 zero (Table 6)
            --loss        l1                                   l2 (eq. 5)
            --lr-schedule step: x0.5 at half the run           cosine to 0
                          (200k of 400k; --lr-step S overrides)
          The released code's misaligned mask crop is not part of a recipe: --mask-alignment official.
          Other defaults: SAM-DiffSR, 160-px patches, batch 16, 400k steps, lr 2e-4. Writes config.json, log.csv and
          checkpoints/step_N/ (each a model folder for 'sample' and 'eval'). --resume continues from the newest checkpoint.
          Data: --hr may be a folder of images, DIV2K_train_HR, Flickr2K_HR, or a folder holding them (DF2K). The
          images (+ SPE maps) are packed once into <out>/data-pack/ (or into --pack FILE) and read
          by window, so memory does not grow with the set. LR is MATLAB-exact imresize(HR, 1/s) as in the official
          packer; --ready-lr uses the X_LR_bicubic/X<scale> folder beside X_HR instead. --loader-workers N threads
          prepare batches ahead (0 = in the training thread); log.csv's data_wait_s is the time per step spent
          waiting for data.
          --pack FILE without --hr trains from a pack made by 'samdiffsr pack' as it is (its SPE maps included).
          --in-memory loads everything as float64 instead (the old path; about 57 bytes per HR pixel).
        """ + "\n" + PrecisionCliOptions.Help;

    public int Run(CliArgs args, CliContext ctx)
    {
        var stage = args.Enum("stage", TrainingStage.Diffusion);
        string? hr = args.Get("hr");
        string outDir = args.Require("out");
        string? masks = args.Get("masks"), rrdb = args.Get("rrdb");
        var preset = args.GetOr("preset", "tiny");
        var method = args.Enum("method", SrMethod.SamDiffSR);
        var recipe = TrainingRecipe.Of(args.Enum("recipe", RecipeKind.Paper));
        var modulation = args.Enum("modulation", recipe.Modulation, ModulationMode.Paper, ModulationMode.OfficialCode);
        var loss = args.Enum("loss", recipe.Loss);
        int steps = args.Int("steps", 400_000), batch = args.Int("batch", 16), patch = args.Int("patch", 160);
        double lr = args.Double("lr", 2e-4);
        var sched = args.Enum("lr-schedule", recipe.LrSchedule);
        // --lr-step defaults to half the run; a resumed run keeps the step size it was started with (only --steps may change)
        int lrStep = args.Int("lr-step", ResumedStepSize(outDir, args) ?? TrainingRecipe.ScaledStepSize(steps));
        double lrGamma = args.Double("lr-gamma", TrainingRecipe.ReleasedGamma);
        double? clip = args.Has("grad-clip") ? args.Double("grad-clip", 0) : null;
        double? ema = args.Has("ema") ? args.Double("ema", 0) : null;
        long seed = args.Int("seed", 0);
        int every = args.Int("checkpoint-every", 1000), keep = args.Int("keep", 3), threads = args.Int("threads", 0);
        bool resume = args.Flag("resume"), flips = args.Flag("flips"), rot = args.Flag("rotations"), noVerify = args.Flag("no-verify");
        var lrUp = args.Enum("lr-up", LrUpRecipe.Official);
        var align = args.Enum("mask-alignment", MaskAlignment.Aligned);
        var reduce = args.Enum("reduce", recipe.Reduce);
        args.NotWith("rrdb", stage == TrainingStage.Rrdb, "applies only to --stage diffusion (stage 1 trains the RRDB itself)");
        args.NotWith("lr-step", sched != LrScheduleKind.Step, "applies only to --lr-schedule step");
        args.NotWith("lr-gamma", sched != LrScheduleKind.Step, "applies only to --lr-schedule step");
        using var limit = args.MaxPixels();
        var precision = PrecisionCliOptions.Parse(args);
        bool cudnnBenchmark = PrecisionCliOptions.CudnnBenchmark(args);
        string? packPath = args.Get("pack");
        bool inMemory = args.Flag("in-memory"), readyLr = args.Flag("ready-lr");
        int loaderWorkers = args.Int("loader-workers", 1);
        args.EnsureAllUsed();
        if (loaderWorkers < 0) throw new CliUsageException($"--loader-workers must be >= 0, got {loaderWorkers}");
        if (inMemory && packPath is not null) throw new CliUsageException("--in-memory and --pack exclude each other");
        if (hr is null && packPath is null) throw new CliUsageException("give --hr <dir of HR images> (or --pack <file> built by 'samdiffsr pack')");
        if (steps < 1) throw new CliUsageException($"--steps must be >= 1, got {steps}");
        if (batch < 1) throw new CliUsageException($"--batch must be >= 1, got {batch}");
        if (every < 1) throw new CliUsageException($"--checkpoint-every must be >= 1, got {every}");
        if (keep < 0) throw new CliUsageException($"--keep must be >= 0 (0 keeps all), got {keep}");
        if (threads < 0) throw new CliUsageException($"--threads must be >= 0 (0 = all cores), got {threads}");
        if (lr <= 0) throw new CliUsageException($"--lr must be > 0, got {lr}");
        if (ema is <= 0 or >= 1) throw new CliUsageException($"--ema must be a decay in (0, 1), e.g. 0.999, got {ema}");
        if (clip is <= 0) throw new CliUsageException($"--grad-clip must be > 0, got {clip}");
        if (lrGamma <= 0) throw new CliUsageException($"--lr-gamma must be > 0, got {lrGamma}");
        if (lrStep < 1) throw new CliUsageException($"--lr-step must be >= 1, got {lrStep}");
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(hr ?? "", "--hr"), new PathGuard.Input(packPath ?? "", "--pack"), new PathGuard.Input(masks ?? "", "--masks"),
                                 new PathGuard.Input(rrdb ?? "", "--rrdb"));

        ModelConfig model;
        try { model = ModelConfig.Preset(preset); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        if (patch < 8 || patch % 8 != 0 || patch % model.Scale != 0)
            throw new CliUsageException($"--patch must be a positive multiple of 8 and of the scale {model.Scale}, got {patch}");
        if (method == SrMethod.SamConcat && model.ExtraInputChannels == 0) model = model with { ExtraInputChannels = 1 };
        var diffusion = DiffusionOptions.For(method, modulation) with { Loss = loss, LrUp = lrUp };
        var config = new TrainConfig(stage, model, diffusion, new PatchOptions(patch, flips, rot, align, reduce), steps, batch,
            new LearningRateSchedule(sched, lr, lrStep, lrGamma, steps), clip, ema, seed, every, keep, Precision: precision).Validate();
        if (config.NeedsMasks && masks is null && hr is not null)
            throw new CliUsageException($"--method {OptionNames.Of(method)} needs --masks <dir of SPE .npy> (make them with 'samdiffsr masks generate')");
        if (!config.NeedsMasks && masks is not null)
            throw new CliUsageException(stage == TrainingStage.Rrdb
                ? "--masks applies only to --stage diffusion"
                : $"--masks applies only to --method samdiffsr|samconcat; --method {OptionNames.Of(method)} uses no masks");

        TorchRuntime.Initialize(threads);
        if (cudnnBenchmark) CudnnSettings.Benchmark = true;
        ctx.Err.WriteLine($"[train] {TorchRuntime.Describe()}");
        var store = masks is null || !config.NeedsMasks ? null
            : new MaskStore(masks, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage, MaxTrim: model.Scale - 1), line => ctx.Err.WriteLine(line));
        var progress = new ConsoleProgress(ctx);
        TrainResult r;
        TrainingPack? pack = null;
        bool outExisted = Directory.Exists(outDir);
        try
        {
            SrPatchSampler data;
            if (inMemory)
                data = SrPatchDataset.Load(hr!, model.Scale, config.Patch, lrUp, store, !noVerify, line => ctx.Err.WriteLine(line), progress).Sampler;
            else if (hr is null)
            {
                // A ready pack (from 'samdiffsr pack'): used as it is; it carries its SPE maps.
                pack = TrainingPack.Open(packPath!, lrUp, verify: !noVerify, progress);
                progress.Finish();
                if (pack.Scale != model.Scale) throw new InvalidDataException($"{pack.Path} was packed for x{pack.Scale}, the model is x{model.Scale}; build a pack with 'samdiffsr pack --scale {model.Scale}'");
                data = SrPatchSampler.SkippingSmall(pack, config.Patch, line => ctx.Err.WriteLine(line));
            }
            else
            {
                var inputs = HrDatasetLayout.Resolve(hr, model.Scale);
                foreach (var i in inputs)
                    ctx.Err.WriteLine($"[train] HR {i.HrDirectory}" + (i.LrDirectory is null ? "" : readyLr ? $" with ready-made LR {i.LrDirectory}" : $" (ready-made LR {i.LrDirectory} not used; --ready-lr uses it)"));
                var built = TrainingPackCache.Ensure(inputs, new TrainingPackOptions(model.Scale, store, readyLr, !noVerify), outDir, packPath,
                                                     line => ctx.Err.WriteLine("[train] " + line), progress);
                progress.Finish();
                pack = TrainingPack.Open(built.Path, lrUp, verify: !noVerify, progress);
                progress.Finish();
                data = SrPatchSampler.SkippingSmall(pack, config.Patch, line => ctx.Err.WriteLine(line));
            }
            progress.Finish();
            ctx.Err.WriteLine($"[train] {data.Count} training images ({data.Skipped.Count} skipped as smaller than the patch), stage {stage}, {method}");
            r = SrTrainer.Run(config, data, outDir, resume, rrdb, line => ctx.Err.WriteLine("[train] " + line), progress, loaderWorkers: loaderWorkers);
        }
        catch when (!outExisted && !File.Exists(Path.Combine(outDir, SrTrainer.RunConfigFile)))
        {
            // The start failed before a run existed (e.g. a bad SPE map found while packing): leave no folder behind,
            // so the corrected rerun is not blocked.
            pack?.Dispose(); pack = null;
            try { if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* best effort; the original error matters */ }
            throw;
        }
        finally { progress.Finish(); pack?.Dispose(); }
        if (r.StartStep == r.EndStep)
        {
            ctx.Out.WriteLine($"the run is already at step {r.EndStep} of --steps {steps}; nothing to train (checkpoint {r.LatestCheckpoint})");
            return 0;
        }
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained steps {r.StartStep}..{r.EndStep}, last loss {r.LastLoss:F5}, {r.Seconds:F1} s; checkpoint {r.LatestCheckpoint}"));
        return 0;
    }

    private static int? ResumedStepSize(string outDir, CliArgs args)
    {
        var cfg = Path.Combine(outDir, SrTrainer.RunConfigFile);
        if (!args.Has("resume") || args.Has("lr-step") || !File.Exists(cfg)) return null;
        try { return TrainConfig.Load(cfg).Lr.StepSize; }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException) { return null; } // the trainer reports a broken config
    }
}
