using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>
/// Where a sampler gets its Gaussian draws: the start x_T ~ N(0, I) and the per-step z ~ N(0, I). The default
/// (<see cref="GeneratorNoiseSource"/>) draws from an explicit <see cref="Generator"/> in the official order; tests
/// inject fixed tensors (<see cref="FixedNoiseSource"/>).
/// <para>Ownership: a sampler calls these inside its own dispose scope and never disposes what it gets explicitly, so a
/// tensor created by the call is freed with the step, while a stored tensor handed out again is left alone.</para>
/// </summary>
public interface INoiseSource
{
    /// <summary>x_T, of the given shape, dtype and device.</summary>
    Tensor Initial(long[] shape, ScalarType dtype, Device device);

    /// <summary>z for the reverse step at code index <paramref name="t"/> (T−1 down to 0).</summary>
    Tensor Step(int t, long[] shape, ScalarType dtype, Device device);
}

/// <summary>
/// Draws with <c>torch.randn</c> from an explicit generator (or torch's global one when null). On CPU, TorchSharp's
/// generator yields PyTorch's numbers for the same seed, so with the official draw order (x_T first, then one z per
/// step including t = 0) a run is comparable to the official <c>sample()</c>.
/// </summary>
public sealed class GeneratorNoiseSource(Generator? generator = null) : INoiseSource
{
    /// <summary>The generator used (null = global).</summary>
    public Generator? Generator { get; } = generator;

    /// <inheritdoc />
    public Tensor Initial(long[] shape, ScalarType dtype, Device device) => Draw(shape, dtype, device);

    /// <inheritdoc />
    public Tensor Step(int t, long[] shape, ScalarType dtype, Device device) => Draw(shape, dtype, device);

    private Tensor Draw(long[] shape, ScalarType dtype, Device device) => GeneratorDraws.Randn(shape, dtype, device, Generator);
}

/// <summary>
/// Random draws from an explicit generator into tensors on any device. libtorch fills a tensor only from a generator on
/// the same device, and CPU generators are the reproducible ones (PyTorch's numbers for a seed, also when training on
/// CUDA), so the values are drawn where the generator lives and then moved.
/// </summary>
internal static class GeneratorDraws
{
    /// <summary>N(0, I) of <paramref name="shape"/> on <paramref name="device"/> (global generator when null).</summary>
    public static Tensor Randn(long[] shape, ScalarType dtype, Device device, Generator? generator)
    {
        using var scope = NewDisposeScope();
        return randn(shape, dtype: dtype, device: generator?.device ?? device, generator: generator).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>Integers uniform in [<paramref name="low"/>, <paramref name="high"/>) on <paramref name="device"/>.</summary>
    public static Tensor Randint(long low, long high, long[] shape, Device device, Generator? generator)
    {
        using var scope = NewDisposeScope();
        return randint(low, high, shape, dtype: ScalarType.Int64, device: generator?.device ?? device, generator: generator).to(device).MoveToOuterDisposeScope();
    }
}

/// <summary>Hands out pre-made noise: a fixed x_T and a function from the code step index to z (for golden tests).</summary>
public sealed class FixedNoiseSource : INoiseSource
{
    private readonly Tensor _initial;
    private readonly Func<int, Tensor> _step;

    /// <summary>Uses <paramref name="initial"/> as x_T and <paramref name="step"/>(t) as z at code step t; shapes must match the sample.</summary>
    public FixedNoiseSource(Tensor initial, Func<int, Tensor> step)
    {
        _initial = initial ?? throw new ArgumentNullException(nameof(initial));
        _step = step ?? throw new ArgumentNullException(nameof(step));
    }

    /// <inheritdoc />
    public Tensor Initial(long[] shape, ScalarType dtype, Device device) => Checked(_initial, shape, dtype, device, "x_T");

    /// <inheritdoc />
    public Tensor Step(int t, long[] shape, ScalarType dtype, Device device) => Checked(_step(t), shape, dtype, device, $"z at step {t}");

    private static Tensor Checked(Tensor v, long[] shape, ScalarType dtype, Device device, string what)
    {
        if (!v.shape.SequenceEqual(shape))
            throw new ArgumentException($"fixed noise {what} has shape [{string.Join(",", v.shape)}], the sampler needs [{string.Join(",", shape)}]");
        return v.dtype == dtype && v.device.type == device.type && v.device.index == device.index ? v : v.to(dtype, device);
    }
}
