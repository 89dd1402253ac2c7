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

    public void Report(ProgressInfo p)
    {
        if (p.Stage != _stage)
        {
            // A new stage: restart the clock so elapsed time and ETA describe this stage.
            if (_drewInPlace) Finish();
            _stage = p.Stage;
            _clock.Restart();
            _lastDrawMs = -100_000;
        }
        bool final = p.Total > 0 && p.Done >= p.Total;
        long now = _clock.ElapsedMilliseconds;
        int minGap = ctx.Interactive ? 100 : 5000;
        if (!final && now - _lastDrawMs < minGap) return;
        _lastDrawMs = now;
        string eta = "";
        if (p.Total > 0 && p.Done > 0 && !final)
        {
            var rem = TimeSpan.FromMilliseconds(now * (double)(p.Total - p.Done) / p.Done);
            eta = $" eta {rem:hh\\:mm\\:ss}";
        }
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

    /// <summary>Ends an in-place bar with a newline (call when an operation stops early).</summary>
    public void Finish()
    {
        if (_drewInPlace) { ctx.Err.WriteLine(); _drewInPlace = false; }
    }
}
