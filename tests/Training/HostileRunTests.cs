using SamDiffSR.Diffusion;
using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Formats;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;
using static SamDiffSR.Tests.Training.TrainingTestData;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// Issue 15 at the library level: damaged checkpoint bookkeeping (<c>latest.json</c> = <c>{}</c>, wrong value types,
/// a missing <c>trainer.json</c>, a torn <c>model.pt</c>) makes resume fall back to the newest intact checkpoint and
/// say so; a start that fails leaves nothing that blocks the corrected rerun; resuming below the finished step is an
/// error; SPE maps with NaN/Inf and masks of another image's size are refused naming the files and sizes.
/// </summary>
public class HostileRunTests
{
    public HostileRunTests() => TorchRuntime.Initialize(threads: 1);

    private static string Ck(string run, long step) => Path.Combine(run, ModelFolder.CheckpointsFolder, CheckpointStore.FolderName(step));

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"step\": \"four\", \"folder\": 7}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"step\": 4, \"folder\": \"../../etc\"}")]
    [InlineData("not json")]
    public void LatestJson_OfTheWrongShape_FallsBackToTheNewestFolder(string latestJson)
    {
        using var t = new TempDir();
        var store = new CheckpointStore(t.Path, keep: 0);
        foreach (var s in new long[] { 2, 4 }) store.Save(s, f => File.WriteAllText(Path.Combine(f, "x"), "y"));
        File.WriteAllText(Path.Combine(t.Path, "latest.json"), latestJson);
        var lines = new List<string>();
        var latest = store.Latest(log: lines.Add);
        Assert.Equal(4, latest?.Step);
        Assert.Single(lines);
        Assert.Contains("latest.json", lines[0]);
    }

    [Fact]
    public void Resume_FallsBackFromATornOrIncompleteNewestCheckpoint_AndSaysSo()
    {
        using var t = new TempDir();
        var run = t.Sub("run");
        var cfg = TinyConfig(steps: 4, checkpointEvery: 2) with { KeepCheckpoints = 0 };
        SrTrainer.Run(cfg, TexturedDataset(), run, stopAfterStep: 4);
        // Damage the newest checkpoint three ways in turn; each resume starts from step 2 and says why.
        var damage = new (string Name, Action<string> Apply)[]
        {
            ("torn model.pt", f => { var p = Path.Combine(f, ModelFolder.ModelFile); var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length / 2)]); }),
            ("missing trainer.json", f => File.Delete(Path.Combine(f, SrTrainer.TrainerStateFile))),
            ("trainer.json {}", f => File.WriteAllText(Path.Combine(f, SrTrainer.TrainerStateFile), "{}")),
            ("torn optimizer.bin", f => { var p = Path.Combine(f, SrTrainer.OptimizerFile); var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length / 3)]); }),
        };
        var pristine = t.Sub("pristine_step4");
        CopyDir(Ck(run, 4), pristine);
        foreach (var (name, apply) in damage)
        {
            if (Directory.Exists(Ck(run, 4))) Directory.Delete(Ck(run, 4), true);
            foreach (var later in Directory.GetDirectories(Path.Combine(run, ModelFolder.CheckpointsFolder), "step_*").Where(d => string.CompareOrdinal(Path.GetFileName(d), CheckpointStore.FolderName(4)) > 0))
                Directory.Delete(later, true);
            CopyDir(pristine, Ck(run, 4));
            apply(Ck(run, 4));
            File.WriteAllText(Path.Combine(run, ModelFolder.CheckpointsFolder, "latest.json"), "{}");
            var lines = new List<string>();
            var r = SrTrainer.Run(cfg with { Steps = 5 }, TexturedDataset(), run, resume: true, log: lines.Add);
            Assert.True(r.StartStep == 2, $"{name}: resumed from {r.StartStep}");
            Assert.Contains(lines, l => l.Contains(CheckpointStore.FolderName(4)) && l.Contains("falling back"));
        }
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [Fact]
    public void ModelFolder_SkipsADamagedNewestCheckpoint_ForEvalToo()
    {
        using var t = new TempDir();
        var run = t.Sub("run");
        SrTrainer.Run(TinyConfig(steps: 4, checkpointEvery: 2), TexturedDataset(), run);
        File.WriteAllBytes(Path.Combine(Ck(run, 4), ModelFolder.ModelFile), [1, 2, 3]);
        var lines = new List<string>();
        Assert.Equal(Ck(run, 2), ModelFolder.Resolve(run, out _, lines.Add));
        Assert.Contains(lines, l => l.Contains("damaged"));
        using var m = SrDiffusionModel.Load(run);
        Assert.Equal(4, m.Scale);
    }

    [Fact]
    public void ResumeBelowTheFinishedStep_IsAnError_AndLeavesTheRunAsItWas()
    {
        using var t = new TempDir();
        var run = t.Sub("run");
        var cfg = TinyConfig(steps: 4, checkpointEvery: 2);
        SrTrainer.Run(cfg, TexturedDataset(), run);
        var before = File.ReadAllText(Path.Combine(run, SrTrainer.RunConfigFile));
        var ex = Assert.Throws<InvalidDataException>(() => SrTrainer.Run(cfg with { Steps = 2 }, TexturedDataset(), run, resume: true));
        Assert.Contains("already at step 4", ex.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, SrTrainer.RunConfigFile)));
        Assert.True(Directory.Exists(Ck(run, 4)));
    }

    [Fact]
    public void AFailedStart_LeavesNothing_SoTheCorrectedRerunIsNotBlocked()
    {
        using var t = new TempDir();
        var run = t.Sub("run");
        // 1. --rrdb of another architecture: refused before anything is created.
        var rrdbRun = t.Sub("rrdb");
        SrTrainer.Run(TinyConfig(TrainingStage.Rrdb, steps: 1, checkpointEvery: 1), TexturedDataset(), rrdbRun);
        var otherModel = TinyConfig() with { Model = ModelConfig.Tiny with { RrdbNumBlock = ModelConfig.Tiny.RrdbNumBlock + 1 } };
        var ex = Assert.Throws<InvalidDataException>(() => SrTrainer.Run(otherModel, TexturedDataset(), run, rrdbWeights: rrdbRun));
        Assert.Contains("--rrdb", ex.Message);
        Assert.False(Directory.Exists(run));
        // 2. A missing --rrdb path: refused before anything is created.
        Assert.Throws<FileNotFoundException>(() => SrTrainer.Run(TinyConfig(), TexturedDataset(), run, rrdbWeights: t.Sub("nope")));
        Assert.False(Directory.Exists(run));
        // 3. A failure after the folder was made (an unreadable weight file): what the start created is removed.
        var junk = t.Sub("junk.pt");
        File.WriteAllBytes(junk, [1, 2, 3, 4]);
        Assert.ThrowsAny<Exception>(() => SrTrainer.Run(TinyConfig(), TexturedDataset(), run, rrdbWeights: junk));
        Assert.False(Directory.Exists(run));
        // 4. A non-finite learning rate is refused by the configuration check.
        var nanLr = TinyConfig() with { Lr = new LearningRateSchedule(LrScheduleKind.Constant, double.NaN) };
        Assert.Throws<InvalidDataException>(() => SrTrainer.Run(nanLr, TexturedDataset(), run));
        Assert.Throws<InvalidDataException>(() => SrTrainer.Run(TinyConfig() with { Lr = new LearningRateSchedule(LrScheduleKind.Constant, -1) }, TexturedDataset(), run));
        Assert.False(Directory.Exists(run));
        // The corrected rerun works.
        var ok = SrTrainer.Run(TinyConfig(steps: 1, checkpointEvery: 1), TexturedDataset(), run, rrdbWeights: rrdbRun);
        Assert.Equal(1, ok.EndStep);
    }

    [Fact]
    public void SpeMapWithNaNOrInf_IsRefusedOnLoad_NamingTheFile()
    {
        using var t = new TempDir();
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var v = PositionMap(8, 8).ToArray();
            v[9] = bad;
            NpyFile.Write(t.Sub("a.npy"), new SpeMap(8, 8, v));
            var ex = Assert.Throws<InvalidDataException>(() => new MaskStore(t.Path).Load("a.png", 8, 8));
            Assert.Contains("a.npy", ex.Message);
            Assert.Contains("row 1, column 1", ex.Message);
        }
    }

    [Fact]
    public void MaskOfAnotherSize_IsAnError_NamingBothFilesAndSizes_OnlyTheModcropRemainderIsTrimmed()
    {
        using var t = new TempDir();
        NpyFile.Write(t.Sub("a.npy"), PositionMap(480, 500));
        var store = new MaskStore(t.Path, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage, MaxTrim: 3));
        var ex = Assert.Throws<InvalidDataException>(() => store.Load("/data/a.png", 176, 196));   // issue 15's case
        foreach (var part in new[] { "a.npy", "/data/a.png", "480", "500", "176", "196" }) Assert.Contains(part, ex.Message);
        Assert.Equal((477, 497), (store.Load("a.png", 477, 497).Height, store.Load("a.png", 477, 497).Width));   // x4 modcrop remainder
        Assert.Throws<InvalidDataException>(() => store.Load("a.png", 476, 500));   // 4 rows is more than scale − 1
        // The default bound (7, the remainder at x8) also refuses the tester's case.
        Assert.Throws<InvalidDataException>(() => new MaskStore(t.Path, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage)).Load("a.png", 176, 196));
    }
}
