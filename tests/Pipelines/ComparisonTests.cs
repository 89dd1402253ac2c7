using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Models;
using SamDiffSR.Pipelines;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Tests.Training;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Pipelines;

/// <summary>The comparison pipeline: common random numbers, resume after a kill, determinism.</summary>
public class ComparisonTests
{
    private sealed class SyncProgress(Action<ProgressInfo> a) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => a(value);
    }

    [Fact]
    public void SameSeed_SameBatches_WithOrWithoutMasks()
    {
        var data = TrainingTestData.TexturedDataset(count: 3, size: 40, patch: 16);
        for (long step = 0; step < 4; step++)
        {
            using var a = data.GetBatch(step, 2, seed: 5, withMasks: false);
            using var b = data.GetBatch(step, 2, seed: 5, withMasks: true);
            Assert.True(a.Hr.eq(b.Hr).all().item<bool>());
            Assert.True(a.Lr.eq(b.Lr).all().item<bool>());
            Assert.True(a.LrUp.eq(b.LrUp).all().item<bool>());
        }
    }

    [Fact]
    public void SrDiffAndSamDiffSR_WithZeroMasks_TrainIdentically_SoInitBatchesTAndEpsAreShared()
    {
        // With E = 0 the Paper-mode forward process and target are SRDiff's; equal loss curves bit for bit prove that both
        // runs start from the same weights and draw the same batches, t and ε (the comparison's common random numbers).
        TorchRuntime.Initialize(1);
        var images = TrainingTestData.TexturedDataset(count: 3, size: 40, patch: 16).Images
            .Select(i => i with { Mask = new SamDiffSR.Masks.SpeMap(i.Mask!.Height, i.Mask.Width, new float[i.Mask.Height * i.Mask.Width]) }).ToList();
        var data = new SrPatchDataset(images, 4, new PatchOptions(16, Flips: true, Rotations: true));
        using var dir = new TempDir();
        double[] Losses(DiffusionOptions d, string name)
        {
            var cfg = TrainingTestData.TinyConfig(diffusion: d, steps: 5, checkpointEvery: 5);
            SrTrainer.Run(cfg, data, dir.Sub(name));
            return CsvLog.Read(Path.Combine(dir.Sub(name), SrTrainer.LogFile)).Rows.Select(r => r[1]).ToArray();
        }
        var srdiff = Losses(DiffusionOptions.SrDiff, "srdiff");
        var paper = Losses(DiffusionOptions.SamDiffSRPaper, "paper");
        var official = Losses(DiffusionOptions.SamDiffSROfficial, "official");
        Assert.Equal(5, srdiff.Length);
        Assert.Equal(srdiff, paper);
        Assert.Equal(srdiff, official);
        // and a different seed does change them (the assertion above can fail)
        var other = TrainingTestData.TinyConfig(diffusion: DiffusionOptions.SrDiff, steps: 5, checkpointEvery: 5, seed: 8);
        SrTrainer.Run(other, data, dir.Sub("seed8"));
        Assert.NotEqual(srdiff, CsvLog.Read(Path.Combine(dir.Sub("seed8"), SrTrainer.LogFile)).Rows.Select(r => r[1]).ToArray());
    }

    [Fact]
    public void DiffusionConfigs_OfOneSeed_ShareSeedBudgetAndPatchPositions()
    {
        var o = new ComparisonOptions("x", ModelConfig.Tiny, StudyProfiles.Methods, [3], 10, 20);
        var cfgs = new[] { ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRReleased, ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SamConcat }
            .Select(m => Comparison.DiffusionConfig(o, m, 3)).ToList();
        Assert.All(cfgs, c => Assert.Equal((3L, 20, 8, 64, true, true), (c.Seed, c.Steps, c.BatchSize, c.Patch.HrPatch, c.Patch.Flips, c.Patch.Rotations)));
        Assert.All(cfgs, c => Assert.Equal(SamDiffSR.Training.MaskAlignment.Aligned, c.Patch.Alignment));   // crops independent of the masks
        Assert.Equal(1, cfgs[3].Model.ExtraInputChannels);   // SAM+SRDiff: one more input channel, so its initial weights differ
        Assert.Equal(ModulationMode.OfficialCode, cfgs[1].Diffusion.EffectiveModulation);
        Assert.Equal(ModulationMode.Paper, cfgs[2].Diffusion.EffectiveModulation);
        // loss and LR schedule come from the base (paper) recipe for every row, so the rows differ only in the method
        Assert.All(cfgs, c => Assert.Equal((LossType.L2, LrScheduleKind.Cosine), (c.Diffusion.Loss, c.Lr.Kind)));
        Assert.Equal(SpeReduce.AllSameToZero, cfgs[2].Patch.Reduce);   // the paper recipe's reduce rule (Table 6)
        Assert.Equal(SpeReduce.None, cfgs[1].Patch.Reduce);            // the released code's
    }

    private static ComparisonOptions TinyGrid(string outDir, string train, string eval) =>
        new(outDir, ModelConfig.Tiny,
            [ComparisonMethod.Bicubic, ComparisonMethod.Rrdb, ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SrDiffClipped],
            [0, 1], RrdbSteps: 2, DiffusionSteps: 3, BatchSize: 1, Patch: 16, EvalSets: [eval], CurvePoints: 3, CurveImages: 1, TrainSet: train);

    private static (string Train, string Eval) Folders(TempDir dir)
    {
        string train = dir.Sub("train"), eval = dir.Sub("eval");
        Directory.CreateDirectory(train); Directory.CreateDirectory(eval);
        for (int i = 0; i < 3; i++) ImageIO.SavePng(TrainingTestData.Textured(40 + 8 * i, 40, 10 + i), Path.Combine(train, $"t{i}.png"));
        for (int i = 0; i < 2; i++) ImageIO.SavePng(TrainingTestData.Textured(32, 24 + 8 * i, 50 + i), Path.Combine(eval, $"e{i}.png"));
        return (train, eval);
    }

    [Fact]
    public void ParallelRuns_TrainsEveryRunAsAOneThreadRun_SideBySide_AndRestoresTheThreads()
    {
        TorchRuntime.Initialize(1);
        using var dir = new TempDir();
        var (train, eval) = Folders(dir);
        ComparisonOptions Grid(string outDir, int parallel) =>
            new(outDir, ModelConfig.Tiny,
                [ComparisonMethod.Bicubic, ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SamDiffSRReleased],
                [0], RrdbSteps: 2, DiffusionSteps: 4, BatchSize: 1, Patch: 16, EvalSets: [eval], TrainSet: train, ParallelRuns: parallel);
        var serial = Comparison.Run(Grid(dir.Sub("serial"), 1));   // every run on the runtime's one thread, one after another

        // Side by side, from a runtime with 2 threads: each run must still be a one-thread run, so bitwise the same.
        TorchRuntime.Threads = 2;
        var runThreads = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var progress = new SyncProgress(p => { if (p.Message?.Contains(" loss ") == true) runThreads[p.Message.Split(" loss ")[0]] = TorchRuntime.Threads; });
        ComparisonResult parallel;
        try { parallel = Comparison.Run(Grid(dir.Sub("parallel"), 3), progress: progress); }
        finally { Assert.Equal(2, TorchRuntime.Threads); TorchRuntime.Threads = 1; }   // restored for the caller

        Assert.Equal(["seed 0 samdiffsr-paper", "seed 0 samdiffsr-released", "seed 0 srdiff"], runThreads.Keys.Where(k => !k.Contains("rrdb")).Order());
        Assert.All(runThreads, kv => Assert.Equal(1, kv.Value));   // RRDB and every diffusion run reported from a one-thread libtorch
        foreach (var run in new[] { "rrdb", "srdiff", "samdiffsr-paper", "samdiffsr-released" })
        {
            string a = Comparison.RunDirectory(dir.Sub("serial"), 0, run), b = Comparison.RunDirectory(dir.Sub("parallel"), 0, run);
            double[] Losses(string r) => CsvLog.Read(Path.Combine(r, SrTrainer.LogFile)).Rows.Select(x => x[1]).ToArray();
            Assert.Equal(Losses(a), Losses(b));
            var wa = StateDictFile.Read(ModelFolder.ResolveModelFile(a));
            var wb = StateDictFile.Read(ModelFolder.ResolveModelFile(b));
            try
            {
                Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
                Assert.All(wa.Keys, k => Assert.Equal(TrainingTestData.Values(wa[k]), TrainingTestData.Values(wb[k])));
            }
            finally { foreach (var t in wa.Values.Concat(wb.Values)) t.Dispose(); }
        }
        // Evaluation ran on the runtime's 2 threads here and on 1 in the serial run: the same models, so the same table
        // up to the summation order of the convolutions.
        Assert.All(serial.Evaluations.Zip(parallel.Evaluations), p =>
        {
            Assert.Equal(p.First.Method, p.Second.Method);
            Assert.Equal(p.First.Psnr, p.Second.Psnr, 1e-3);
        });
        Assert.Throws<ArgumentException>(() => Grid(dir.Sub("bad"), 0).Validate());
    }

    [Fact]
    public void RunSideBySide_ReturnsInJobOrder_AndRethrowsTheFirstFailureAfterAllEnded()
    {
        var ended = new System.Collections.Concurrent.ConcurrentBag<int>();
        Func<int> Job(int i, bool fail = false) => () => { Thread.Sleep(20 * (3 - i)); ended.Add(i); if (fail) throw new InvalidDataException($"job {i}"); return i * 10; };
        Assert.Equal([0, 10, 20], Comparison.RunSideBySide([Job(0), Job(1), Job(2)], 2));
        Assert.Equal([0, 10, 20], Comparison.RunSideBySide([Job(0), Job(1), Job(2)], 1));
        ended.Clear();
        var ex = Assert.Throws<InvalidDataException>(() => Comparison.RunSideBySide([Job(0), Job(1, fail: true), Job(2)], 3));
        Assert.Equal("job 1", ex.Message);
        Assert.Equal(3, ended.Count);   // the others finished; nothing is left running
    }

    [Fact]
    public void TinyGrid_KilledMidGrid_ResumesToTheSameResults_AndIsDeterministic()
    {
        TorchRuntime.Initialize(1);
        using var dir = new TempDir();
        var (train, eval) = Folders(dir);
        var full = Comparison.Run(TinyGrid(dir.Sub("full"), train, eval));

        // kill during seed 1's SAM-DiffSR training (after seed 0 is fully evaluated), then run again
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Message?.Contains("seed 1 samdiffsr-paper") == true) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Comparison.Run(TinyGrid(dir.Sub("killed"), train, eval), progress: progress, cancellationToken: cts.Token));
        Assert.False(File.Exists(Path.Combine(dir.Sub("killed"), Comparison.ResultsFile)));
        var resumed = Comparison.Run(TinyGrid(dir.Sub("killed"), train, eval));
        Assert.Contains(resumed.Stages, s => s.Resumed && s.Stage == "seed 0 srdiff");
        Assert.Contains(resumed.Stages, s => !s.Resumed && s.Stage == "seed 1 samdiffsr-paper");

        Assert.Equal(full.Evaluations.Count, resumed.Evaluations.Count);
        Assert.Equal(2 * 5, full.Evaluations.Count);
        // Determinism: a second uninterrupted run gives bitwise the same numbers.
        var again = Comparison.Run(TinyGrid(dir.Sub("again"), train, eval));
        Assert.Equal(full.Evaluations.SelectMany(e => e.Images.Select(i => (i.Psnr, i.Ssim, i.Artifact))),
                     again.Evaluations.SelectMany(e => e.Images.Select(i => (i.Psnr, i.Ssim, i.Artifact))));
        // Resume: everything finished before the kill is reused as is; the run killed mid-training continues from its
        // checkpoint. Its losses match the uninterrupted run to ~1e-6 (not bitwise: with the cosine schedule the step after
        // a resume differs in the 7th digit; SrTrainerTests' bitwise resume uses a constant rate), so compare with tolerance.
        double[] Log(string root) => CsvLog.Read(Path.Combine(Comparison.RunDirectory(root, 1, "samdiffsr-paper"), SrTrainer.LogFile)).Rows.Select(r => r[1]).ToArray();
        Assert.All(Log(dir.Sub("full")).Zip(Log(dir.Sub("killed"))), p => Assert.Equal(p.First, p.Second, 1e-5));
        foreach (var (a, b) in full.Evaluations.Zip(resumed.Evaluations))
        {
            Assert.Equal((a.Method, a.Seed), (b.Method, b.Seed));
            bool killedRun = a.Seed == 1 && a.Method == "SAM-DiffSR (paper)";
            foreach (var (x, y) in a.Images.Zip(b.Images))
                if (killedRun) Assert.Equal(x.Psnr, y.Psnr, 1e-3);
                else Assert.Equal(x.Psnr, y.Psnr);   // bitwise: reused or recomputed from identical runs
        }
        Assert.Equal(full.Curves.Where(c => c.Seed == 0).Select(c => c.Psnr), resumed.Curves.Where(c => c.Seed == 0).Select(c => c.Psnr));
        Assert.Equal(2 * 3 * 3, full.Curves.Count);   // 2 seeds × (SRDiff, SRDiff clipped, SAM-DiffSR paper) × 3 checkpoints
        // every diffusion row under the one policy, the clipped row with clipping only
        Assert.All(full.Evaluations.Where(e => e.Sampling is not null), e => Assert.Equal(("jump", 9), (e.Sampling!.Sampler, e.Sampling.Steps)));
        Assert.All(full.Evaluations.Where(e => e.Sampling is not null), e => Assert.Equal(e.Method == "SRDiff, x0 clipped", e.Sampling!.Clip));
        // paired statistics vs SRDiff over the two seeds, and results.json round-trips
        Assert.Contains(full.Differences, d => d.Method == "SAM-DiffSR (paper)" && d.Metric == "psnr" && d.N == 2 && d.Low is not null);
        // a clipped row is compared with clipped SRDiff only, never with the unclipped rows
        Assert.DoesNotContain(full.Differences, d => d.Method == "SRDiff, x0 clipped");
        var loaded = Comparison.Load(Path.Combine(dir.Sub("full"), Comparison.ResultsFile));
        Assert.Equal(full.Evaluations.Select(e => e.Psnr), loaded.Evaluations.Select(e => e.Psnr));
        StudyReport.Write(loaded, dir.Sub("full"));
        var md = File.ReadAllText(Path.Combine(dir.Sub("full"), "report.md"));
        Assert.Contains("contains 0?", md);
        Assert.Contains("| training |", md);   // where the time goes, by part
        // gallery: LR, one crop per row that has SR images (bicubic, RRDB, SRDiff, SAM-DiffSR paper, SRDiff clipped), HR
        var tiles = StudyReport.WriteGallery(loaded, dir.Sub("full"), crop: 16).Select(Path.GetFileName).ToList();
        Assert.Equal(["eval-00-lr.png", "eval-01-bicubic.png", "eval-02-rrdb.png", "eval-03-srdiff.png", "eval-04-samdiffsr-paper.png",
                      "eval-05-srdiff-clipped.png", "eval-99-hr.png"], tiles);
        Assert.All(tiles, t => Assert.Equal(16, SamDiffSR.Data.ImageIO.Load(Path.Combine(dir.Sub("full"), "gallery", t!)).Width));
    }

    [Fact]
    public void ReleasedSigmaRows_ShareTheSamplerWithSamDiffSRReleased_PairPerSigma_AndOldEvalsGetTheirSigma()
    {
        TorchRuntime.Initialize(1);
        using var dir = new TempDir();
        var (train, eval) = Folders(dir);
        ComparisonMethod[] rows = [ComparisonMethod.Bicubic, ComparisonMethod.SrDiffReleasedSigmaClipped, ComparisonMethod.SamDiffSRReleasedClipped,
                                   ComparisonMethod.SrDiffClipped, ComparisonMethod.SrDiffReleasedSigma];
        var o = new ComparisonOptions(dir.Sub("grid"), ModelConfig.Tiny, rows, [0, 1], RrdbSteps: 2, DiffusionSteps: 3, BatchSize: 1, Patch: 16,
                                      EvalSets: [eval], CurvePoints: 0, TrainSet: train);
        var r = Comparison.Run(o);
        SamplingRecord Rec(string label) => r.Evaluations.First(e => e.Method == label).Sampling!;
        Assert.Equal(("released", true), (Rec("SRDiff (released σ), x0 clipped").Sigma, Rec("SRDiff (released σ), x0 clipped").Clip));
        Assert.Equal("released", Rec("SAM-DiffSR (released), x0 clipped").Sigma);
        Assert.Equal("paper", Rec("SRDiff, x0 clipped").Sigma);
        Assert.Equal(("released", false), (Rec("SRDiff (released σ)").Sigma, Rec("SRDiff (released σ)").Clip));
        // one trained SRDiff run serves all three SRDiff rows; the released-σ and Paper-σ rows sample it differently
        Assert.DoesNotContain(r.Stages, s => s.Stage.Contains("srdiff-released-sigma") && !s.Stage.Contains(" eval "));
        Assert.NotEqual(r.Evaluations.First(e => e.Method == "SRDiff, x0 clipped").Psnr, r.Evaluations.First(e => e.Method == "SRDiff (released σ), x0 clipped").Psnr);
        // SAM-DiffSR (released) is paired with the SRDiff row that runs its coefficients, not with the Paper-σ one
        var d = r.Differences.Single(x => x.Method == "SAM-DiffSR (released), x0 clipped" && x.Metric == "psnr");
        var mine = r.Evaluations.Where(e => e.Method == d.Method).OrderBy(e => e.Seed).Select(e => e.Psnr).ToArray();
        var refs = r.Evaluations.Where(e => e.Method == "SRDiff (released σ), x0 clipped").OrderBy(e => e.Seed).Select(e => e.Psnr).ToArray();
        Assert.Equal(mine.Zip(refs, (a, b) => a - b).Average(), d.Mean, 9);
        Assert.Contains("released code's jump", r.PolicyDescription);
        Assert.Contains("and sigma", r.PolicyDescription);

        // an evaluation saved before the sigma was recorded is completed from the row on resume, without re-sampling
        var file = Directory.GetFiles(Path.Combine(dir.Sub("grid"), "eval"), "srdiff-clipped-*.json", SearchOption.AllDirectories).First();
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!;
        var sampling = node.AsObject().First(p => p.Key.Equals("sampling", StringComparison.OrdinalIgnoreCase)).Value!.AsObject();
        var sigmaKey = sampling.Select(p => p.Key).Single(k => k.Equals("sigma", StringComparison.OrdinalIgnoreCase));
        sampling.Remove(sigmaKey);
        File.WriteAllText(file, node.ToJsonString());
        var again = Comparison.Run(o);
        Assert.All(again.Evaluations.Where(e => e.Sampling is not null), e => Assert.NotNull(e.Sampling!.Sigma));
        Assert.Equal(r.Evaluations.Select(e => e.Psnr), again.Evaluations.Select(e => e.Psnr));
        Assert.All(again.Stages.Where(s => s.Stage.Contains(" eval ")), s => Assert.True(s.Resumed, s.Stage));
    }
}
