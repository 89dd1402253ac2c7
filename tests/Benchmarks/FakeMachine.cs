using SamDiffSR.Cli.Benchmarks;

namespace SamDiffSR.Tests.Benchmarks;

/// <summary>
/// A scripted machine: a clock and CPU counters that only move when a fake workload says so, so that the runner's
/// statistics and contention accounting can be checked exactly.
/// </summary>
internal sealed class FakeMachine : IBenchClock, ICpuSampler
{
    public double Now { get; private set; } = 1000.0;
    public double Own { get; private set; }
    public double Busy { get; private set; }

    public double NowSeconds() => Now;
    public bool Available => true;
    public CpuSample Read() => new(Busy, Own);

    /// <summary>Lets <paramref name="wall"/> seconds pass during which we use <paramref name="own"/> CPU seconds and
    /// other processes <paramref name="others"/>.</summary>
    public void Advance(double wall, double own, double others)
    {
        Now += wall;
        Own += own;
        Busy += own + others;
    }
}

/// <summary>A workload whose i-th call (warm-ups included) takes the i-th scripted (wall, others) interval.</summary>
internal sealed class ScriptedWorkload(string name, FakeMachine machine, params (double Wall, double Others)[] script) : IBenchWorkload
{
    public BenchVariant Variant { get; } = new(name);
    public int Calls { get; private set; }
    public List<string> Log { get; } = new();
    public Action<ISegmentRecorder, FakeMachine>? Segments { get; init; }

    public void Run(ISegmentRecorder segments)
    {
        var (wall, others) = script[Calls++];
        Log.Add(name);
        if (Segments is not null) Segments(segments, machine);
        else machine.Advance(wall, own: wall * 1.5, others);
    }

    public void Dispose() { }
}
