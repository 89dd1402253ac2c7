using System.Text.Json;
using SamDiffSR.IO;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <see cref="TrainConfig.Precision"/> and <see cref="LossScaler"/> on the CPU: the scaler's GradScaler rules, bf16 and
/// fp16 training steps close to float32 with float32 weights, the scaler state in checkpoints, the data-wait column,
/// and old config files (no Precision key) still reading as float32.
/// </summary>
public class MixedPrecisionTrainingTests
{
    private readonly ITestOutputHelper log;

    public MixedPrecisionTrainingTests(ITestOutputHelper log)
    {
        this.log = log;
        TorchRuntime.Initialize(threads: 1);
    }

    [Fact]
    public void LossScaler_UnscalesGradients_SkipsOnInf_HalvesAndGrows()
    {
        using var scope = NewDisposeScope();
        var p = ones(3).requires_grad_(true);
        var s = new LossScaler(initialScale: 8, growthInterval: 2);
        s.ScaleLoss((p * tensor(new float[] { 1, 2, 3 })).sum()).backward();
        Assert.True(s.UnscaleAndCheck([p]));
        Assert.Equal(new float[] { 1, 2, 3 }, p.grad!.data<float>().ToArray());   // 8·g / 8
        s.Update(true); Assert.Equal(8, s.Scale);
        s.Update(true); Assert.Equal(16, s.Scale);                                 // grows after 2 good steps
        p.grad!.fill_(float.PositiveInfinity);
        Assert.False(s.UnscaleAndCheck([p]));
        s.Update(false);
        Assert.Equal((8.0, 0, 1L), (s.Scale, s.GoodSteps, s.SkippedSteps));
        Assert.Throws<ArgumentException>(() => new LossScaler(backoffFactor: 1.5));
    }

    private static double[] Losses(string run) => CsvLog.Read(Path.Combine(run, SrTrainer.LogFile)).Rows.Select(r => r[1]).ToArray();

    [Fact]
    public void Bf16AndFp16Training_StayCloseToFp32_KeepFloat32Weights_AndLogDataWait()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 3, checkpointEvery: 3);
        string f32 = dir.Sub("fp32"), b16 = dir.Sub("bf16"), f16 = dir.Sub("fp16");
        SrTrainer.Run(cfg, data, f32);
        SrTrainer.Run(cfg with { Precision = Precision.Bf16 }, data, b16);
        SrTrainer.Run(cfg with { Precision = Precision.Fp16 }, data, f16);
        double[] a = Losses(f32), b = Losses(b16), c = Losses(f16);
        log.WriteLine($"losses fp32 {string.Join(", ", a)} | bf16 {string.Join(", ", b)} | fp16 {string.Join(", ", c)}");
        Assert.Equal(3, b.Length);
        // Step 0 sees the same batch, t and ε; only the arithmetic differs (bf16: 8 mantissa bits, fp16: 11).
        Assert.NotEqual(a[0], b[0]);
        Assert.InRange(Math.Abs(a[0] - b[0]) / a[0], 0, 0.02);
        Assert.InRange(Math.Abs(a[0] - c[0]) / a[0], 0, 0.005);
        Assert.All(b.Concat(c), l => Assert.True(double.IsFinite(l)));

        var weights = StateDictFile.Read(Path.Combine(b16, "checkpoints", CheckpointStore.FolderName(3), "model.pt"));
        Assert.All(weights, kv => Assert.True(kv.Value.dtype is ScalarType.Float32 or ScalarType.Int64, $"{kv.Key} is {kv.Value.dtype}"));

        using var fp16State = JsonDocument.Parse(File.ReadAllText(Path.Combine(f16, "checkpoints", CheckpointStore.FolderName(3), SrTrainer.TrainerStateFile)));
        Assert.True(fp16State.RootElement.GetProperty("lossScale").GetDouble() > 0);
        using var bf16State = JsonDocument.Parse(File.ReadAllText(Path.Combine(b16, "checkpoints", CheckpointStore.FolderName(3), SrTrainer.TrainerStateFile)));
        Assert.False(bf16State.RootElement.TryGetProperty("lossScale", out _));

        var (cols, rows) = CsvLog.Read(Path.Combine(b16, SrTrainer.LogFile));
        Assert.Equal("data_wait_s", cols[^1]);
        Assert.All(rows, r => Assert.InRange(r[4], 0, r[3] + 1e-3));   // a step's wait is part of the cumulative time
        Assert.Contains("\"Precision\": \"Bf16\"", File.ReadAllText(Path.Combine(b16, SrTrainer.RunConfigFile)));
    }

    private sealed class StepProgress(Action<ProgressInfo> onReport) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => onReport(value);
    }

    [Theory]
    [InlineData(Precision.Bf16)]
    [InlineData(Precision.Fp16)]
    public void MixedPrecisionSteps_DoNotLeakTensors(Precision precision)
    {
        using var dir = new TempDir();
        var cfg = TinyConfig(steps: 6, checkpointEvery: 2, ema: 0.99) with { Precision = precision };
        var live = new List<long>();
        SrTrainer.Run(cfg, TexturedDataset(), dir.Sub("run"),
            progress: new StepProgress(_ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount)));
        Assert.Equal(6, live.Count);
        Assert.True(live.Skip(1).All(c => c == live[1]), $"{precision}: live tensors per step {string.Join(",", live)}");
    }

    [Fact]
    public void ConfigWithoutPrecision_ReadsAsFp32_AndALogWithoutDataWaitStillResumes()
    {
        using var dir = new TempDir();
        var data = TexturedDataset();
        var cfg = TinyConfig(steps: 4, checkpointEvery: 2);
        string run = dir.Sub("old");
        SrTrainer.Run(cfg, data, run, stopAfterStep: 2);
        // Make the run look like one written before the option and the column existed.
        string cfgPath = Path.Combine(run, SrTrainer.RunConfigFile), logPath = Path.Combine(run, SrTrainer.LogFile);
        File.WriteAllText(cfgPath, File.ReadAllText(cfgPath).Replace(",\n  \"Precision\": \"Fp32\"", ""));
        Assert.DoesNotContain("Precision", File.ReadAllText(cfgPath));
        Assert.Equal(Precision.Fp32, TrainConfig.Load(cfgPath).Precision);
        File.WriteAllLines(logPath, File.ReadAllLines(logPath).Select(l => string.Join(',', l.Split(',').Take(4))));
        var r = SrTrainer.Run(cfg, data, run, resume: true);
        Assert.Equal((2L, 4L), (r.StartStep, r.EndStep));
        var (cols, rows) = CsvLog.Read(logPath);
        Assert.Equal(SrTrainer.LogColumns, cols);                 // the old log is upgraded: earlier rows get NaN data waits
        Assert.Equal(4, rows.Count);
        Assert.True(double.IsNaN(rows[0][4]) && double.IsNaN(rows[1][4]) && !double.IsNaN(rows[3][4]));
    }
}
