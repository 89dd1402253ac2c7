using System.Diagnostics;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// The wall clock a <see cref="BenchRunner"/> reads. Production code uses <see cref="StopwatchClock"/>; tests inject a
/// fake clock so that the statistics can be checked without timing anything.
/// </summary>
public interface IBenchClock
{
    /// <summary>Seconds since an arbitrary fixed origin (monotonic).</summary>
    double NowSeconds();
}

/// <summary>The monotonic high-resolution <see cref="Stopwatch"/> clock.</summary>
public sealed class StopwatchClock : IBenchClock
{
    /// <summary>The shared instance.</summary>
    public static StopwatchClock Instance { get; } = new();

    /// <inheritdoc />
    public double NowSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}
