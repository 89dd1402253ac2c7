using SamDiffSR.Models;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>The machine and runtime a benchmark ran on.</summary>
/// <param name="Cpu">CPU model name.</param>
/// <param name="LogicalCores">Logical cores visible to the process.</param>
/// <param name="LoadAverageStart">1/5/15-minute load averages before the first run (null off Linux).</param>
/// <param name="LoadAverageEnd">Load averages after the last run.</param>
/// <param name="TorchSharp">TorchSharp assembly version.</param>
/// <param name="DefaultThreads">libtorch's default intra-op thread count in this process.</param>
/// <param name="InteropThreads">libtorch's inter-op thread count.</param>
/// <param name="CpuAccounting">Whether per-run CPU accounting (/proc) was available.</param>
/// <param name="CleanThresholdCores">Clean-run threshold: others' CPU use below this many cores.</param>
/// <param name="PeakResetSupported">Whether the peak-RSS counter could be reset per run.</param>
/// <param name="OpenMp">OMP_WAIT_POLICY, GOMP_SPINCOUNT, OMP_NUM_THREADS as the native environment held them (null = unset).</param>
public sealed record BenchMachine(string Cpu, int LogicalCores, double[]? LoadAverageStart, double[]? LoadAverageEnd,
                                  string TorchSharp, int DefaultThreads, int InteropThreads, bool CpuAccounting,
                                  double CleanThresholdCores, bool? PeakResetSupported, IReadOnlyDictionary<string, string?>? OpenMp = null);

/// <summary>What was benchmarked.</summary>
/// <param name="Benchmark">"train" or "sample".</param>
/// <param name="Preset">Preset name or config file.</param>
/// <param name="Config">Network sizes.</param>
/// <param name="Batch">Training batch size (train), 1 (sample).</param>
/// <param name="HrSize">HR patch / image side.</param>
/// <param name="Steps">Reverse steps per sampling run (sample only).</param>
/// <param name="Sampler">DDPM or DDIM (sample only).</param>
public sealed record BenchSetting(string Benchmark, string Preset, ModelConfig Config, int Batch, int HrSize, int? Steps, SamplerKind? Sampler)
{
    /// <summary>LR side.</summary>
    public int LrSize => HrSize / Config.Scale;

    /// <summary>True for the training benchmark.</summary>
    public bool IsTrain => Benchmark == "train";
}

/// <summary>
/// The result of one <c>bench train</c> / <c>bench sample</c> invocation: setting, machine, every variant's runs, the
/// ratios to the first variant (the baseline) and to the recorded official numbers, with JSON and table renderings.
/// All ratios are time ratios (variant time / reference time): below 1 means faster.
/// </summary>
/// <param name="Setting">What was measured.</param>
/// <param name="StartedUtc">When the first run started.</param>
/// <param name="WarmupRuns">Untimed runs per variant.</param>
/// <param name="TimedRuns">Timed runs per variant.</param>
/// <param name="Machine">Machine and runtime.</param>
/// <param name="Variants">Results, the baseline first.</param>
public sealed record BenchReport(BenchSetting Setting, DateTimeOffset StartedUtc, int WarmupRuns, int TimedRuns,
                                 BenchMachine Machine, IReadOnlyList<BenchVariantResult> Variants)
{
    /// <summary>Why peak memory is the process's resident set and not libtorch's allocator statistics.</summary>
    public const string MemoryNote =
        "peak memory = the process's peak resident set (VmHWM, as Process.PeakWorkingSet64), reset before each run when the " +
        "kernel allows; libtorch's CPU allocator statistics are not exposed by TorchSharp 0.107, so tensor bytes alone are not reported.";

    /// <summary>Name of the headline metric: "train_step_s" or "reverse_step_s".</summary>
    public string PrimaryMetric => Setting.IsTrain ? "train_step_s" : "reverse_step_s";

    /// <summary>The headline statistics of a variant: the run time (train) or the per-step time (sample).</summary>
    public (SummaryStats All, SummaryStats? Clean) Primary(BenchVariantResult v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (Setting.IsTrain) return (v.All, v.Clean);
        var s = v.Segment("step") ?? throw new InvalidOperationException($"variant {v.Variant.Name} recorded no reverse steps");
        return (s.All, s.Clean);
    }

    /// <summary>Median own-CPU seconds of the headline metric (per run for train, per step for sample), or null.</summary>
    public double? PrimaryCpu(BenchVariantResult v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return Setting.IsTrain ? v.MedianOwnCpuSeconds : v.Segment("step")?.OwnCpu?.Median;
    }

    /// <summary>Own-CPU ratio of <paramref name="v"/> to the first variant, when both have CPU accounting.</summary>
    public double? CpuRatioToBaseline(BenchVariantResult v) =>
        PrimaryCpu(v) is double a && PrimaryCpu(Variants[0]) is double b && b > 0 ? a / b : null;

    /// <summary>The official reference for the headline metric, when one was recorded for this setting.</summary>
    public (string Key, double Seconds)? OfficialPrimary =>
        Setting.IsTrain ? OfficialBaseline.TrainStep(Setting.Config, Setting.Batch, Setting.HrSize)
                        : OfficialBaseline.ReverseStep(Setting.Config, Setting.HrSize);

    /// <summary>Median-time ratio of <paramref name="v"/> to the first variant (all runs; runs were interleaved).</summary>
    public double RatioToBaseline(BenchVariantResult v) => Primary(v).All.Median / Primary(Variants[0]).All.Median;

    /// <summary>Ratio of the clean-run medians to the first variant's, when both have clean runs.</summary>
    public double? CleanRatioToBaseline(BenchVariantResult v) =>
        Primary(v).Clean is { } a && Primary(Variants[0]).Clean is { } b ? a.Median / b.Median : null;

    /// <summary>The whole report as one JSON object (<see cref="ToDto"/> serialised by System.Text.Json).</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(ToDto(), BenchReportJson.Options(indented: false))!.AsObject();

    /// <summary>Serialises the report (indented or one line).</summary>
    public string ToJsonString(bool indented = true) => JsonSerializer.Serialize(ToDto(), BenchReportJson.Options(indented));

    private BenchReportDto ToDto() => new(
        Setting.Benchmark, Setting.Preset, JsonNode.Parse(Setting.Config.ToJson()), Setting.Batch, Setting.HrSize, Setting.LrSize,
        Setting.IsTrain ? null : Setting.Steps,
        Setting.IsTrain ? null : Setting.Sampler?.ToString().ToLowerInvariant(),
        StartedUtc.ToString("o", CultureInfo.InvariantCulture), WarmupRuns, TimedRuns, Interleaved: true, PrimaryMetric,
        new BenchMachineDto(Machine.Cpu, Machine.LogicalCores, Machine.LoadAverageStart, Machine.LoadAverageEnd, Machine.TorchSharp,
            Machine.DefaultThreads, Machine.InteropThreads, Machine.CpuAccounting, Machine.CleanThresholdCores,
            Machine.PeakResetSupported, Machine.OpenMp),
        [.. Variants.Select(VariantDto)],
        [.. Variants.Skip(1).Select(v => new BenchRatioDto(v.Variant.Name, Variants[0].Variant.Name, PrimaryMetric,
            R(RatioToBaseline(v)), R(CleanRatioToBaseline(v)), R(CpuRatioToBaseline(v))))],
        OfficialDto(), MemoryNote);

    private BenchVariantDto VariantDto(BenchVariantResult v)
    {
        var (all, clean) = Primary(v);
        var s = v.Variant;
        var settings = new BenchSettingsDto(v.Threads, s.SamplingGrad == GradMode.InferenceMode ? "inference_mode" : "no_grad",
            s.ChannelsLast, s.TrunkOnlyRrdb, s.OfficialByProducts, s.CachedConditioning, s.FusedMish);
        var runs = v.Runs.Select(r =>
        {
            if (r.Segments.Count == 0)
                return new BenchRunDto(R(r.WallSeconds), R(r.OwnCpuSeconds), R(r.OtherCpuSeconds), r.Clean, r.PeakResidentBytes, null, null, null);
            var steps = r.Segments.Where(g => g.Kind == "step").ToList();
            return new BenchRunDto(R(r.WallSeconds), R(r.OwnCpuSeconds), R(r.OtherCpuSeconds), r.Clean, r.PeakResidentBytes,
                R(r.Segments.FirstOrDefault(g => g.Kind == "conditioning")?.WallSeconds),
                [.. steps.Select(g => R(g.WallSeconds))], [.. steps.Select(g => g.Clean)]);
        }).ToList();
        return new BenchVariantDto(s.Name, settings, R(all.Median), R(all.Min), R(all.Max), all.Count, clean?.Count ?? 0,
            R(clean?.Median), R(PrimaryCpu(v)), R(v.MedianOwnCpuSeconds), v.PeakResidentBytes,
            Setting.IsTrain ? null : StatsDto(v.All, v.Clean),
            !Setting.IsTrain && v.Segment("conditioning") is { } cs ? StatsDto(cs.All, cs.Clean) : null,
            runs);
    }

    private BenchOfficialDto OfficialDto()
    {
        var items = new List<BenchOfficialComparisonDto>();
        void Add(string metric, (string Key, double Seconds)? reference, Func<BenchVariantResult, (double Median, double? Clean, double? Cpu)?> ours)
        {
            if (reference is not { } rf) return;
            double? officialCpu = OfficialBaseline.OwnCpuSeconds.TryGetValue(rf.Key, out var oc) ? oc : null;
            var per = new Dictionary<string, BenchOfficialRatioDto>();
            foreach (var v in Variants)
            {
                if (ours(v) is not { } m) continue;
                per[v.Variant.Name] = new BenchOfficialRatioDto(R(m.Median / rf.Seconds), R(m.Clean / rf.Seconds),
                    m.Cpu is double cpu && officialCpu is double ocpu ? R(cpu / ocpu) : null);
            }
            items.Add(new BenchOfficialComparisonDto(metric, rf.Key, R(rf.Seconds), officialCpu, per));
        }
        Add(PrimaryMetric, OfficialPrimary, v => (Primary(v).All.Median, Primary(v).Clean?.Median, PrimaryCpu(v)));
        if (!Setting.IsTrain)
        {
            Add("conditioning_s", OfficialBaseline.RrdbForward(Setting.Config, Setting.HrSize),
                v => v.Segment("conditioning") is { } s ? (s.All.Median, s.Clean?.Median, s.OwnCpu?.Median) : null);
            if (Setting.Steps == 100 && Setting.Sampler == SamplerKind.Ddpm)
                Add("full_sample_s", OfficialBaseline.FullSample100(Setting.Config, Setting.HrSize), v => (v.All.Median, v.Clean?.Median, null));
        }
        return new BenchOfficialDto(OfficialBaseline.Caveat, OfficialBaseline.Source, items);
    }

    /// <summary>Human-readable table (one row per variant) plus the ratios and caveats.</summary>
    public void WriteTable(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var st = Setting;
        string what = st.IsTrain
            ? $"train step, batch {st.Batch}, HR {st.HrSize} / LR {st.LrSize}"
            : $"sampling, HR {st.HrSize} / LR {st.LrSize}, {st.Steps} {st.Sampler?.ToString().ToUpperInvariant()} step(s) per run";
        w.WriteLine($"bench {st.Benchmark}: {st.Preset} ({st.Config}); {what}");
        w.WriteLine($"  {StartedUtc:yyyy-MM-dd HH:mm} UTC, {Machine.Cpu}, {Machine.LogicalCores} logical cores, {Machine.TorchSharp}, " +
                    $"default threads {Machine.DefaultThreads}, interop {Machine.InteropThreads}");
        if (Machine.OpenMp is { } omp)
            w.WriteLine($"  OpenMP env: {string.Join(", ", omp.Select(kv => $"{kv.Key}={kv.Value ?? "(unset)"}"))}");
        w.WriteLine($"  load average at start {Load(Machine.LoadAverageStart)}, at end {Load(Machine.LoadAverageEnd)}; " +
                    $"{WarmupRuns} warm-up + {TimedRuns} timed runs per variant, interleaved");
        string unit = st.IsTrain ? "step" : "reverse step";
        w.WriteLine();
        w.WriteLine($"  {"variant",-14} {"thr",3} {"median s",9} {"min s",8} {"max s",8} {"clean",6} {"clean med",9} {"cpu s",7} {"peak RSS",9} {"time ratio",10} {"cpu ratio",9}");
        foreach (var v in Variants)
        {
            var (all, clean) = Primary(v);
            w.WriteLine($"  {v.Variant.Name,-14} {v.Threads,3} {F(all.Median),9} {F(all.Min),8} {F(all.Max),8} " +
                        $"{$"{clean?.Count ?? 0}/{all.Count}",6} {(clean is null ? "-" : F(clean.Median)),9} " +
                        $"{(PrimaryCpu(v) is double c ? F(c) : "-"),7} {Mib(v.PeakResidentBytes),9} {F(RatioToBaseline(v)),10} " +
                        $"{(CpuRatioToBaseline(v) is double cr ? F(cr) : "-"),9}");
        }
        w.WriteLine($"  (per {unit}: wall seconds; cpu s = this process's CPU seconds (median); clean = other processes used " +
                    $"< {Machine.CleanThresholdCores:0.##} core during it; ratios are medians relative to {Variants[0].Variant.Name}, < 1 = faster)");
        if (!st.IsTrain)
        {
            w.WriteLine();
            w.WriteLine($"  {"variant",-14} {"conditioning s",14} {"run total s",12}");
            foreach (var v in Variants)
                w.WriteLine($"  {v.Variant.Name,-14} {(v.Segment("conditioning") is { } cs ? F(cs.All.Median) : "-"),14} {F(v.All.Median),12}");
        }
        w.WriteLine();
        foreach (var v in Variants) w.WriteLine($"  {v.Variant.Name}: {v.Variant.Describe()}");
        if (OfficialPrimary is { } rf)
        {
            double? ocpu = OfficialBaseline.OwnCpuSeconds.TryGetValue(rf.Key, out var oc) ? oc : null;
            w.WriteLine();
            w.WriteLine($"  official PyTorch {PrimaryMetric} = {F(rf.Seconds)} s wall" + (ocpu is double c0 ? $", {F(c0)} s own CPU" : "") +
                        $" ({OfficialBaseline.Caveat}):");
            foreach (var v in Variants)
            {
                var (all, clean) = Primary(v);
                w.WriteLine($"    {v.Variant.Name,-14} wall time ratio {F(all.Median / rf.Seconds)} (all runs)" +
                            (clean is null ? "" : $", {F(clean.Median / rf.Seconds)} (clean runs)") +
                            (PrimaryCpu(v) is double c && ocpu is double o ? $"; own-CPU ratio {F(c / o)}" : ""));
            }
        }
        w.WriteLine($"  {MemoryNote}");
    }

    private static string F(double x) => x.ToString(x >= 100 ? "0.0" : x >= 1 ? "0.000" : "0.0000", CultureInfo.InvariantCulture);
    private static string Mib(long bytes) => bytes <= 0 ? "-" : (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture) + " MiB";
    private static string Load(double[]? l) => l is null ? "n/a" : string.Join(" ", l.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));
    private static double R(double x) => Math.Round(x, 6);
    private static double? R(double? x) => x is double v ? Math.Round(v, 6) : null;
    private static BenchStatsDto StatsDto(SummaryStats all, SummaryStats? clean) =>
        new(R(all.Median), R(all.Min), R(all.Max), all.Count, clean?.Count ?? 0, R(clean?.Median));
}
