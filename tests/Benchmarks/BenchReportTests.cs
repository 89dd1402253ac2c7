using SamDiffSR.Models;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Cli.Benchmarks;
using SamDiffSR.Cli;
using SamDiffSR.Cli.Commands;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using Xunit;
using SamDiffSR.Diffusion;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Benchmarks;

/// <summary>Real (tiny) benchmark runs give well-formed reports; no timing is asserted beyond "positive".</summary>
public class BenchReportTests
{
    public BenchReportTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void TrainBench_Tiny_TwoRuns_ReportIsWellFormed()
    {
        var variants = BenchSuite.ParseVariants("baseline,tuned,channelslast");
        var report = BenchSuite.Train("Tiny", ModelConfig.Tiny, batch: 1, hrPatch: 16, variants, warmup: 1, runs: 2);
        Assert.Equal(["baseline", "tuned", "channelslast"], report.Variants.Select(v => v.Variant.Name));
        foreach (var v in report.Variants)
        {
            Assert.Equal(2, v.Runs.Count);
            Assert.All(v.Runs, r => Assert.True(r.WallSeconds > 0));
            Assert.All(v.Runs, r => Assert.Empty(r.Segments));
            Assert.True(v.All.Min <= v.All.Median && v.All.Median <= v.All.Max);
            Assert.Equal(1, v.Threads);
            Assert.True(v.PeakResidentBytes > 0);
        }
        Assert.Equal(1.0, report.RatioToBaseline(report.Variants[0]), 12);
        Assert.Null(report.OfficialPrimary); // no official number for the tiny preset

        var j = report.ToJson();
        Assert.Equal("train", (string?)j["benchmark"]);
        Assert.Equal("train_step_s", (string?)j["primary_metric"]);
        Assert.Equal(16, (int?)j["hr_size"]);
        Assert.Equal(4, (int?)j["lr_size"]);
        var vs = j["variants"]!.AsArray();
        Assert.Equal(3, vs.Count);
        foreach (var v in vs)
        {
            Assert.True((double)v!["median_s"]! > 0);
            Assert.Equal(2, v["runs"]!.AsArray().Count);
            Assert.NotNull(v["settings"]!["channels_last"]);
            Assert.All(v["runs"]!.AsArray(), r => Assert.True(r!["wall_s"]!.GetValue<double>() > 0));
        }
        Assert.Equal(2, j["ratios_to_baseline"]!.AsArray().Count);
        Assert.Empty(j["official"]!["comparisons"]!.AsArray());
        Assert.NotNull(j["machine"]!["load_average_start"]);
        // round trip through text
        Assert.NotNull(JsonNode.Parse(report.ToJsonString()));
        var table = new StringWriter();
        report.WriteTable(table);
        Assert.Contains("channelslast", table.ToString());
    }

    [Fact]
    public void SampleBench_Tiny_RecordsConditioningAndEveryStep()
    {
        var report = BenchSuite.Sample("Tiny", ModelConfig.Tiny, hrSize: 16, steps: 3, SamplerKind.Ddpm, BenchSuite.DefaultVariants, warmup: 0, runs: 2);
        foreach (var v in report.Variants)
        {
            Assert.Equal(2, v.Runs.Count);
            Assert.All(v.Runs, r => Assert.Equal(["conditioning", "step", "step", "step"], r.Segments.Select(s => s.Kind)));
            var steps = v.Segment("step")!;
            Assert.Equal(6, steps.All.Count);
            Assert.True(steps.All.Median > 0);
            // a run is at least the sum of its segments
            Assert.All(v.Runs, r => Assert.True(r.WallSeconds >= r.Segments.Sum(s => s.WallSeconds) - 1e-9));
        }
        var j = report.ToJson();
        Assert.Equal("reverse_step_s", (string?)j["primary_metric"]);
        Assert.Equal(3, (int?)j["steps"]);
        Assert.Equal("ddpm", (string?)j["sampler"]);
        var run = j["variants"]![1]!["runs"]![0]!;
        Assert.Equal(3, run["step_s"]!.AsArray().Count);
        Assert.NotNull(j["variants"]![0]!["conditioning"]!["median_s"]);
    }

    [Fact]
    public void OfficialComparison_AppearsForThePaperSettings_WithTheCaveat()
    {
        // Built from scripted results: no paper-size network is run.
        var runs = new[] { new BenchRun(0, 0.5, null, null, null, 0, []), new BenchRun(1, 0.7, null, null, null, 0, []) };
        var v = new BenchVariantResult(BenchVariant.Baseline, 2, 0, runs, false);
        var machine = new BenchMachine("cpu", 2, null, null, "TorchSharp", 2, 1, false, 0.1, null);
        var report = new BenchReport(new BenchSetting("train", "paper", ModelConfig.SamDiffSRPaperX4, 1, 64, null, null),
                                     DateTimeOffset.UnixEpoch, 0, 2, machine, [v]);
        Assert.Equal(OfficialBaseline.TrainStepB1Hr64, report.OfficialPrimary!.Value.Seconds);
        var cmp = Assert.Single(report.ToJson()["official"]!["comparisons"]!.AsArray())!;
        Assert.Equal("train_step_b1_hr64_lr16_s", (string?)cmp["official_key"]);
        Assert.Equal(Math.Round(0.6 / OfficialBaseline.TrainStepB1Hr64, 6), (double)cmp["variants"]!["baseline"]!["time_ratio_median"]!);
        Assert.Contains("different run", (string?)report.ToJson()["official"]!["caveat"]);
        Assert.Null(OfficialBaseline.TrainStep(ModelConfig.SamDiffSRPaperX4, 2, 64));
        Assert.Null(OfficialBaseline.ReverseStep(ModelConfig.Tiny, 64));
    }

    [Fact]
    public void OfficialBaselineConstants_EqualTheRecordedJson()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("perf_baseline_cpu.json")));
        var s = doc.RootElement.GetProperty("summary_seconds");
        Assert.Equal(OfficialBaseline.TrainStepB1Hr64, s.GetProperty("train_step_b1_hr64_lr16_s").GetDouble());
        Assert.Equal(OfficialBaseline.TrainStepB4Hr64, s.GetProperty("train_step_b4_hr64_lr16_s").GetDouble());
        Assert.Equal(OfficialBaseline.ReverseStepHr64, s.GetProperty("reverse_step_hr64_s").GetDouble());
        Assert.Equal(OfficialBaseline.ReverseStepHr128, s.GetProperty("reverse_step_hr128_s").GetDouble());
        Assert.Equal(OfficialBaseline.RrdbForwardLr16, s.GetProperty("rrdb_forward_lr16_s").GetDouble());
        Assert.Equal(OfficialBaseline.RrdbForwardLr32, s.GetProperty("rrdb_forward_lr32_s").GetDouble());
        Assert.Equal(OfficialBaseline.FullSample100Hr64, s.GetProperty("full_sample_100_steps_hr64_lr16_s").GetDouble());
        Assert.Equal(OfficialBaseline.FullSample100Hr128, s.GetProperty("full_sample_100_steps_hr128_lr32_s").GetDouble());

        // Own-CPU references: median own_cpu_s of the clean runs in raw.perf.
        var perf = doc.RootElement.GetProperty("raw").GetProperty("perf");
        foreach (var (key, value) in OfficialBaseline.OwnCpuSeconds)
        {
            var runs = perf.GetProperty(key[..^2]).GetProperty("runs").EnumerateArray()
                .Where(r => r.GetProperty("clean").GetBoolean()).Select(r => r.GetProperty("own_cpu_s").GetDouble());
            Assert.Equal(SummaryStats.Of(runs)!.Median, value, 9);
        }
    }

    [Fact]
    public void Cli_BenchTrain_Json_AndAppendToOutFile()
    {
        using var dir = new TempDir();
        var outFile = dir.Sub("bench.json");
        for (int i = 0; i < 2; i++)
        {
            var (code, o, e) = Run("bench", "train", "--preset", "tiny", "--patch", "16", "--runs", "1", "--warmup", "0", "--json", "--out", outFile);
            Assert.True(code == 0, e);
            var j = JsonNode.Parse(o)!;
            Assert.Equal("train", (string?)j["benchmark"]);
            Assert.Equal(["baseline", "tuned"], j["variants"]!.AsArray().Select(v => (string?)v!["name"]));
        }
        var arr = JsonNode.Parse(File.ReadAllText(outFile))!.AsArray();
        Assert.Equal(2, arr.Count);
        Assert.All(arr, x => Assert.Equal(1, x!["timed_runs"]!.GetValue<int>()));
    }

    [Fact]
    public void Cli_BenchSample_Table_AndUsageErrors()
    {
        var (code, o, e) = Run("bench", "sample", "--preset", "tiny", "--size", "16", "--steps", "2", "--sampler", "ddim",
                               "--runs", "1", "--warmup", "0", "--variants", "baseline,inference");
        Assert.True(code == 0, e);
        Assert.Contains("2 DDIM step(s) per run", o);
        Assert.Contains("inference", o);

        Assert.Equal(2, Run("bench", "train", "--preset", "tiny", "--runs", "0").Code);
        Assert.Equal(2, Run("bench", "train", "--preset", "tiny", "--patch", "18", "--runs", "1").Code);
        var bad = Run("bench", "train", "--preset", "tiny", "--variants", "baseline,warp");
        Assert.Equal(2, bad.Code);
        Assert.Contains("unknown benchmark variant 'warp'", bad.Err);
        Assert.Equal(2, Run("bench", "sample", "--preset", "tiny", "--sampler", "euler").Code);
        Assert.Equal(2, Run("bench", "sample", "--preset", "tiny", "--bogus", "1").Code);
    }

    [Fact]
    public void Cli_BenchData_MasksPart_RecordsEveryRepeatAndIdenticalOutputs()
    {
        using var dir = new TempDir();
        var outFile = dir.Sub("data.json");
        var (code, o, e) = Run("bench", "data", "--parts", "c", "--work", dir.Sub("work"), "--mask-images", "3", "--mask-size", "40x56",
                               "--mask-repeats", "2", "--out", outFile);
        Assert.True(code == 0, e);
        Assert.Contains("outputs identical: True", o);
        var masks = JsonNode.Parse(File.ReadAllText(outFile))!.AsArray()[0]!["masks"]!;
        Assert.Equal(3, masks["images"]!.GetValue<int>());
        Assert.True(masks["identical"]!.GetValue<bool>());
        var pairs = masks["repeats"]!.AsArray();
        Assert.Equal(2, pairs.Count);
        // The reported times are the fastest of the repeats.
        Assert.Equal(pairs.Min(p => p!["seconds_1"]!.GetValue<double>()), masks["seconds_1"]!.GetValue<double>());
        Assert.Equal(pairs.Min(p => p!["seconds_n"]!.GetValue<double>()), masks["seconds_n"]!.GetValue<double>());
        Assert.Equal(3, Directory.GetFiles(Path.Combine(dir.Sub("work"), "maskset", "outN"), "*.npy").Length);

        var bad = Run("bench", "data", "--parts", "c", "--mask-repeats", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--mask-repeats", bad.Err);
    }

    [Fact]
    public void AppendToJsonArray_RefusesAFileThatIsNotAnArray()
    {
        using var dir = new TempDir();
        var f = dir.Sub("x.json");
        File.WriteAllText(f, "{\"a\": 1}");
        var ex = Assert.Throws<InvalidDataException>(() => BenchCommandBase.AppendToJsonArray(f, new JsonObject()));
        Assert.Contains(f, ex.Message);
        File.WriteAllText(f, "not json");
        Assert.Throws<InvalidDataException>(() => BenchCommandBase.AppendToJsonArray(f, new JsonObject()));
    }
}
