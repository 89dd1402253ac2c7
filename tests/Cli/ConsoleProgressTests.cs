using SamDiffSR.Cli;
using SamDiffSR.Runtime;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>The terminal progress bar restarts its clock and ETA for every run, also when a stage name repeats.</summary>
public class ConsoleProgressTests
{
    private static (ConsoleProgress Bar, StringWriter Err) NewBar()
    {
        var err = new StringWriter();
        return (new ConsoleProgress(new CliContext(new StringWriter(), err, interactive: false)), err);
    }

    [Fact]
    public void SameStageTwice_SecondRunIsNew()
    {
        var (bar, _) = NewBar();
        bar.Report(new ProgressInfo("train", 1, 3));
        Assert.False(bar.IsNewRun(new ProgressInfo("train", 2, 3)));
        bar.Report(new ProgressInfo("train", 3, 3));                    // final report of the first run
        Assert.True(bar.IsNewRun(new ProgressInfo("train", 1, 3)));     // the next one starts a second run
        bar.Report(new ProgressInfo("train", 1, 3));
        Assert.True(bar.IsNewRun(new ProgressInfo("train", 0, 3)));     // counting down again: new run
        Assert.True(bar.IsNewRun(new ProgressInfo("eval", 2, 3)));      // another stage
    }

    [Fact]
    public void SecondRun_ElapsedRestartsFromZero()
    {
        var (bar, err) = NewBar();
        bar.Report(new ProgressInfo("eval", 0, 2));
        Thread.Sleep(1100);
        bar.Report(new ProgressInfo("eval", 2, 2));                     // final line shows ≥ 1 s
        bar.Report(new ProgressInfo("eval", 0, 2, "second"));           // a second evaluation
        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("00:00:01", lines[1]);
        Assert.Contains("00:00:00", lines[2]);
        Assert.Contains("second", lines[2]);
    }

    [Theory]
    [InlineData(1000, 0, 1, 5, 4000)]      // 1 of 5 in 1 s → 4 s left
    [InlineData(1000, 50, 51, 100, 49000)] // resumed at 50: one unit per second since, 49 left
    [InlineData(2000, 0, 4, 8, 2000)]
    public void Eta_UsesUnitsDoneSinceTheRunStarted(long elapsedMs, long startDone, long done, long total, double expectedMs)
    {
        Assert.Equal(expectedMs, ConsoleProgress.EstimateRemaining(elapsedMs, startDone, done, total)!.Value.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData(1000, 5, 5, 10)]   // nothing done in this run yet
    [InlineData(1000, 0, 3, 0)]    // unknown total
    public void Eta_UnknownWithoutProgressOrTotal(long elapsedMs, long startDone, long done, long total)
    {
        Assert.Null(ConsoleProgress.EstimateRemaining(elapsedMs, startDone, done, total));
    }
}
