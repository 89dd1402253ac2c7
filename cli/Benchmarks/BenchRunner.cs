using SamDiffSR.Runtime;
using TorchSharp;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// Times workloads: W untimed warm-up runs per variant, then N timed runs per variant, <b>interleaved</b> (round r runs
/// every variant once, starting with a different one each round) so that load from other processes falls on all
/// variants alike and their ratios stay honest. Each run records wall time (<see cref="IBenchClock"/>), this process's
/// CPU time, the CPU time other processes used meanwhile (<see cref="ICpuSampler"/>: machine busy time minus ours), a
/// "clean" flag (others used less than <see cref="CleanThresholdCores"/> of one core, the rule of the official
/// baseline harness) and the peak resident set.
/// </summary>
public sealed class BenchRunner
{
    private readonly IBenchClock _clock;
    private readonly ICpuSampler _cpu;
    private readonly Action<BenchVariant> _apply;
    private readonly Func<BenchVariant, int> _threadsOf;
    private readonly bool _trackMemory;

    /// <summary>Creates a runner.</summary>
    /// <param name="clock">Wall clock (default: <see cref="StopwatchClock"/>).</param>
    /// <param name="cpu">CPU accounting (default: <see cref="ProcCpuSampler"/>).</param>
    /// <param name="applySettings">Applies a variant's process-wide settings before each of its runs (default: sets
    /// libtorch's intra-op thread count to the variant's, or to <paramref name="defaultThreads"/> for 0).</param>
    /// <param name="defaultThreads">libtorch's default thread count, captured before any variant changed it
    /// (default: <c>torch.get_num_threads()</c> now; pass a number when no Torch is involved).</param>
    /// <param name="trackMemory">Reset and read the kernel's peak-RSS counter around each run.</param>
    public BenchRunner(IBenchClock? clock = null, ICpuSampler? cpu = null, Action<BenchVariant>? applySettings = null,
                       int? defaultThreads = null, bool trackMemory = true)
    {
        _clock = clock ?? StopwatchClock.Instance;
        _cpu = cpu ?? ProcCpuSampler.Instance;
        DefaultThreads = defaultThreads ?? torch.get_num_threads();
        _threadsOf = v => v.Threads > 0 ? v.Threads : DefaultThreads;
        _apply = applySettings ?? (v => { int n = _threadsOf(v); if (torch.get_num_threads() != n) torch.set_num_threads(n); });
        _trackMemory = trackMemory;
    }

    /// <summary>The thread count used for variants with Threads = 0.</summary>
    public int DefaultThreads { get; }

    /// <summary>A run is clean when other processes used less than this many cores on average (0.10 = 10 % of one core).</summary>
    public double CleanThresholdCores { get; init; } = 0.10;

    /// <summary>Whether CPU accounting is available (otherwise clean flags are null).</summary>
    public bool CpuAccountingAvailable => _cpu.Available;

    /// <summary>Whether the peak-RSS counter could be reset (set after the first run).</summary>
    public bool? PeakResetSupported { get; private set; }

    /// <summary>Runs every workload <paramref name="warmup"/> times untimed, then <paramref name="runs"/> times timed, interleaved.</summary>
    /// <param name="workloads">One workload per variant (names must be distinct).</param>
    /// <param name="warmup">Untimed runs per variant (≥ 0).</param>
    /// <param name="runs">Timed runs per variant (≥ 1).</param>
    /// <param name="progress">Reports ("warmup"|"bench", runs done, runs total, "variant #i").</param>
    /// <param name="cancellationToken">Checked between runs.</param>
    /// <returns>One result per workload, in the given order.</returns>
    public IReadOnlyList<BenchVariantResult> Measure(IReadOnlyList<IBenchWorkload> workloads, int warmup, int runs,
                                                     IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        if (workloads.Count == 0) throw new ArgumentException("give at least one workload", nameof(workloads));
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warm-up runs must be >= 0");
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), runs, "timed runs must be >= 1");
        var dup = workloads.GroupBy(w => w.Variant.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"variant name '{dup.Key}' appears twice; give each variant a distinct name", nameof(workloads));

        int total = workloads.Count * warmup, done = 0;
        foreach (var w in workloads)
            for (int i = 0; i < warmup; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunOnce(w, -1);
                progress?.Report(new ProgressInfo("warmup", ++done, total, w.Variant.Name));
            }

        var results = workloads.Select(_ => new List<BenchRun>(runs)).ToList();
        total = workloads.Count * runs; done = 0;
        for (int r = 0; r < runs; r++)
            for (int j = 0; j < workloads.Count; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int k = (j + r) % workloads.Count;              // rotate the starting variant every round
                results[k].Add(RunOnce(workloads[k], r));
                progress?.Report(new ProgressInfo("bench", ++done, total, workloads[k].Variant.Name));
            }

        return [.. workloads.Select((w, i) => new BenchVariantResult(w.Variant, _threadsOf(w.Variant), warmup, results[i], PeakResetSupported == true))];
    }

    private BenchRun RunOnce(IBenchWorkload w, int index)
    {
        _apply(w.Variant);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (_trackMemory) PeakResetSupported = MachineInfo.TryResetPeakResident() && (PeakResetSupported ?? true);
        var rec = new Recorder(this);
        var c0 = _cpu.Read();
        double t0 = _clock.NowSeconds();
        w.Run(rec);
        double t1 = _clock.NowSeconds();
        var c1 = _cpu.Read();
        var (own, other, clean) = Account(c0, c1, t1 - t0);
        long peak = _trackMemory ? MachineInfo.PeakResidentBytes() : 0;
        return new BenchRun(index, t1 - t0, own, other, clean, peak, rec.Segments);
    }

    private (double? Own, double? Other, bool? Clean) Account(CpuSample c0, CpuSample c1, double wall)
    {
        if (!_cpu.Available) return (null, null, null);
        double own = Math.Max(0, c1.OwnSeconds - c0.OwnSeconds);
        double other = Math.Max(0, (c1.MachineBusySeconds - c0.MachineBusySeconds) - own);
        bool clean = other < CleanThresholdCores * wall;
        return (own, other, clean);
    }

    private sealed class Recorder(BenchRunner runner) : ISegmentRecorder
    {
        public List<BenchSegment> Segments { get; } = new();

        public IDisposable Segment(string kind)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(kind);
            return new Handle(this, kind, runner._cpu.Read(), runner._clock.NowSeconds());
        }

        private void End(string kind, CpuSample c0, double t0)
        {
            double t1 = runner._clock.NowSeconds();
            var c1 = runner._cpu.Read();
            var (own, other, clean) = runner.Account(c0, c1, t1 - t0);
            Segments.Add(new BenchSegment(kind, t1 - t0, own, other, clean));
        }

        private sealed class Handle(Recorder owner, string kind, CpuSample c0, double t0) : IDisposable
        {
            private bool _done;

            public void Dispose()
            {
                if (_done) return;
                _done = true;
                owner.End(kind, c0, t0);
            }
        }
    }
}
