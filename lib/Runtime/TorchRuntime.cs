using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Runtime;

/// <summary>
/// Process-wide Torch setup: the first call of every notebook, CLI command and test that touches tensors.
/// It loads the native backend (and reports clearly why it could not), fixes the thread count and seeds the
/// global generator. CUDA must be initialised before any autograd work (TorchSharp issue 1198), so
/// <see cref="Initialize"/> also probes CUDA once, up front.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>The device chosen by <see cref="Initialize"/>: CUDA when available and allowed, else CPU.</summary>
    /// <remarks>No static initialiser touches torch, so that <see cref="Initialize"/> runs before libtorch loads.</remarks>
    public static Device Device { get => _device ?? CPU; private set => _device = value; }

    private static Device? _device;

    /// <summary>Loads libtorch, sets intra-op threads and (optionally) the seed; returns the chosen device.</summary>
    /// <param name="threads">Intra-op threads (0 = leave libtorch's default). Tests use 1 for determinism.</param>
    /// <param name="seed">Seed for torch's global generator, or null to leave it.</param>
    /// <param name="preferCuda">Use CUDA if the CUDA backend is present and a GPU is visible.</param>
    public static Device Initialize(int threads = 0, long? seed = null, bool preferCuda = true)
    {
        lock (Gate)
        {
            if (!_loaded)
            {
                // libtorch's OpenMP pool spins while idle; on a shared 2-core machine that made steps up to 4x slower
                // (docs/benchmarks.md). Unless the user set OMP_WAIT_POLICY (or SAMDIFFSR_OMP_WAIT=default), idle
                // threads sleep: OMP_WAIT_POLICY=PASSIVE, set in the native environment before libtorch loads.
                if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("SAMDIFFSR_OMP_WAIT") != "default"
                    && OpenMpSettings.Current()["OMP_WAIT_POLICY"] is null
                    && !OpenMpSettings.OpenMpLoaded())
                {
                    try { OpenMpSettings.SetWaitPolicy("passive"); }
                    catch (InvalidOperationException) { /* already loaded or no libc setenv: keep libgomp's default */ }
                }
                try
                {
                    // Touching the native library forces the load; failures surface here with the real cause.
                    _ = torch.cuda.is_available();
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException(
                        "TorchSharp's native libraries could not be loaded. On Debian 12 (libstdc++ older than GCC 13) " +
                        "the build must run environment/fix-libtorchsharp-glibcxx.sh on the restored libLibTorchSharp.so " +
                        "(it runs automatically in every 'dotnet build'; rebuild, or run it by hand on the file in your " +
                        "NuGet cache and output folder). Original error: " + ex.Message, ex);
                }
                _loaded = true;
            }
            Device = preferCuda && torch.cuda.is_available() ? CUDA : CPU;
            if (threads > 0) torch.set_num_threads(threads);
            if (seed is long s) torch.manual_seed(s);
            return Device;
        }
    }

    /// <summary>
    /// libtorch's intra-op threads. Setting it applies to the calling thread at once and to every thread that starts
    /// running libtorch operations afterwards (libtorch reads the value when a thread makes its first parallel call).
    /// </summary>
    public static int Threads
    {
        get => torch.get_num_threads();
        set => torch.set_num_threads(value);
    }

    /// <summary>One line describing the backend, for logs and benchmark reports.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, device {Device.type}, threads {torch.get_num_threads()}, cuda available {torch.cuda.is_available()}, OMP_WAIT_POLICY {OpenMpSettings.Current()["OMP_WAIT_POLICY"] ?? "unset"}";
}
