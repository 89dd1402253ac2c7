using System.Diagnostics;
using SamDiffSR.Runtime;

namespace SamDiffSR.Cli;

/// <summary>
/// Terminal progress bar on stderr: redraws in place on a terminal (at most 10 times a second), and prints a
/// plain line every few seconds when stderr is redirected (logs, CI, tests).
/// </summary>
public sealed class ConsoleProgress(CliContext ctx) : IProgress<ProgressInfo>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -100_000;
    private bool _drewInPlace;
    private string? _stage;
    private long _lastDone;
    private long _startDone;
    private bool _lastFinal;

    public void Report(ProgressInfo p)
    {
        if (IsNewRun(p))
        {
            // A new stage, or the same stage started again (a second training run, a second evaluation): restart the
            // clock so elapsed time and ETA describe this run, measured from the units done when it was first seen.
            if (_drewInPlace) Finish();
            _stage = p.Stage;
            _startDone = p.Done;
            _clock.Restart();
            _lastDrawMs = -100_000;
        }
        bool final = p.Total > 0 && p.Done >= p.Total;
        _lastDone = p.Done;
        _lastFinal = final;
        long now = _clock.ElapsedMilliseconds;
        int minGap = ctx.Interactive ? 100 : 5000;
        if (!final && now - _lastDrawMs < minGap) return;
        _lastDrawMs = now;
        string eta = "";
        if (!final && EstimateRemaining(now, _startDone, p.Done, p.Total) is TimeSpan rem)
            eta = $" eta {rem:hh\\:mm\\:ss}";
        string bar = "";
        if (p.Total > 0)
        {
            int w = 28, filled = (int)Math.Round(w * p.Fraction);
            bar = "[" + new string('#', filled) + new string('.', w - filled) + "] ";
        }
        var line = $"{p.Stage} {bar}{p.Done}/{(p.Total > 0 ? p.Total.ToString() : "?")} {TimeSpan.FromMilliseconds(now):hh\\:mm\\:ss}{eta} {p.Message}".TrimEnd();
        if (ctx.Interactive)
        {
            ctx.Err.Write("\r" + (line.Length > 118 ? line[..118] : line.PadRight(118)));
            _drewInPlace = true;
            if (final) { ctx.Err.WriteLine(); _drewInPlace = false; }
        }
        else ctx.Err.WriteLine(line);
    }

    /// <summary>Time left at the run's average rate: <paramref name="elapsedMs"/> spent on the units done since the run
    /// started (<paramref name="done"/> − <paramref name="startDone"/>; units finished before, e.g. by a resumed run's
    /// earlier process, do not count). Null while no unit has been done in this run or the total is unknown.</summary>
    public static TimeSpan? EstimateRemaining(long elapsedMs, long startDone, long done, long total) =>
        total > 0 && done > startDone
            ? TimeSpan.FromMilliseconds(elapsedMs * (double)(total - done) / (done - startDone))
            : null;

    /// <summary>True when <paramref name="p"/> starts a run: another stage, fewer units done than before, or a report
    /// after the previous run's final one.</summary>
    public bool IsNewRun(ProgressInfo p) => p.Stage != _stage || p.Done < _lastDone || _lastFinal;

    /// <summary>Ends an in-place bar with a newline (call when an operation stops early).</summary>
    public void Finish()
    {
        if (_drewInPlace) { ctx.Err.WriteLine(); _drewInPlace = false; }
    }
}
