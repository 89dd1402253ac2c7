using SamDiffSR.Models;
using System.Globalization;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Data;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr train</c>: stage 1 (RRDB) or stage 2 (diffusion) training with resumable checkpoints.</summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";

    public string Summary => "Train the RRDB encoder (stage 1) or SRDiff / SAM-DiffSR / SAM+SRDiff (stage 2); resumable.";

    public string Usage => """
        samdiffsr train --stage rrdb|diffusion --hr <dir> --out <run dir> [--masks <dir of .npy>]
                        [--recipe paper|released] [--preset tiny|tinycpu|samdiffsrpaperx4|...]
                        [--method srdiff|samdiffsr|samconcat]
                        [--modulation paper|official] [--loss l1|l2] [--steps N] [--batch B] [--patch P]
                        [--lr 2e-4] [--lr-schedule step|cosine|constant] [--lr-step S] [--lr-gamma 0.5]
                        [--grad-clip X] [--ema D] [--seed S] [--checkpoint-every N] [--keep 3]
                        [--rrdb <stage-1 run|model folder|.pt>] [--resume] [--threads T]
                        [--flips] [--rotations] [--lr-up official|exact] [--mask-alignment aligned|official]
                        [--reduce zero|none|zscore] [--no-verify]
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
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        var stage = args.Enum("stage", TrainingStage.Diffusion);
        string hr = args.Require("hr"), outDir = args.Require("out");
        string? masks = args.Get("masks"), rrdb = args.Get("rrdb");
        var preset = args.GetOr("preset", "tiny");
        var method = args.Enum("method", SrMethod.SamDiffSR);
        var recipe = TrainingRecipe.Of(args.Enum("recipe", RecipeKind.Paper));
        var modulation = args.Enum("modulation", recipe.Modulation, ModulationMode.Paper, ModulationMode.OfficialCode);
        var loss = args.Enum("loss", recipe.Loss);
        int steps = args.Int("steps", 400_000), batch = args.Int("batch", 16), patch = args.Int("patch", 160);
        double lr = args.Double("lr", 2e-4);
        var sched = args.Enum("lr-schedule", recipe.LrSchedule);
        int lrStep = args.Int("lr-step", TrainingRecipe.ScaledStepSize(steps));
        double lrGamma = args.Double("lr-gamma", TrainingRecipe.ReleasedGamma);
        double? clip = args.Has("grad-clip") ? args.Double("grad-clip", 0) : null;
        double? ema = args.Has("ema") ? args.Double("ema", 0) : null;
        long seed = args.Int("seed", 0);
        int every = args.Int("checkpoint-every", 1000), keep = args.Int("keep", 3), threads = args.Int("threads", 0);
        bool resume = args.Flag("resume"), flips = args.Flag("flips"), rot = args.Flag("rotations"), noVerify = args.Flag("no-verify");
        var lrUp = args.Enum("lr-up", LrUpRecipe.Official);
        var align = args.Enum("mask-alignment", MaskAlignment.Aligned);
        var reduce = args.Enum("reduce", recipe.Reduce);
        args.EnsureAllUsed();

        ModelConfig model;
        try { model = ModelConfig.Preset(preset); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        if (method == SrMethod.SamConcat && model.ExtraInputChannels == 0) model = model with { ExtraInputChannels = 1 };
        var diffusion = DiffusionOptions.For(method, modulation) with { Loss = loss, LrUp = lrUp };
        var config = new TrainConfig(stage, model, diffusion, new PatchOptions(patch, flips, rot, align, reduce), steps, batch,
            new LearningRateSchedule(sched, lr, lrStep, lrGamma, steps), clip, ema, seed, every, keep).Validate();
        if (config.NeedsMasks && masks is null)
            throw new CliUsageException($"--method {OptionNames.Of(method)} needs --masks <dir of SPE .npy> (make them with 'samdiffsr masks generate')");

        TorchRuntime.Initialize(threads);
        ctx.Err.WriteLine($"[train] {TorchRuntime.Describe()}");
        var store = masks is null || !config.NeedsMasks ? null
            : new MaskStore(masks, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage), line => ctx.Err.WriteLine(line));
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
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained steps {r.StartStep}..{r.EndStep}, last loss {r.LastLoss:F5}, {r.Seconds:F1} s; checkpoint {r.LatestCheckpoint}"));
        return 0;
    }
}
