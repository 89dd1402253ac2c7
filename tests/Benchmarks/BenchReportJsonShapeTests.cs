using SamDiffSR.Models;
using System.Text.Json.Nodes;
using SamDiffSR.Cli.Benchmarks;
using SamDiffSR.Diffusion;
using Xunit;

namespace SamDiffSR.Tests.Benchmarks;

/// <summary>
/// The bench JSON keeps its field names, their order and its explicit nulls (readers of earlier <c>--out</c> files
/// rely on them): checked key by key on scripted reports, so no network runs.
/// </summary>
public class BenchReportJsonShapeTests
{
    private static readonly BenchMachine Machine = new("cpu", 2, null, [0.5, 0.25, 0.125], "TorchSharp 0.107", 2, 1, false, 0.1, null);

    private static BenchReport Scripted(bool sample)
    {
        IReadOnlyList<BenchSegment> Segments(double t) => sample
            ? [new("conditioning", t / 4, null, null, null), new("step", t / 4, 0.2, null, true), new("step", t / 4, null, null, false)]
            : [];
        var variants = BenchSuite.ParseVariants("baseline,tuned").Select((bv, i) => new BenchVariantResult(bv, 2, 0,
            [new BenchRun(0, 0.5 + i, null, null, null, 1000, Segments(0.5 + i)), new BenchRun(1, 0.7 + i, 0.9, 0.01, true, 2000, Segments(0.7 + i))], false)).ToList();
        var setting = sample
            ? new BenchSetting("sample", "Tiny", ModelConfig.Tiny, 1, 16, 2, SamplerKind.Ddpm)
            : new BenchSetting("train", "Tiny", ModelConfig.Tiny, 1, 16, null, null);
        return new BenchReport(setting, DateTimeOffset.UnixEpoch, 0, 2, Machine, variants);
    }

    private static string[] Keys(JsonNode? node) => [.. node!.AsObject().Select(kv => kv.Key)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FieldNamesOrderAndNullsAreThoseOfTheBenchFormat(bool sample)
    {
        var j = Scripted(sample).ToJson();
        string[] top = ["benchmark", "preset", "config", "batch", "hr_size", "lr_size", .. sample ? new[] { "steps", "sampler" } : [],
            "started_utc", "warmup_runs", "timed_runs", "interleaved", "primary_metric", "machine", "variants", "ratios_to_baseline", "official", "memory_note"];
        Assert.Equal(top, Keys(j));
        Assert.Equal(["cpu", "logical_cores", "load_average_start", "load_average_end", "torchsharp", "libtorch_default_threads", "interop_threads",
            "cpu_accounting", "clean_threshold_cores", "peak_rss_reset_per_run", "openmp_env"], Keys(j["machine"]));
        Assert.Null(j["machine"]!["load_average_start"]); // written as null, not left out
        Assert.Equal([0.5, 0.25, 0.125], j["machine"]!["load_average_end"]!.AsArray().Select(x => (double)x!));
        var v = j["variants"]![0]!;
        Assert.Equal(["name", "settings", "median_s", "min_s", "max_s", "count", "clean_count", "median_clean_s", "own_cpu_s_median",
            "own_cpu_s_median_per_run", "peak_rss_bytes", .. sample ? new[] { "run_total", "conditioning" } : [], "runs"], Keys(v));
        Assert.Equal(["threads", "sampling_grad", "channels_last", "rrdb_trunk_only", "official_by_products", "cached_conditioning", "fused_mish"], Keys(v["settings"]));
        Assert.Equal("no_grad", (string?)v["settings"]!["sampling_grad"]);
        Assert.Equal(["wall_s", "own_cpu_s", "other_procs_cpu_s", "clean", "peak_rss_bytes", .. sample ? new[] { "conditioning_s", "step_s", "step_clean" } : []],
            Keys(v["runs"]![0]));
        Assert.Null(v["runs"]![0]!["own_cpu_s"]);
        Assert.Equal(0.9, (double)v["runs"]![1]!["own_cpu_s"]!);
        Assert.Equal(2000, (long)v["peak_rss_bytes"]!);
        if (sample)
        {
            Assert.Equal(["median_s", "min_s", "max_s", "count", "clean_count", "median_clean_s"], Keys(v["run_total"]));
            Assert.Equal([0.125, 0.125], v["runs"]![0]!["step_s"]!.AsArray().Select(x => (double)x!));
            Assert.Equal([true, false], v["runs"]![0]!["step_clean"]!.AsArray().Select(x => (bool?)x));
            Assert.Equal(2, (int?)j["steps"]);
            Assert.Equal("ddpm", (string?)j["sampler"]);
        }
        var ratio = Assert.Single(j["ratios_to_baseline"]!.AsArray())!;
        Assert.Equal(["variant", "reference", "metric", "time_ratio_median", "time_ratio_median_clean", "own_cpu_ratio_median"], Keys(ratio));
        Assert.Equal(["caveat", "source", "comparisons"], Keys(j["official"]));
        Assert.Equal("1970-01-01T00:00:00.0000000+00:00", (string?)j["started_utc"]);
        Assert.True((bool)j["interleaved"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ModelConfig.Tiny.ToJson()), j["config"])); // the model config's own JSON, embedded
    }

    [Fact]
    public void TextFormsAreIndentedOrOneLineAndParseBackToTheSameObject()
    {
        var report = Scripted(sample: true);
        var indented = report.ToJsonString();
        var compact = report.ToJsonString(indented: false);
        Assert.Contains('\n', indented);
        Assert.DoesNotContain('\n', compact);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(indented), JsonNode.Parse(compact)));
        Assert.True(JsonNode.DeepEquals(report.ToJson(), JsonNode.Parse(compact)));
        Assert.Contains("\"median_s\": 0.6", indented); // invariant numbers
    }
}
