namespace SamDiffSR.Cli.Benchmarks;

/// <summary>A timed piece of one run (e.g. the RRDB forward, or one reverse step of a sampling run).</summary>
/// <param name="Kind">"conditioning" or "step".</param>
/// <param name="WallSeconds">Wall-clock seconds.</param>
/// <param name="OwnCpuSeconds">CPU seconds used by this process during the segment (null without /proc).</param>
/// <param name="OtherCpuSeconds">CPU seconds used by all other processes during the segment (null without /proc).</param>
/// <param name="Clean">True when others used less than the clean threshold (10 % of one core) during the segment.</param>
public sealed record BenchSegment(string Kind, double WallSeconds, double? OwnCpuSeconds, double? OtherCpuSeconds, bool? Clean);

/// <summary>One timed run (one training step, or one sampling run of k steps).</summary>
/// <param name="Index">0-based index among the timed runs of the variant.</param>
/// <param name="WallSeconds">Wall-clock seconds.</param>
/// <param name="OwnCpuSeconds">CPU seconds of this process (all threads) during the run; null without /proc.</param>
/// <param name="OtherCpuSeconds">CPU seconds used by other processes during the run: machine busy time minus ours.</param>
/// <param name="Clean">Others used less than 10 % of one core (the official harness's rule); null when unknown.</param>
/// <param name="PeakResidentBytes">Peak resident set of the process during the run (VmHWM after a reset; when the
/// reset is refused, the process's peak so far).</param>
/// <param name="Segments">Timed pieces of the run, in order (empty for training steps).</param>
public sealed record BenchRun(int Index, double WallSeconds, double? OwnCpuSeconds, double? OtherCpuSeconds, bool? Clean,
                              long PeakResidentBytes, IReadOnlyList<BenchSegment> Segments);

/// <summary>Statistics of one segment kind over a variant's timed runs.</summary>
/// <param name="Kind">Segment kind.</param>
/// <param name="All">Over all segments of that kind.</param>
/// <param name="Clean">Over the clean ones only (null when none was clean or contention is unknown).</param>
/// <param name="OwnCpu">This process's CPU seconds per segment (null without /proc): less sensitive to other processes
/// than wall time, but 10 ms resolution.</param>
public sealed record SegmentStats(string Kind, SummaryStats All, SummaryStats? Clean, SummaryStats? OwnCpu = null);

/// <summary>Everything measured for one variant.</summary>
/// <param name="Variant">The settings.</param>
/// <param name="Threads">Intra-op threads in effect during its runs.</param>
/// <param name="WarmupRuns">Untimed runs before the timed ones.</param>
/// <param name="Runs">The timed runs.</param>
/// <param name="PeakIsPerRun">True when the peak-RSS counter could be reset before every run (so
/// <see cref="PeakResidentBytes"/> is this variant's own peak); false when it is the process's peak so far.</param>
public sealed record BenchVariantResult(BenchVariant Variant, int Threads, int WarmupRuns, IReadOnlyList<BenchRun> Runs, bool PeakIsPerRun)
{
    /// <summary>Wall-time statistics over all timed runs.</summary>
    public SummaryStats All => SummaryStats.Of(Runs.Select(r => r.WallSeconds))
        ?? throw new InvalidOperationException("a variant result needs at least one run");

    /// <summary>Wall-time statistics over the clean runs (null when none was clean or contention is unknown).</summary>
    public SummaryStats? Clean => SummaryStats.Of(Runs.Where(r => r.Clean == true).Select(r => r.WallSeconds));

    /// <summary>Median CPU seconds of this process per run (null without /proc).</summary>
    public double? MedianOwnCpuSeconds => SummaryStats.Of(Runs.Where(r => r.OwnCpuSeconds.HasValue).Select(r => r.OwnCpuSeconds!.Value))?.Median;

    /// <summary>Largest peak resident set over the runs, in bytes.</summary>
    public long PeakResidentBytes => Runs.Count == 0 ? 0 : Runs.Max(r => r.PeakResidentBytes);

    /// <summary>Statistics of the segments of kind <paramref name="kind"/> over all runs, or null when there are none.</summary>
    public SegmentStats? Segment(string kind)
    {
        var segs = Runs.SelectMany(r => r.Segments).Where(s => s.Kind == kind).ToList();
        var all = SummaryStats.Of(segs.Select(s => s.WallSeconds));
        return all is null ? null : new SegmentStats(kind, all, SummaryStats.Of(segs.Where(s => s.Clean == true).Select(s => s.WallSeconds)),
                                                     SummaryStats.Of(segs.Where(s => s.OwnCpuSeconds.HasValue).Select(s => s.OwnCpuSeconds!.Value)));
    }
}
