using SamDiffSR.Models;
using System.Globalization;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Data;
using SamDiffSR.IO;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr train</c>: stage 1 (RRDB) or stage 2 (diffusion) training with resumable checkpoints.</summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";

    public string Summary => "Train the RRDB encoder (stage 1) or SRDiff / SAM-DiffSR / SAM+SRDiff (stage 2); resumable.";

    public string Usage => """
        samdiffsr train --stage rrdb|diffusion --hr <dir> --out <run dir> [--masks <dir of .npy>]
                        [--preset tiny|tinycpu|samdiffsrpaperx4|...] [--method srdiff|samdiffsr|samconcat]
                        [--modulation paper|official] [--loss l1|l2] [--steps N] [--batch B] [--patch P]
                        [--lr 2e-4] [--lr-schedule step|cosine|constant] [--lr-step 200000] [--lr-gamma 0.5]
                        [--grad-clip X] [--ema D] [--seed S] [--checkpoint-every N] [--keep 3]
                        [--rrdb <stage-1 run|model folder|.pt>] [--resume] [--threads T] [--max-pixels N]
                        [--flips] [--rotations] [--lr-up official|exact] [--mask-alignment aligned|official]
                        [--reduce zero|none|zscore] [--no-verify]
          Defaults follow the paper (SAM-DiffSR, Paper modulation, L1 as the released code, cosine LR decay,
          160-px patches, batch 16, 400k steps, reduce = zero single-region patches); --modulation official and
          --lr-schedule step reproduce the released code. Writes config.json, log.csv and checkpoints/step_N/
          (each a model folder for 'sample' and 'eval'). --resume continues from the newest checkpoint.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        var stage = args.Enum("stage", TrainingStage.Diffusion);
        string hr = args.Require("hr"), outDir = args.Require("out");
        string? masks = args.Get("masks"), rrdb = args.Get("rrdb");
        var preset = args.GetOr("preset", "tiny");
        var method = args.Enum("method", SrMethod.SamDiffSR);
        var modulation = args.Enum("modulation", ModulationMode.Paper, ModulationMode.Paper, ModulationMode.OfficialCode);
        var loss = args.Enum("loss", LossType.L1);
        int steps = args.Int("steps", 400_000), batch = args.Int("batch", 16), patch = args.Int("patch", 160);
        double lr = args.Double("lr", 2e-4);
        var sched = args.Enum("lr-schedule", LrScheduleKind.Cosine);
        int lrStep = args.Int("lr-step", 200_000);
        double lrGamma = args.Double("lr-gamma", 0.5);
        double? clip = args.Has("grad-clip") ? args.Double("grad-clip", 0) : null;
        double? ema = args.Has("ema") ? args.Double("ema", 0) : null;
        long seed = args.Int("seed", 0);
        int every = args.Int("checkpoint-every", 1000), keep = args.Int("keep", 3), threads = args.Int("threads", 0);
        bool resume = args.Flag("resume"), flips = args.Flag("flips"), rot = args.Flag("rotations"), noVerify = args.Flag("no-verify");
        var lrUp = args.Enum("lr-up", LrUpRecipe.Official);
        var align = args.Enum("mask-alignment", MaskAlignment.Aligned);
        var reduce = args.Enum("reduce", SpeReduce.AllSameToZero);
        args.NotWith("rrdb", stage == TrainingStage.Rrdb, "applies only to --stage diffusion (stage 1 trains the RRDB itself)");
        args.NotWith("lr-step", sched != LrScheduleKind.Step, "applies only to --lr-schedule step");
        args.NotWith("lr-gamma", sched != LrScheduleKind.Step, "applies only to --lr-schedule step");
        using var limit = args.MaxPixels();
        args.EnsureAllUsed();
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
        PathGuard.EnsureSeparate(outDir, "--out", new PathGuard.Input(hr, "--hr"), new PathGuard.Input(masks ?? "", "--masks"),
                                 new PathGuard.Input(rrdb ?? "", "--rrdb"));

        ModelConfig model;
        try { model = ModelConfig.Preset(preset); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        if (patch < 8 || patch % 8 != 0 || patch % model.Scale != 0)
            throw new CliUsageException($"--patch must be a positive multiple of 8 and of the scale {model.Scale}, got {patch}");
        if (method == SrMethod.SamConcat && model.ExtraInputChannels == 0) model = model with { ExtraInputChannels = 1 };
        var diffusion = DiffusionOptions.For(method, modulation) with { Loss = loss, LrUp = lrUp };
        var config = new TrainConfig(stage, model, diffusion, new PatchOptions(patch, flips, rot, align, reduce), steps, batch,
            new LearningRateSchedule(sched, lr, lrStep, lrGamma, steps), clip, ema, seed, every, keep).Validate();
        if (config.NeedsMasks && masks is null)
            throw new CliUsageException($"--method {OptionNames.Of(method)} needs --masks <dir of SPE .npy> (make them with 'samdiffsr masks generate')");
        if (!config.NeedsMasks && masks is not null)
            throw new CliUsageException(stage == TrainingStage.Rrdb
                ? "--masks applies only to --stage diffusion"
                : $"--masks applies only to --method samdiffsr|samconcat; --method {OptionNames.Of(method)} uses no masks");

        TorchRuntime.Initialize(threads);
        ctx.Err.WriteLine($"[train] {TorchRuntime.Describe()}");
        var store = masks is null || !config.NeedsMasks ? null
            : new MaskStore(masks, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage, MaxTrim: model.Scale - 1), line => ctx.Err.WriteLine(line));
        var progress = new ConsoleProgress(ctx);
        TrainResult r;
        try
        {
            var data = SrPatchDataset.Load(hr, model.Scale, config.Patch, lrUp, store, !noVerify, line => ctx.Err.WriteLine(line), progress);
            progress.Finish();
            ctx.Err.WriteLine($"[train] {data.Count} training images ({data.Skipped.Count} skipped as smaller than the patch), stage {stage}, {method}");
            r = SrTrainer.Run(config, data, outDir, resume, rrdb, line => ctx.Err.WriteLine("[train] " + line), progress);
        }
        finally { progress.Finish(); }
        if (r.StartStep == r.EndStep)
        {
            ctx.Out.WriteLine($"the run is already at step {r.EndStep} of --steps {steps}; nothing to train (checkpoint {r.LatestCheckpoint})");
            return 0;
        }
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained steps {r.StartStep}..{r.EndStep}, last loss {r.LastLoss:F5}, {r.Seconds:F1} s; checkpoint {r.LatestCheckpoint}"));
        return 0;
    }
}
