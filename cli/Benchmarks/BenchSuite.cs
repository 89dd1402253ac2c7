using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// Builds the workloads of a training or sampling benchmark, one per variant, measures them side by side with a
/// <see cref="BenchRunner"/> and assembles the <see cref="BenchReport"/>. Call <see cref="TorchRuntime.Initialize"/>
/// first (without a thread count, so that libtorch's default is what "baseline" measures).
/// </summary>
public static class BenchSuite
{
    /// <summary>
    /// The tuned settings: every in-process knob that cannot make a step slower in principle and did not measure
    /// slower (docs/benchmarks.md): the RRDB trunk only (the up-sampling branch's output is discarded by the diffusion
    /// stage), no logging by-products in training, and for sampling inference_mode plus the conditioning projection
    /// computed once per image with the fused mish kernel. Thread count and memory layout stay at libtorch's defaults
    /// (channels-last measured slower). Each knob alone was within the noise of the shared machine; together they
    /// measured about 8–12 % faster per sampling step and 0–8 % per training step. The process-wide OpenMP wait policy (<see cref="OpenMpSettings"/>) is not a variant knob.
    /// </summary>
    public static BenchVariant Tuned { get; } = new("tuned", Threads: 0, SamplingGrad: GradMode.InferenceMode,
        ChannelsLast: false, TrunkOnlyRrdb: true, OfficialByProducts: false, CachedConditioning: true, FusedMish: true);

    /// <summary>The default variant list: baseline and tuned.</summary>
    public static IReadOnlyList<BenchVariant> DefaultVariants { get; } = [BenchVariant.Baseline, Tuned];

    /// <summary>Parses a comma-separated variant list (see <see cref="BenchVariant.Parse"/>); the first is the reference of the ratios.</summary>
    /// <exception cref="ArgumentException">Unknown or repeated name, or an empty list.</exception>
    public static IReadOnlyList<BenchVariant> ParseVariants(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException("the variant list is empty; e.g. baseline,tuned");
        var vs = names.Select(n => BenchVariant.Parse(n, Tuned)).ToList();
        var dup = vs.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"variant '{dup.Key}' is listed twice");
        return vs;
    }

    /// <summary>Sets libtorch's inter-op pool to <paramref name="threads"/> threads (as the official harness had: 1) when
    /// that is still possible; returns the count in effect. Eager execution does not use the inter-op pool.</summary>
    public static int TrySetInteropThreads(int threads = 1)
    {
        try
        {
            if (torch.get_num_interop_threads() != threads) torch.set_num_interop_threads(threads);
        }
        catch (Exception ex) when (ex is System.Runtime.InteropServices.ExternalException or InvalidOperationException or ArgumentException) { }
        return torch.get_num_interop_threads();
    }

    /// <summary>Measures training steps of every variant side by side.</summary>
    /// <param name="preset">Name for the report.</param>
    /// <param name="config">Network sizes.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="hrPatch">HR patch side.</param>
    /// <param name="variants">Variants, the reference of the ratios first.</param>
    /// <param name="warmup">Untimed steps per variant.</param>
    /// <param name="runs">Timed steps per variant.</param>
    /// <param name="seed">Seed of weights and inputs (the same for every variant).</param>
    /// <param name="progress">Progress of the runs.</param>
    /// <param name="runner">Runner (default: the real clock and /proc accounting).</param>
    public static BenchReport Train(string preset, ModelConfig config, int batch, int hrPatch, IReadOnlyList<BenchVariant> variants,
                                    int warmup, int runs, long seed = 0, IProgress<ProgressInfo>? progress = null, BenchRunner? runner = null) =>
        Measure(new BenchSetting("train", preset, config, batch, hrPatch, null, null), variants, warmup, runs, progress, runner,
                v => new TrainStepWorkload(config, batch, hrPatch, v, seed));

    /// <summary>Measures sampling runs (conditioning + k reverse steps, batch 1) of every variant side by side.</summary>
    /// <param name="preset">Name for the report.</param>
    /// <param name="config">Network sizes.</param>
    /// <param name="hrSize">HR side.</param>
    /// <param name="steps">Reverse steps per run.</param>
    /// <param name="sampler">DDPM or DDIM.</param>
    /// <param name="variants">Variants, the reference of the ratios first.</param>
    /// <param name="warmup">Untimed runs per variant.</param>
    /// <param name="runs">Timed runs per variant.</param>
    /// <param name="seed">Seed of weights and inputs.</param>
    /// <param name="progress">Progress of the runs.</param>
    /// <param name="runner">Runner (default: the real clock and /proc accounting).</param>
    public static BenchReport Sample(string preset, ModelConfig config, int hrSize, int steps, SamplerKind sampler, IReadOnlyList<BenchVariant> variants,
                                     int warmup, int runs, long seed = 0, IProgress<ProgressInfo>? progress = null, BenchRunner? runner = null) =>
        Measure(new BenchSetting("sample", preset, config, 1, hrSize, steps, sampler), variants, warmup, runs, progress, runner,
                v => new SampleStepWorkload(config, hrSize, steps, sampler, v, seed));

    private static BenchReport Measure(BenchSetting setting, IReadOnlyList<BenchVariant> variants, int warmup, int runs,
                                       IProgress<ProgressInfo>? progress, BenchRunner? runner, Func<BenchVariant, IBenchWorkload> make)
    {
        ArgumentNullException.ThrowIfNull(variants);
        if (variants.Count == 0) throw new ArgumentException("give at least one variant", nameof(variants));
        runner ??= new BenchRunner();
        int interop = TrySetInteropThreads(1);
        var workloads = new List<IBenchWorkload>();
        try
        {
            foreach (var v in variants) workloads.Add(make(v));
            var load0 = MachineInfo.LoadAverage();
            var started = DateTimeOffset.UtcNow;
            var results = runner.Measure(workloads, warmup, runs, progress);
            var machine = new BenchMachine(MachineInfo.CpuModel(), Environment.ProcessorCount, load0, MachineInfo.LoadAverage(),
                $"TorchSharp {typeof(torch).Assembly.GetName().Version}", runner.DefaultThreads, interop,
                runner.CpuAccountingAvailable, runner.CleanThresholdCores, runner.PeakResetSupported, OpenMpSettings.Current());
            return new BenchReport(setting, started, warmup, runs, machine, results);
        }
        finally
        {
            foreach (var w in workloads) w.Dispose();
        }
    }
}
