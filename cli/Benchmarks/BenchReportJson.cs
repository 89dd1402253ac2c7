using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SamDiffSR.Cli.Benchmarks;

// The JSON shape of a BenchReport as typed records, serialised by System.Text.Json with snake_case names
// (BenchReportJson.Options): property order is the order written, null values are written as null except where a
// property is marked to be left out (the keys that only sampling reports or sampling runs have).

internal sealed record BenchReportDto(
    string Benchmark, string Preset, JsonNode? Config, int Batch, int HrSize, int LrSize,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Steps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sampler,
    string StartedUtc, int WarmupRuns, int TimedRuns, bool Interleaved, string PrimaryMetric,
    BenchMachineDto Machine, IReadOnlyList<BenchVariantDto> Variants, IReadOnlyList<BenchRatioDto> RatiosToBaseline,
    BenchOfficialDto Official, string MemoryNote);

internal sealed record BenchMachineDto(
    string Cpu, int LogicalCores, double[]? LoadAverageStart, double[]? LoadAverageEnd, string Torchsharp,
    int LibtorchDefaultThreads, int InteropThreads, bool CpuAccounting, double CleanThresholdCores, bool? PeakRssResetPerRun,
    IReadOnlyDictionary<string, string?>? OpenmpEnv);

internal sealed record BenchSettingsDto(int Threads, string SamplingGrad, bool ChannelsLast, bool RrdbTrunkOnly,
    bool OfficialByProducts, bool CachedConditioning, bool FusedMish);

internal sealed record BenchStatsDto(double MedianS, double MinS, double MaxS, int Count, int CleanCount, double? MedianCleanS);

internal sealed record BenchVariantDto(
    string Name, BenchSettingsDto Settings, double MedianS, double MinS, double MaxS, int Count, int CleanCount,
    double? MedianCleanS, double? OwnCpuSMedian, double? OwnCpuSMedianPerRun, long PeakRssBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BenchStatsDto? RunTotal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BenchStatsDto? Conditioning,
    IReadOnlyList<BenchRunDto> Runs);

internal sealed record BenchRunDto(
    double WallS, double? OwnCpuS, double? OtherProcsCpuS, bool? Clean, long PeakRssBytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ConditioningS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double>? StepS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<bool?>? StepClean);

internal sealed record BenchRatioDto(string Variant, string Reference, string Metric, double TimeRatioMedian,
    double? TimeRatioMedianClean, double? OwnCpuRatioMedian);

internal sealed record BenchOfficialDto(string Caveat, string Source, IReadOnlyList<BenchOfficialComparisonDto> Comparisons);

internal sealed record BenchOfficialComparisonDto(string Metric, string OfficialKey, double OfficialS, double? OfficialOwnCpuS,
    IReadOnlyDictionary<string, BenchOfficialRatioDto> Variants);

internal sealed record BenchOfficialRatioDto(double TimeRatioMedian, double? TimeRatioMedianClean, double? OwnCpuRatioMedian);

/// <summary>Serializer options of the bench JSON: snake_case property names (dictionary keys as given), nulls written.</summary>
internal static class BenchReportJson
{
    public static JsonSerializerOptions Options(bool indented) => indented ? Indented : Compact;

    private static readonly JsonSerializerOptions Indented = Create(true);
    private static readonly JsonSerializerOptions Compact = Create(false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        WriteIndented = indented,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
