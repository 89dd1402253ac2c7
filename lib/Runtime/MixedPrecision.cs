using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Runtime;

/// <summary>Arithmetic precision of the networks' matrix products and convolutions (training and sampling).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    /// <summary>Everything in float32 (default; bitwise the same as before the option existed).</summary>
    [OptionName("fp32")]
    Fp32,
    /// <summary>libtorch autocast to bfloat16 (float32 range, no loss scaling needed); weights stay float32.</summary>
    [OptionName("bf16")]
    Bf16,
    /// <summary>libtorch autocast to float16; training adds a dynamic loss scaler (<c>LossScaler</c>); weights stay float32.</summary>
    [OptionName("fp16")]
    Fp16,
}

/// <summary>
/// libtorch's automatic mixed precision (the engine behind PyTorch's <c>torch.autocast</c>), reached directly:
/// TorchSharp 0.107 exposes no autocast, GradScaler or cuDNN benchmark switch (its <c>torch.backends</c> has only the
/// TF32 and SDP flags), but libtorch exports the C++ functions PyTorch's Python binding calls
/// (<c>at::autocast::set_autocast_enabled/​set_autocast_dtype/​increment_nesting/​decrement_nesting/​clear_cache</c> and
/// <c>at::Context::setBenchmarkCuDNN</c>), so a scope calls them in the same order as <c>torch.autocast.__enter__/__exit__</c>.
/// Inside the scope, ops on autocast's lower-precision list (convolutions, linear, matmul) run in bf16/fp16 and ops on its
/// float32 list (losses, softmax, norms) in float32; parameters stay float32 (master weights). The state is thread-local,
/// like PyTorch's: enter and leave on the thread that runs the model.
/// </summary>
public static class Autocast
{
    private const string Lib = "torch_cpu"; // libtorch_cpu.so, the copy TorchSharp already loaded

    // c10::DeviceType and c10::ScalarType are int8 enums (CPU = 0, CUDA = 1; Half = 5, Float = 6, BFloat16 = 15).
    [DllImport(Lib, EntryPoint = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb")]
    private static extern void SetEnabled(sbyte device, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool IsEnabledNative(sbyte device);

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE")]
    private static extern void SetDtype(sbyte device, sbyte dtype);

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE")]
    private static extern sbyte GetDtype(sbyte device);

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast17increment_nestingEv")]
    private static extern long IncrementNesting();

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast17decrement_nestingEv")]
    private static extern long DecrementNesting();

    [DllImport(Lib, EntryPoint = "_ZN2at8autocast11clear_cacheEv")]
    private static extern void ClearCache();

    /// <summary>The torch dtype a precision computes in.</summary>
    public static ScalarType DtypeOf(Precision precision) => precision switch
    {
        Precision.Bf16 => ScalarType.BFloat16,
        Precision.Fp16 => ScalarType.Float16,
        _ => ScalarType.Float32,
    };

    /// <summary>Whether autocast is on for this device type on the calling thread.</summary>
    public static bool IsEnabled(DeviceType device) => IsEnabledNative(Code(device));

    /// <summary>
    /// Turns autocast on for <paramref name="device"/> until the returned scope is disposed. <see cref="Precision.Fp32"/>
    /// returns a scope that does nothing and touches no native state (so the default path is unchanged).
    /// </summary>
    public static IDisposable Enter(Device device, Precision precision)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (precision == Precision.Fp32) return NoScope.Instance;
        if (device.type is not (DeviceType.CPU or DeviceType.CUDA))
            throw new ArgumentException($"mixed precision needs a CPU or CUDA device, got {device.type}");
        return new Scope(Code(device.type), (sbyte)DtypeOf(precision));
    }

    private static sbyte Code(DeviceType device) => (sbyte)device;

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    private sealed class Scope : IDisposable
    {
        private readonly sbyte _device, _prevDtype;
        private readonly bool _prevEnabled;
        private bool _disposed;

        public Scope(sbyte device, sbyte dtype)
        {
            _device = device;
            _prevEnabled = IsEnabledNative(device);
            _prevDtype = GetDtype(device);
            SetDtype(device, dtype);
            SetEnabled(device, true);
            IncrementNesting();
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (DecrementNesting() == 0) ClearCache();   // drop the cached low-precision weight copies
            SetEnabled(_device, _prevEnabled);
            SetDtype(_device, _prevDtype);
        }
    }
}

/// <summary>cuDNN's benchmark mode (PyTorch's <c>torch.backends.cudnn.benchmark</c>), set through libtorch's global context.</summary>
/// <remarks>
/// Off by default, as in PyTorch. On, cuDNN times several convolution algorithms for each new input shape and keeps the
/// fastest: faster for fixed training shapes, slower for the first call of every new shape (whole-image sampling of
/// images of different sizes), and not deterministic. It has no effect on the CPU.
/// </remarks>
public static class CudnnSettings
{
    private const string Lib = "torch_cpu";

    [DllImport(Lib, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport(Lib, EntryPoint = "_ZN2at7Context17setBenchmarkCuDNNEb")]
    private static extern void SetBenchmark(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool on);

    [DllImport(Lib, EntryPoint = "_ZNK2at7Context14benchmarkCuDNNEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool GetBenchmark(IntPtr context);

    /// <summary>cuDNN benchmark mode (process-wide).</summary>
    public static bool Benchmark
    {
        get => GetBenchmark(GlobalContext());
        set => SetBenchmark(GlobalContext(), value);
    }
}
