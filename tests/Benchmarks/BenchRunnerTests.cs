using SamDiffSR.Cli.Benchmarks;
using Xunit;
using SamDiffSR.Runtime;

namespace SamDiffSR.Tests.Benchmarks;

public class BenchRunnerTests
{
    [Fact]
    public void SummaryStats_MedianMinMax_OddAndEvenCounts()
    {
        var odd = SummaryStats.Of([3.0, 1.0, 2.0, 10.0, 0.5])!;
        Assert.Equal((5, 2.0, 0.5, 10.0), (odd.Count, odd.Median, odd.Min, odd.Max));
        var even = SummaryStats.Of([4.0, 1.0, 3.0, 2.0])!;
        Assert.Equal(2.5, even.Median);
        Assert.Equal(1.0, even.Min);
        Assert.Equal(4.0, even.Max);
        Assert.Null(SummaryStats.Of([]));
        Assert.Throws<ArgumentException>(() => SummaryStats.Of([1.0, double.NaN]));
    }

    [Fact]
    public void Runner_ExcludesWarmups_ComputesStatsFromTheFakeClock_AndFlagsContention()
    {
        var m = new FakeMachine();
        // 2 warm-ups (slow, must not count), then 5 timed runs; others use 0.05 s (clean: < 0.1 core × wall) or a lot.
        var w = new ScriptedWorkload("a", m, (9.0, 0), (8.0, 0), (1.0, 0.05), (1.2, 0.0), (0.9, 0.0), (3.0, 2.5), (1.1, 0.2));
        var runner = new BenchRunner(m, m, applySettings: _ => { }, defaultThreads: 2, trackMemory: false);
        var r = Assert.Single(runner.Measure([w], warmup: 2, runs: 5));

        Assert.Equal(7, w.Calls);
        Assert.Equal([1.0, 1.2, 0.9, 3.0, 1.1], r.Runs.Select(x => Math.Round(x.WallSeconds, 9)));
        Assert.Equal(1.1, r.All.Median, 9);
        Assert.Equal(0.9, r.All.Min, 9);
        Assert.Equal(3.0, r.All.Max, 9);
        // others' CPU = busy delta − own delta; clean when < 0.1 × wall
        Assert.Equal([0.05, 0.0, 0.0, 2.5, 0.2], r.Runs.Select(x => Math.Round(x.OtherCpuSeconds!.Value, 9)));
        Assert.Equal([true, true, true, false, false], r.Runs.Select(x => x.Clean!.Value));
        Assert.Equal(1.5 * 1.2, r.Runs[1].OwnCpuSeconds!.Value, 9);
        var clean = r.Clean!;
        Assert.Equal(3, clean.Count);
        Assert.Equal(1.0, clean.Median, 9);
        Assert.Equal(2, r.Threads);
        Assert.Equal(2, r.WarmupRuns);
    }

    [Fact]
    public void Runner_InterleavesVariants_RotatingTheStart()
    {
        var m = new FakeMachine();
        var steps = Enumerable.Repeat((0.1, 0.0), 10).ToArray();
        var log = new List<string>();
        var a = new ScriptedWorkload("a", m, steps);
        var b = new ScriptedWorkload("b", m, steps);
        var applied = new List<string>();
        var runner = new BenchRunner(m, m, applySettings: v => applied.Add(v.Name), defaultThreads: 1, trackMemory: false);
        var results = runner.Measure([a, b], warmup: 1, runs: 3);
        Assert.Equal(["a", "b"], results.Select(r => r.Variant.Name));
        Assert.All(results, r => Assert.Equal(3, r.Runs.Count));
        // warm-ups a, b; then rounds (a, b), (b, a), (a, b); settings applied before every run
        Assert.Equal(["a", "b", "a", "b", "b", "a", "a", "b"], applied);
    }

    [Fact]
    public void Segments_AreTimedAndAccountedSeparately()
    {
        var m = new FakeMachine();
        var w = new ScriptedWorkload("s", m, (0, 0), (0, 0))
        {
            Segments = (rec, fm) =>
            {
                using (rec.Segment("conditioning")) fm.Advance(0.2, 0.3, 0.0);
                for (int i = 0; i < 3; i++)
                    using (rec.Segment("step")) fm.Advance(0.5 + i, 0.6, i == 1 ? 1.0 : 0.0);
            },
        };
        var runner = new BenchRunner(m, m, applySettings: _ => { }, defaultThreads: 1, trackMemory: false);
        var r = Assert.Single(runner.Measure([w], warmup: 0, runs: 2));
        var run = r.Runs[0];
        Assert.Equal(0.2 + 0.5 + 1.5 + 2.5, run.WallSeconds, 9);
        Assert.Equal(["conditioning", "step", "step", "step"], run.Segments.Select(s => s.Kind));
        Assert.Equal([true, true, false, true], run.Segments.Select(s => s.Clean!.Value));
        var steps = r.Segment("step")!;
        Assert.Equal(6, steps.All.Count);
        Assert.Equal(1.5, steps.All.Median, 9);
        Assert.Equal(4, steps.Clean!.Count);
        Assert.Equal(0.2, r.Segment("conditioning")!.All.Median, 9);
        Assert.Null(r.Segment("nothing"));
    }

    [Fact]
    public void Runner_RejectsBadArguments()
    {
        var m = new FakeMachine();
        var runner = new BenchRunner(m, m, applySettings: _ => { }, defaultThreads: 1, trackMemory: false);
        var w = new ScriptedWorkload("a", m, (1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Measure([w], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Measure([w], -1, 1));
        Assert.Throws<ArgumentException>(() => runner.Measure([], 0, 1));
        Assert.Throws<ArgumentException>(() => runner.Measure([w, new ScriptedWorkload("a", m, (1, 0))], 0, 1));
    }

    [Fact]
    public void ProcParsers_ReadBusyJiffiesAndOwnTime()
    {
        const string stat = "cpu  100 5 50 9000 7 3 2 1 4 0\ncpu0 50 2 25 4500 3 1 1 0 2 0\nintr 1 2 3\n";
        // user + nice + system + irq + softirq + steal (idle, iowait, guest excluded)
        Assert.Equal(100 + 5 + 50 + 3 + 2 + 1, ProcCpuSampler.ParseMachineBusyTicks(stat));
        const string self = "4242 (sam diffsr (x)) R 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 8 0 100 200 300";
        Assert.Equal(123 + 45, ProcCpuSampler.ParseOwnTicks(self));
        Assert.Throws<InvalidDataException>(() => ProcCpuSampler.ParseMachineBusyTicks("intr 1 2\n"));
        Assert.Throws<InvalidDataException>(() => ProcCpuSampler.ParseOwnTicks("4242 no parens"));
    }

    [Fact]
    public void RealSampler_OnLinux_CountsOurOwnBusyLoop()
    {
        var s = ProcCpuSampler.Instance;
        if (!s.Available) return; // not Linux
        var a = s.Read();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        double x = 0;
        while (sw.ElapsedMilliseconds < 300) x += Math.Sqrt(x + 1);
        var b = s.Read();
        Assert.True(x > 0);
        Assert.True(b.OwnSeconds - a.OwnSeconds >= 0.05, $"own CPU grew by {b.OwnSeconds - a.OwnSeconds}");
        Assert.True(b.MachineBusySeconds - a.MachineBusySeconds >= b.OwnSeconds - a.OwnSeconds - 0.02);
        Assert.NotNull(MachineInfo.LoadAverage());
        Assert.True(MachineInfo.PeakResidentBytes() >= MachineInfo.ResidentBytes() / 2);
    }
}

public class OpenMpSettingsTests
{
    [Fact]
    public void WaitPolicy_CannotChangeOnceTorchIsLoaded_AndRejectsBadValues()
    {
        SamDiffSR.Runtime.TorchRuntime.Initialize(threads: 1);
        Assert.Throws<ArgumentException>(() => OpenMpSettings.SetWaitPolicy("sometimes"));
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(OpenMpSettings.OpenMpLoaded());   // libtorch's bundled libgomp is mapped
        var ex = Assert.Throws<InvalidOperationException>(() => OpenMpSettings.SetWaitPolicy("passive"));
        Assert.Contains("already loaded", ex.Message);
        Assert.Contains("OMP_WAIT_POLICY", OpenMpSettings.Current().Keys);
    }
}
