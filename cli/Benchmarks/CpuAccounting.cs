using System.Globalization;
using System.Runtime.InteropServices;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// A reading of the machine's and this process's cumulative CPU time, in seconds.
/// </summary>
/// <param name="MachineBusySeconds">CPU time used by all processes on all cores since boot (the non-idle jiffies of
/// the aggregate <c>cpu</c> line of /proc/stat: user + nice + system + irq + softirq + steal).</param>
/// <param name="OwnSeconds">CPU time used by this process (utime + stime of /proc/self/stat, all its threads).</param>
public readonly record struct CpuSample(double MachineBusySeconds, double OwnSeconds);

/// <summary>
/// Reads cumulative CPU time for contention accounting (the method of the official baseline harness: the CPU time
/// other processes used during a run is the machine's busy time minus this process's time over the run).
/// </summary>
public interface ICpuSampler
{
    /// <summary>True when readings are meaningful (Linux /proc present); otherwise runs are reported as "unknown".</summary>
    bool Available { get; }

    /// <summary>The current cumulative reading.</summary>
    CpuSample Read();
}

/// <summary>Linux /proc-based <see cref="ICpuSampler"/> (jiffies converted with sysconf(_SC_CLK_TCK), 10 ms resolution).</summary>
public sealed class ProcCpuSampler : ICpuSampler
{
    private const string StatPath = "/proc/stat";
    private const string SelfStatPath = "/proc/self/stat";
    private readonly double _ticksPerSecond;

    /// <summary>Creates the sampler; <see cref="Available"/> is false off Linux.</summary>
    public ProcCpuSampler()
    {
        Available = OperatingSystem.IsLinux() && File.Exists(StatPath) && File.Exists(SelfStatPath);
        _ticksPerSecond = Available ? ClockTicksPerSecond() : 100.0;
    }

    /// <summary>The shared instance.</summary>
    public static ProcCpuSampler Instance { get; } = new();

    /// <inheritdoc />
    public bool Available { get; }

    /// <summary>USER_HZ, the unit of the /proc jiffy counters (100 on every mainstream Linux).</summary>
    public double TicksPerSecond => _ticksPerSecond;

    /// <inheritdoc />
    public CpuSample Read()
    {
        if (!Available) return default;
        return new CpuSample(ParseMachineBusyTicks(File.ReadAllText(StatPath)) / _ticksPerSecond,
                             ParseOwnTicks(File.ReadAllText(SelfStatPath)) / _ticksPerSecond);
    }

    /// <summary>
    /// Busy jiffies of the aggregate "cpu" line of /proc/stat: user + nice + system + irq + softirq + steal
    /// (idle and iowait excluded; guest time is already inside user).
    /// </summary>
    /// <exception cref="InvalidDataException">No well-formed aggregate cpu line.</exception>
    public static long ParseMachineBusyTicks(string procStat)
    {
        foreach (var line in procStat.Split('\n'))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal)) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8) break;
            long V(int i) => i < f.Length ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
            // fields: cpu user nice system idle iowait irq softirq steal guest guest_nice
            return V(1) + V(2) + V(3) + V(6) + V(7) + V(8);
        }
        throw new InvalidDataException("/proc/stat has no aggregate 'cpu' line; CPU contention accounting needs Linux /proc.");
    }

    /// <summary>utime + stime (fields 14 and 15) of a /proc/PID/stat line; the command name may contain spaces.</summary>
    /// <exception cref="InvalidDataException">Malformed line.</exception>
    public static long ParseOwnTicks(string procSelfStat)
    {
        int close = procSelfStat.LastIndexOf(')');
        if (close < 0) throw new InvalidDataException("malformed /proc/self/stat (no ')').");
        var f = procSelfStat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // after "pid (comm)": f[0] = state (field 3), so field k is f[k - 3]
        if (f.Length < 13) throw new InvalidDataException("malformed /proc/self/stat (too few fields).");
        return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static double ClockTicksPerSecond()
    {
        try
        {
            long hz = SysConf(2); // _SC_CLK_TCK on Linux
            return hz > 0 ? hz : 100.0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100.0;
        }
    }
}

/// <summary>Machine facts recorded with every benchmark report.</summary>
public static class MachineInfo
{
    /// <summary>The 1-, 5- and 15-minute load averages from /proc/loadavg, or null when unavailable.</summary>
    public static double[]? LoadAverage()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            var f = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return [.. f.Take(3).Select(s => double.Parse(s, CultureInfo.InvariantCulture))];
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The CPU model name from /proc/cpuinfo (first "model name" line), or the architecture.</summary>
    public static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>
    /// Resets the kernel's peak-RSS counter of this process (VmHWM) by writing "5" to /proc/self/clear_refs, so that
    /// <see cref="PeakResidentBytes"/> measures the peak of what follows. Returns false when the kernel refuses.
    /// </summary>
    public static bool TryResetPeakResident()
    {
        try
        {
            if (!File.Exists("/proc/self/clear_refs")) return false;
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Peak resident set of this process (VmHWM of /proc/self/status) in bytes; the same counter as
    /// <see cref="System.Diagnostics.Process.PeakWorkingSet64"/>, read without allocating a Process object.
    /// Falls back to PeakWorkingSet64 off Linux.
    /// </summary>
    public static long PeakResidentBytes() => StatusKiB("VmHWM:") is long kib ? kib * 1024 : PeakWorkingSetFallback();

    /// <summary>Current resident set of this process (VmRSS) in bytes.</summary>
    public static long ResidentBytes() => StatusKiB("VmRSS:") is long kib ? kib * 1024 : Environment.WorkingSet;

    private static long PeakWorkingSetFallback()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    private static long? StatusKiB(string key)
    {
        try
        {
            if (!File.Exists("/proc/self/status")) return null;
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var f = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(f[0], CultureInfo.InvariantCulture);
                }
        }
        catch (Exception ex) when (ex is IOException or FormatException) { }
        return null;
    }
}
