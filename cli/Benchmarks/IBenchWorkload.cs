namespace SamDiffSR.Cli.Benchmarks;

/// <summary>Lets a workload time pieces of a run (each piece gets its own wall time and CPU accounting).</summary>
public interface ISegmentRecorder
{
    /// <summary>Starts a segment of the given kind; disposing the handle ends it.</summary>
    IDisposable Segment(string kind);
}

/// <summary>
/// Something a <see cref="BenchRunner"/> times: one call of <see cref="Run"/> is one run (a training step, or a
/// sampling run). Implementations own their tensors and must not leak any per run.
/// </summary>
public interface IBenchWorkload : IDisposable
{
    /// <summary>The execution settings this workload was built with.</summary>
    BenchVariant Variant { get; }

    /// <summary>Performs one run, timing sub-pieces through <paramref name="segments"/>.</summary>
    void Run(ISegmentRecorder segments);
}
