using SamDiffSR.Runtime;
using SamDiffSR.Training;
using TorchSharp;
using Xunit;
using SamDiffSR.IO;

namespace SamDiffSR.Tests.Training;

public class TrainingInfrastructureTests
{
    [Fact]
    public void StepSchedule_IsTheOfficialStepLR()
    {
        var s = new LearningRateSchedule(LrScheduleKind.Step, 2e-4, StepSize: 200_000, Gamma: 0.5);
        Assert.Equal(2e-4, s.At(0));
        Assert.Equal(2e-4, s.At(199_999));
        Assert.Equal(1e-4, s.At(200_000));
        Assert.Equal(1e-4, s.At(399_999));
    }

    [Fact]
    public void CosineSchedule_FallsFromBaseToMin()
    {
        var s = new LearningRateSchedule(LrScheduleKind.Cosine, 2e-4, TotalSteps: 1000, MinLr: 1e-6);
        Assert.Equal(2e-4, s.At(0), 12);
        Assert.Equal(1e-6 + (2e-4 - 1e-6) / 2, s.At(500), 12);
        Assert.Equal(1e-6, s.At(1000), 12);
        Assert.Equal(1e-6, s.At(5000), 12);
        var w = s with { WarmupSteps = 10 };
        Assert.Equal(2e-5, w.At(0), 12);
        Assert.Equal(2e-4, w.At(10), 12);
    }

    [Fact]
    public void CheckpointStore_PublishesAtomically_FindsLatest_AndPrunes()
    {
        var dir = Directory.CreateTempSubdirectory("ckpt").FullName;
        try
        {
            var store = new CheckpointStore(dir, keep: 2);
            Assert.Null(store.Latest());
            foreach (var step in new[] { 10L, 20, 30 })
                store.Save(step, f => File.WriteAllText(Path.Combine(f, "state.txt"), step.ToString()));
            var latest = store.Latest()!.Value;
            Assert.Equal(30, latest.Step);
            Assert.Equal("30", File.ReadAllText(Path.Combine(latest.Folder, "state.txt")));
            Assert.Equal(2, Directory.GetDirectories(dir, "step_*").Length); // pruned to 2
            // A save that throws half-way leaves the previous checkpoint as latest and no visible folder.
            Assert.Throws<IOException>(() => store.Save(40, f => { File.WriteAllText(Path.Combine(f, "half"), "x"); throw new IOException("killed"); }));
            Assert.Equal(30, store.Latest()!.Value.Step);
            Assert.False(Directory.Exists(Path.Combine(dir, CheckpointStore.FolderName(40))));
            // A leftover temp folder from a SIGKILL is ignored and pruned; a lost latest.json falls back to a scan.
            Directory.CreateDirectory(Path.Combine(dir, ".step_00000050.123.abc.tmp"));
            File.Delete(Path.Combine(dir, "latest.json"));
            Assert.Equal(30, store.Latest()!.Value.Step);
            store.Prune();
            Assert.Empty(Directory.GetDirectories(dir, ".step_*"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CsvLog_DropsRowsPastTheResumedStep_AndTornLines()
    {
        var dir = Directory.CreateTempSubdirectory("csv").FullName;
        try
        {
            var path = Path.Combine(dir, "log.csv");
            using (var log = CsvLog.Open(path, ["step", "loss"]))
                for (int i = 0; i < 5; i++) log.Append(i, 1.0 / (i + 1));
            File.AppendAllText(path, "5,0.1"); // torn line without newline... complete but unterminated
            File.AppendAllText(path, "\n6,");  // torn line
            using (var log = CsvLog.Open(path, ["step", "loss"], keepBelowStep: 3)) log.Append(3, 0.25);
            var (cols, rows) = CsvLog.Read(path);
            Assert.Equal(["step", "loss"], cols);
            Assert.Equal([0.0, 1, 2, 3], rows.Select(r => r[0]));
            Assert.Equal(0.5, rows[1][1]);
            Assert.Throws<InvalidDataException>(() => CsvLog.Open(path, ["step", "other"]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Ema_TracksParameters_AndSwapRestores()
    {
        TorchRuntime.Initialize(threads: 1, seed: 3);
        using var lin = torch.nn.Linear(2, 1);
        using var ema = new ExponentialMovingAverage(lin, 0.5);
        var w0 = lin.weight!.detach().clone();
        using (torch.no_grad()) lin.weight!.add_(1.0);
        ema.Update(); // shadow = 0.5 w0 + 0.5 (w0 + 1) = w0 + 0.5
        using (ema.SwapIn())
            Assert.True(lin.weight!.allclose(w0 + 0.5, 1e-6, 1e-6));
        Assert.True(lin.weight!.allclose(w0 + 1.0, 1e-6, 1e-6));
    }
}
