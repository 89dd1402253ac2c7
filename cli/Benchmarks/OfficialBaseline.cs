
using SamDiffSR.Models;
namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// The recorded CPU timings of the official SAM-DiffSR PyTorch code (data/reference/perf_baseline_cpu.json and
/// docs/official-code.md §CPU baseline): Debian's PyTorch 1.13 build (generic BLAS, oneDNN 2.6.3, no MKL),
/// 2 intra-op threads, 1 inter-op thread, float32, paper config x4, medians of clean runs after warm-up, on a 2-vCPU
/// AMD EPYC machine. They were recorded elsewhere, in a different run: compare against them only on an idle
/// machine; the side-by-side variants of one run are the honest comparison.
/// </summary>
public static class OfficialBaseline
{
    /// <summary>Label printed next to every comparison with these numbers.</summary>
    public const string Caveat = "recorded elsewhere, different run (PyTorch 1.13 Debian build, 2 threads); compare only on an idle machine";

    /// <summary>Where the numbers come from.</summary>
    public const string Source = "data/reference/perf_baseline_cpu.json (summary_seconds)";

    /// <summary>Training step, batch 1, HR 64 / LR 16 (fwd + bwd + Adam), seconds.</summary>
    public const double TrainStepB1Hr64 = 1.0648943790001795;

    /// <summary>Training step, batch 4, HR 64 / LR 16, seconds.</summary>
    public const double TrainStepB4Hr64 = 3.2129486789999646;

    /// <summary>One reverse step (<c>p_sample</c> at t = 50, U-Net forward included, no_grad) at HR 64, seconds.</summary>
    public const double ReverseStepHr64 = 0.26533235100009733;

    /// <summary>One reverse step at HR 128, seconds.</summary>
    public const double ReverseStepHr128 = 1.0108710300000894;

    /// <summary>RRDB forward (<c>rrdb(img_lr, True)</c>, no_grad) at LR 16, seconds.</summary>
    public const double RrdbForwardLr16 = 0.13432581400002164;

    /// <summary>RRDB forward at LR 32, seconds.</summary>
    public const double RrdbForwardLr32 = 0.16336043100000097;

    /// <summary>Full 100-step DDPM sample incl. the RRDB at HR 64, seconds (median of 3 clean runs).</summary>
    public const double FullSample100Hr64 = 27.17961111600016;

    /// <summary>Full 100-step DDPM sample at HR 128, seconds (1 clean run).</summary>
    public const double FullSample100Hr128 = 92.91365283699997;

    /// <summary>
    /// Own-process CPU seconds (all threads) per training step / reverse step / RRDB forward: the medians of the clean
    /// runs' <c>own_cpu_s</c> in raw.perf of the same file. Less sensitive to other processes than wall time; they include
    /// any time OpenMP threads spent spin-waiting (the official run used libgomp's default wait policy).
    /// </summary>
    public static IReadOnlyDictionary<string, double> OwnCpuSeconds { get; } = new Dictionary<string, double>
    {
        ["train_step_b1_hr64_lr16_s"] = 1.54,
        ["train_step_b4_hr64_lr16_s"] = 4.05,
        ["reverse_step_hr64_s"] = 0.37,
        ["reverse_step_hr128_s"] = 1.22,
        ["rrdb_forward_lr16_s"] = 0.27,
        ["rrdb_forward_lr32_s"] = 0.33,
    };

    /// <summary>The recorded training-step time for this setting, or null when none was recorded (only the paper x4
    /// config at HR patch 64 with batch 1 or 4).</summary>
    public static (string Key, double Seconds)? TrainStep(ModelConfig config, int batch, int hrPatch)
    {
        if (!IsPaper(config) || hrPatch != 64) return null;
        return batch switch
        {
            1 => ("train_step_b1_hr64_lr16_s", TrainStepB1Hr64),
            4 => ("train_step_b4_hr64_lr16_s", TrainStepB4Hr64),
            _ => null,
        };
    }

    /// <summary>The recorded reverse-step time at this HR size (paper x4 config, 64 or 128), or null.</summary>
    public static (string Key, double Seconds)? ReverseStep(ModelConfig config, int hrSize) =>
        !IsPaper(config) ? null : hrSize switch
        {
            64 => ("reverse_step_hr64_s", ReverseStepHr64),
            128 => ("reverse_step_hr128_s", ReverseStepHr128),
            _ => null,
        };

    /// <summary>The recorded RRDB forward time for the LR of this HR size (paper x4 config, 64 or 128), or null.</summary>
    public static (string Key, double Seconds)? RrdbForward(ModelConfig config, int hrSize) =>
        !IsPaper(config) ? null : hrSize switch
        {
            64 => ("rrdb_forward_lr16_s", RrdbForwardLr16),
            128 => ("rrdb_forward_lr32_s", RrdbForwardLr32),
            _ => null,
        };

    /// <summary>The recorded full 100-step sample time (paper x4 config, HR 64 or 128), or null.</summary>
    public static (string Key, double Seconds)? FullSample100(ModelConfig config, int hrSize) =>
        !IsPaper(config) ? null : hrSize switch
        {
            64 => ("full_sample_100_steps_hr64_lr16_s", FullSample100Hr64),
            128 => ("full_sample_100_steps_hr128_lr32_s", FullSample100Hr128),
            _ => null,
        };

    private static bool IsPaper(ModelConfig config) => config.Equals(ModelConfig.SamDiffSRPaperX4);
}
