using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static TorchSharp.torch;
using SamDiffSR.IO;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <see cref="SrTrainer"/> with the Tiny networks on synthetic 32-px patches: in-process resume equivalence (bitwise
/// losses and weights), stage 1 learning, every stage-2 method writing loadable checkpoints, EMA (closed form and resume),
/// refusal of mismatched or occupied run folders, cancellation, and no tensor leaks per step.
/// </summary>
public class SrTrainerTests
{
    private readonly ITestOutputHelper log;

    public SrTrainerTests(ITestOutputHelper log)
    {
        this.log = log;
        TorchRuntime.Initialize(threads: 1);
    }

    private static readonly string[] CheckpointFiles =
        [ModelFolder.ModelFile, ModelFolder.ConfigFile, ModelFolder.DiffusionFile, SrTrainer.OptimizerFile, SrTrainer.TrainerStateFile];

    private sealed class StepProgress(Action<ProgressInfo> onReport) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => onReport(value);
    }

    private static (double[] Loss, double[] Lr, long[] Step) ReadLog(string run)
    {
        var (cols, rows) = CsvLog.Read(Path.Combine(run, SrTrainer.LogFile));
        Assert.Equal(SrTrainer.LogColumns, cols);
        return (rows.Select(r => r[1]).ToArray(), rows.Select(r => r[2]).ToArray(), rows.Select(r => (long)r[0]).ToArray());
    }

    private static string Checkpoint(string run, long step) => Path.Combine(run, "checkpoints", CheckpointStore.FolderName(step));

    /// <summary>Max |a − b| over every tensor of two state-dict files (keys must agree).</summary>
    private static double MaxStateDiff(string fileA, string fileB, Func<string, bool>? keyFilter = null)
    {
        var a = StateDictFile.Read(fileA); var b = StateDictFile.Read(fileB);
        try
        {
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            double worst = 0;
            foreach (var k in a.Keys.Where(keyFilter ?? (_ => true)))
                worst = Math.Max(worst, (a[k] - b[k]).abs().max().item<float>());
            return worst;
        }
        finally { foreach (var t in a.Values.Concat(b.Values)) t.Dispose(); }
    }

    [Fact]
    public void Resume_InProcess_GivesBitwiseTheUninterruptedRun()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 6, checkpointEvery: 3);
        string a = dir.Sub("straight"), b = dir.Sub("resumed");
        var ra = SrTrainer.Run(cfg, data, a);
        Assert.Equal((0L, 6L), (ra.StartStep, ra.EndStep));
        var rb1 = SrTrainer.Run(cfg, data, b, stopAfterStep: 3);
        Assert.Equal(3, rb1.EndStep);
        Assert.Equal(Checkpoint(b, 3), rb1.LatestCheckpoint);
        // A fresh dataset object, as after a process restart.
        var rb2 = SrTrainer.Run(cfg, TexturedDataset(), b, resume: true);
        Assert.Equal((3L, 6L), (rb2.StartStep, rb2.EndStep));
        var (lossA, lrA, stepA) = ReadLog(a);
        var (lossB, lrB, stepB) = ReadLog(b);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, stepA);
        Assert.Equal(stepA, stepB);
        Assert.Equal(lossA, lossB);   // bitwise (round-trip formatted doubles)
        Assert.Equal(lrA, lrB);
        Assert.All(lossA, l => Assert.True(double.IsFinite(l) && l > 0));
        Assert.Equal(lossA[^1], ra.LastLoss);
        Assert.Equal(0, MaxStateDiff(Path.Combine(Checkpoint(a, 6), ModelFolder.ModelFile), Path.Combine(Checkpoint(b, 6), ModelFolder.ModelFile)));
        // Resuming a finished run does nothing more.
        var again = SrTrainer.Run(cfg, data, a, resume: true);
        Assert.Equal((6L, 6L), (again.StartStep, again.EndStep));
        Assert.Equal(lossA, ReadLog(a).Loss);
    }

    [Fact]
    public void StageRrdb_LearnsOnATinySet_AndStageTwoFreezesTheLoadedRrdb()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(TrainingStage.Rrdb, steps: 30, checkpointEvery: 30) with
        {
            Lr = new LearningRateSchedule(LrScheduleKind.Constant, 3e-3), GradClipNorm = null,
        };
        string s1 = dir.Sub("rrdb");
        SrTrainer.Run(cfg, data, s1);
        var loss = ReadLog(s1).Loss;
        Assert.Equal(30, loss.Length);
        double first = loss.Take(5).Average(), last = loss.TakeLast(5).Average();
        log.WriteLine($"RRDB L1: first 5 mean {first:F4}, last 5 mean {last:F4}");
        Assert.True(last < 0.8 * first, $"RRDB loss did not fall: first 5 mean {first}, last 5 mean {last}");
        Assert.Equal(ModelConfig.Tiny, ModelConfig.Load(Path.Combine(Checkpoint(s1, 30), ModelFolder.ConfigFile)));
        // A stage-1 run has an untrained U-Net: loading it for super-resolution is refused (issue 15).
        Assert.Contains("stage-1 RRDB", Assert.Throws<InvalidDataException>(() => SrDiffusionModel.Load(s1)).Message);

        // Stage 2 from the stage-1 run folder: the RRDB weights are the stage-1 ones and stay frozen; the U-Net moves.
        string s2 = dir.Sub("diff");
        var lines = new List<string>();
        SrTrainer.Run(TinyConfig(steps: 2, checkpointEvery: 2), data, s2, rrdbWeights: s1, log: lines.Add);
        Assert.Contains(lines, l => l.StartsWith("RRDB:"));
        string m1 = Path.Combine(Checkpoint(s1, 30), ModelFolder.ModelFile), m2 = Path.Combine(Checkpoint(s2, 2), ModelFolder.ModelFile);
        Assert.Equal(0, MaxStateDiff(m1, m2, k => k.StartsWith("rrdb.")));
        Assert.True(MaxStateDiff(m1, m2, k => k.StartsWith("denoise_fn.")) > 0);
    }

    [Theory]
    [InlineData("SrDiff")]
    [InlineData("SamDiffSRPaper")]
    [InlineData("SamDiffSROfficial")]
    [InlineData("SamConcat")]
    public void StageDiffusion_EachMethod_WritesLoadableCheckpoints(string method)
    {
        var options = method switch
        {
            "SrDiff" => DiffusionOptions.SrDiff,
            "SamDiffSRPaper" => DiffusionOptions.SamDiffSRPaper,
            "SamDiffSROfficial" => DiffusionOptions.SamDiffSROfficial,
            _ => DiffusionOptions.SamConcat,
        };
        using var dir = new TempDir();
        var cfg = TinyConfig(diffusion: options, steps: 3, checkpointEvery: 3);
        string run = dir.Sub("run");
        var r = SrTrainer.Run(cfg, TexturedDataset(), run);
        var ck = Checkpoint(run, 3);
        Assert.Equal(ck, r.LatestCheckpoint);
        foreach (var f in CheckpointFiles) Assert.True(File.Exists(Path.Combine(ck, f)), $"{f} missing in {ck}");
        Assert.False(File.Exists(Path.Combine(ck, SrTrainer.EmaFile)));
        Assert.Equal(cfg, TrainConfig.Load(Path.Combine(run, SrTrainer.RunConfigFile)));
        Assert.Equal(cfg.Model, ModelConfig.Load(Path.Combine(ck, ModelFolder.ConfigFile)));
        Assert.Equal(3, ReadLog(run).Loss.Length);

        using var model = SrDiffusionModel.Load(run);
        Assert.Equal(options, model.Options);
        Assert.Equal(cfg.Model, model.Networks.Config);
        // The loaded weights are the checkpoint's; the RRDB is still its seeded initialisation (no --rrdb: random, frozen).
        manual_seed(cfg.Seed);
        using var init = new SrDiffNetworks(cfg.Model);
        var saved = StateDictFile.Read(Path.Combine(ck, ModelFolder.ModelFile));
        try
        {
            foreach (var (k, t) in model.Networks.state_dict()) Assert.True(t.equal(saved[k]).all().item<bool>(), k);
            foreach (var (k, t) in init.state_dict())
                if (k.StartsWith("rrdb.")) Assert.True(t.equal(saved[k]).all().item<bool>(), $"{k} changed although the RRDB is frozen");
            Assert.Contains(init.state_dict(), kv => kv.Key.StartsWith("denoise_fn.") && !kv.Value.equal(saved[kv.Key]).all().item<bool>());
        }
        finally { foreach (var t in saved.Values) t.Dispose(); }
        using var scope = NewDisposeScope();
        var lr = zeros(1, 3, 4, 4); var up = zeros(1, 3, 16, 16);
        var mask = options.Method == SrMethod.SamConcat ? zeros(1, 1, 16, 16) : null;
        var sampling = options.EffectiveModulation == ModulationMode.None ? new SamplingOptions(SamplerKind.Ddim, 1) : new SamplingOptions(SamplerKind.Jump, 0);
        var sr = model.SuperResolve(lr, up, sampling, new Generator(1), mask);
        Assert.True(sr.isfinite().all().item<bool>());
    }

    [Fact]
    public void Load_WithEma_PutsTheShadowsInTheUnet_LeavesTheRrdb_AndIsRefusedWithoutThem()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        string withEma = dir.Sub("ema"), without = dir.Sub("raw");
        SrTrainer.Run(TinyConfig(steps: 3, checkpointEvery: 3, ema: 0.5), data, withEma);
        SrTrainer.Run(TinyConfig(steps: 3, checkpointEvery: 3), data, without);

        var shadows = StateDictFile.Read(Path.Combine(Checkpoint(withEma, 3), SrTrainer.EmaFile));
        using (var raw = SrDiffusionModel.Load(withEma))
        using (var ema = SrDiffusionModel.Load(withEma, ema: true))   // no log: loading must not depend on one
        {
            try
            {
                var emaUnet = ema.Networks.Denoiser.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                var rawUnet = raw.Networks.Denoiser.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                Assert.Equal(shadows.Keys.Order(), emaUnet.Keys.Order());
                double moved = 0;
                foreach (var (name, shadow) in shadows)
                {
                    Assert.Equal(Values(shadow), Values(emaUnet[name]));                  // exactly the saved shadow
                    moved = Math.Max(moved, (rawUnet[name] - shadow).abs().max().item<float>());
                }
                Assert.True(moved > 0, "EMA and raw U-Net weights should differ after 3 steps at decay 0.5");
                var rawRrdb = raw.Networks.Rrdb!.named_parameters().ToList();
                var emaRrdb = ema.Networks.Rrdb!.named_parameters().ToList();
                Assert.All(rawRrdb.Zip(emaRrdb), p => Assert.Equal(Values(p.First.parameter), Values(p.Second.parameter)));
            }
            finally { foreach (var t in shadows.Values) t.Dispose(); }
        }

        var ex = Assert.Throws<FileNotFoundException>(() => SrDiffusionModel.Load(without, ema: true));
        Assert.Contains(SrTrainer.EmaFile, ex.Message);
        Assert.Contains("--ema", ex.Message);
    }

    [Fact]
    public void Ema_FollowsItsClosedForm_IsSaved_AndResumesBitwise()
    {
        const double decay = 0.9;
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 4, checkpointEvery: 1, ema: decay) with { KeepCheckpoints = 0 };
        string a = dir.Sub("a"), b = dir.Sub("b");
        SrTrainer.Run(cfg, data, a);
        SrTrainer.Run(cfg, data, b, stopAfterStep: 2);
        SrTrainer.Run(cfg, data, b, resume: true);
        Assert.Equal(0, MaxStateDiff(Path.Combine(Checkpoint(a, 4), SrTrainer.EmaFile), Path.Combine(Checkpoint(b, 4), SrTrainer.EmaFile)));
        Assert.Equal(0, MaxStateDiff(Path.Combine(Checkpoint(a, 4), ModelFolder.ModelFile), Path.Combine(Checkpoint(b, 4), ModelFolder.ModelFile)));

        // shadow_k = d·shadow_(k−1) + (1 − d)·θ_k, shadow_0 = θ_0 (the seeded U-Net), θ_k the weights after step k.
        manual_seed(cfg.Seed);
        using var init = new SrDiffNetworks(cfg.Model);
        var shadow = init.Denoiser.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().to(ScalarType.Float64));
        try
        {
            for (long k = 1; k <= 4; k++)
            {
                var theta = StateDictFile.Read(Path.Combine(Checkpoint(a, k), ModelFolder.ModelFile));
                var ema = StateDictFile.Read(Path.Combine(Checkpoint(a, k), SrTrainer.EmaFile));
                try
                {
                    Assert.Equal(shadow.Keys.Order(), ema.Keys.Order());
                    double worst = 0, moved = 0;
                    foreach (var name in shadow.Keys)
                    {
                        var next = shadow[name] * decay + theta[StateDictFile.UnetPrefix + name].to(ScalarType.Float64) * (1 - decay);
                        shadow[name].Dispose();
                        shadow[name] = next;
                        worst = Math.Max(worst, (ema[name].to(ScalarType.Float64) - next).abs().max().item<double>());
                        moved = Math.Max(moved, (ema[name] - theta[StateDictFile.UnetPrefix + name]).abs().max().item<float>());
                    }
                    Assert.True(worst < 1e-6, $"EMA after step {k} differs from its closed form by {worst}");
                    Assert.True(moved > 0, "the EMA should lag the live weights");
                }
                finally { foreach (var t in theta.Values.Concat(ema.Values)) t.Dispose(); }
            }
        }
        finally { foreach (var t in shadow.Values) t.Dispose(); }
    }

    [Fact]
    public void CosineRun_ExtendedOnResume_FollowsTheNewHorizon_AndSaysSo()
    {
        // `samdiffsr train --steps N` ties the cosine horizon to N, so `--resume --steps M` changes both.
        using var dir = new TempDir();
        var data = TexturedDataset();
        TrainConfig Cosine(int steps) => TinyConfig(steps: steps, checkpointEvery: 2) with { Lr = new LearningRateSchedule(LrScheduleKind.Cosine, 1e-3, TotalSteps: steps) };
        string run = dir.Sub("run");
        SrTrainer.Run(Cosine(2), data, run);
        var lines = new List<string>();
        var more = SrTrainer.Run(Cosine(4), data, run, resume: true, log: lines.Add);
        Assert.Equal((2L, 4L), (more.StartStep, more.EndStep));
        Assert.Contains(lines, l => l.Contains("cosine learning-rate decay now spans 4 steps") && l.Contains("started with 2"));
        var lr = ReadLog(run).Lr;
        Assert.Equal(4, lr.Length);
        Assert.Equal(new LearningRateSchedule(LrScheduleKind.Cosine, 1e-3, TotalSteps: 2).At(1), lr[1], 12);   // before the resume: the old curve
        Assert.Equal(Cosine(4).Lr.At(2), lr[2], 12);                                                            // after: the new one
        Assert.Equal(Cosine(4).Lr.At(3), lr[3], 12);
    }

    [Fact]
    public void RunFolder_MismatchedConfigOrOccupiedFolder_IsRefusedClearly()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 2, checkpointEvery: 2);
        string run = dir.Sub("run");
        SrTrainer.Run(cfg, data, run);

        var noResume = Assert.Throws<IOException>(() => SrTrainer.Run(cfg, data, run));
        Assert.Contains("resume", noResume.Message);
        foreach (var other in new[] { cfg with { Seed = 8 }, cfg with { BatchSize = 3 }, cfg with { Diffusion = DiffusionOptions.SrDiff },
                                      cfg with { Model = ModelConfig.Tiny with { Hidden = 8 } }, cfg with { Patch = cfg.Patch with { Flips = false } } })
        {
            var ex = Assert.Throws<InvalidDataException>(() => SrTrainer.Run(other, data, run, resume: true));
            Assert.Contains("different configuration", ex.Message);
            Assert.Contains(Path.Combine(run, SrTrainer.RunConfigFile), ex.Message);
        }
        Assert.Equal(cfg, TrainConfig.Load(Path.Combine(run, SrTrainer.RunConfigFile)));   // the refused runs changed nothing
        // Only the step count may change: the run continues to 3.
        var more = SrTrainer.Run(cfg with { Steps = 3 }, data, run, resume: true);
        Assert.Equal((2L, 3L), (more.StartStep, more.EndStep));
        Assert.Equal(3, ReadLog(run).Loss.Length);

        // A folder holding something else is not a fresh run folder either.
        string other2 = dir.Sub("occupied");
        Directory.CreateDirectory(other2);
        File.WriteAllText(Path.Combine(other2, "notes.txt"), "mine");
        var occ = Assert.Throws<IOException>(() => SrTrainer.Run(cfg, data, other2));
        Assert.Contains("not empty", occ.Message);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(other2).Select(Path.GetFileName));
        // An empty existing folder is fine.
        string empty = dir.Sub("empty");
        Directory.CreateDirectory(empty);
        Assert.Equal(2, SrTrainer.Run(cfg, data, empty).EndStep);

        // Methods that need SPE maps refuse a dataset without them.
        var noMasks = new SrPatchDataset(data.Images.Select(i => i with { Mask = null }), 4, data.Options);
        var nm = Assert.Throws<InvalidDataException>(() => SrTrainer.Run(cfg, noMasks, dir.Sub("nomasks")));   // the one masks-needed check, as a data error
        Assert.Contains("SPE", nm.Message);
    }

    [Fact]
    public void Cancellation_StopsBetweenSteps_AndCheckpointsFirst()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 6, checkpointEvery: 5);
        using var cts = new CancellationTokenSource();
        string run = dir.Sub("run");
        var r = SrTrainer.Run(cfg, data, run, progress: new StepProgress(p => { if (p.Done == 2) cts.Cancel(); }), cancellationToken: cts.Token);
        Assert.Equal(2, r.EndStep);
        Assert.Equal(2, new CheckpointStore(Path.Combine(run, "checkpoints")).Latest()?.Step);
        Assert.Equal(Checkpoint(run, 2), r.LatestCheckpoint);
        var rest = SrTrainer.Run(cfg, data, run, resume: true);
        Assert.Equal((2L, 6L), (rest.StartStep, rest.EndStep));
        string straight = dir.Sub("straight");
        SrTrainer.Run(cfg, data, straight);
        Assert.Equal(ReadLog(straight).Loss, ReadLog(run).Loss);
    }

    [Fact]
    public void TrainingSteps_DoNotLeakTensors()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        foreach (var stage in new[] { TrainingStage.Diffusion, TrainingStage.Rrdb })
        {
            var cfg = TinyConfig(stage, steps: 7, checkpointEvery: 2, ema: 0.99);
            var live = new List<long>();
            SrTrainer.Run(cfg, data, dir.Sub(stage.ToString()),
                progress: new StepProgress(_ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount)));
            Assert.Equal(7, live.Count);
            // Step 1 creates Adam's moment buffers; from then on the count must not move (checkpoints every 2 steps included).
            Assert.True(live.Skip(1).All(c => c == live[1]), $"{stage}: live tensors per step {string.Join(",", live)}");
        }
    }
}
