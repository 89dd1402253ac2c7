using System.Runtime.InteropServices;

namespace SamDiffSR.Runtime;

/// <summary>
/// The OpenMP (libgomp) environment that libtorch's CPU thread pool reads once, when the library is loaded. With the
/// default ACTIVE wait policy an idle pool thread spins (GOMP_SPINCOUNT iterations) before sleeping; on a machine whose
/// cores are shared with other busy processes those spins take CPU away from the thread doing the work.
/// <c>OMP_WAIT_POLICY=PASSIVE</c> makes idle threads sleep at once. Because libgomp reads the variables at load time, they
/// must be in the native environment before the first Torch call (.NET's Environment.SetEnvironmentVariable does not
/// change the native environment on Linux, so this uses libc's setenv).
/// </summary>
public static class OpenMpSettings
{
    /// <summary>The variables that shape libtorch's OpenMP pool, as the native environment holds them now.</summary>
    public static IReadOnlyDictionary<string, string?> Current() => new Dictionary<string, string?>
    {
        ["OMP_WAIT_POLICY"] = GetNative("OMP_WAIT_POLICY"),
        ["GOMP_SPINCOUNT"] = GetNative("GOMP_SPINCOUNT"),
        ["OMP_NUM_THREADS"] = GetNative("OMP_NUM_THREADS"),
    };

    /// <summary>True when an OpenMP runtime is already mapped into this process (then new settings no longer apply).</summary>
    public static bool OpenMpLoaded()
    {
        try
        {
            return File.Exists("/proc/self/maps") &&
                   File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal) || l.Contains("libiomp", StringComparison.Ordinal));
        }
        catch (IOException) { return false; }
    }

    /// <summary>
    /// Sets OMP_WAIT_POLICY in the native environment ("passive" or "active") before libtorch is loaded.
    /// </summary>
    /// <param name="policy">"passive" or "active".</param>
    /// <exception cref="ArgumentException">Another value.</exception>
    /// <exception cref="InvalidOperationException">The OpenMP runtime is already loaded, or not on Linux.</exception>
    public static void SetWaitPolicy(string policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var p = policy.Trim().ToUpperInvariant();
        if (p is not ("PASSIVE" or "ACTIVE"))
            throw new ArgumentException($"OpenMP wait policy must be passive or active, got '{policy}'.", nameof(policy));
        if (!OperatingSystem.IsLinux())
            throw new InvalidOperationException("setting the OpenMP wait policy from inside the process is only supported on Linux; set OMP_WAIT_POLICY in the shell.");
        if (OpenMpLoaded())
            throw new InvalidOperationException("the OpenMP runtime is already loaded in this process, so OMP_WAIT_POLICY can no longer take effect; set it in the shell before starting.");
        if (SetEnv("OMP_WAIT_POLICY", p, 1) != 0)
            throw new InvalidOperationException("libc setenv(OMP_WAIT_POLICY) failed.");
    }

    private static string? GetNative(string name)
    {
        if (!OperatingSystem.IsLinux()) return Environment.GetEnvironmentVariable(name);
        try
        {
            var ptr = GetEnv(name);
            return ptr == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(ptr);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return Environment.GetEnvironmentVariable(name);
        }
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr GetEnv(string name);
}
