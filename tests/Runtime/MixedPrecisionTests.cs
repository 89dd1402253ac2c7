using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Runtime;

/// <summary>
/// <see cref="Autocast"/> (libtorch's autocast reached through its exported C++ functions, since TorchSharp 0.107 has no
/// binding) and <see cref="CudnnSettings"/> on the CPU: the scope switches convolutions to the low precision, leaves
/// element-wise float32 arithmetic alone, restores the previous state (also nested), and fp32 touches nothing.
/// </summary>
public class MixedPrecisionTests
{
    public MixedPrecisionTests() => TorchRuntime.Initialize(threads: 1);

    private static Tensor Conv(Tensor x, Tensor w) => nn.functional.conv2d(x, w, padding: [1, 1]);

    [Theory]
    [InlineData(Precision.Bf16, ScalarType.BFloat16)]
    [InlineData(Precision.Fp16, ScalarType.Float16)]
    public void Scope_RunsConvolutionsInTheLowPrecision_AndRestoresFloat32(Precision precision, ScalarType expected)
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 8, 8); var w = randn(4, 3, 3, 3);
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        using (Autocast.Enter(CPU, precision))
        {
            Assert.True(Autocast.IsEnabled(DeviceType.CPU));
            Assert.Equal(expected, Conv(x, w).dtype);
            Assert.Equal(ScalarType.Float32, (x * 2 + 1).dtype);   // element-wise ops are not on autocast's list
            Assert.Equal(ScalarType.Float32, w.dtype);             // weights stay float32
        }
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
        Assert.Equal(ScalarType.Float32, Conv(x, w).dtype);
    }

    [Fact]
    public void Fp32Scope_ChangesNothing_AndNestedScopesRestoreTheOuterState()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 8, 8); var w = randn(4, 3, 3, 3);
        var before = Conv(x, w);
        using (Autocast.Enter(CPU, Precision.Fp32))
        {
            Assert.False(Autocast.IsEnabled(DeviceType.CPU));
            Assert.True(Conv(x, w).eq(before).all().item<bool>());   // bitwise the plain float32 result
        }
        using (Autocast.Enter(CPU, Precision.Bf16))
        {
            using (Autocast.Enter(CPU, Precision.Fp16)) Assert.Equal(ScalarType.Float16, Conv(x, w).dtype);
            Assert.True(Autocast.IsEnabled(DeviceType.CPU));
            Assert.Equal(ScalarType.BFloat16, Conv(x, w).dtype);   // the outer dtype is back
        }
        Assert.False(Autocast.IsEnabled(DeviceType.CPU));
    }

    [Fact]
    public void CudnnBenchmark_RoundTripsThroughLibtorchsGlobalContext()
    {
        Assert.False(CudnnSettings.Benchmark);   // PyTorch's default
        try
        {
            CudnnSettings.Benchmark = true;
            Assert.True(CudnnSettings.Benchmark);
        }
        finally { CudnnSettings.Benchmark = false; }
        Assert.False(CudnnSettings.Benchmark);
    }

    [Fact]
    public void OptionSpellings()
    {
        Assert.Equal(["fp32", "bf16", "fp16"], OptionNames.All<Precision>().Select(p => p.Name));
        Assert.Equal(ScalarType.BFloat16, Autocast.DtypeOf(Precision.Bf16));
        Assert.Equal(ScalarType.Float32, Autocast.DtypeOf(Precision.Fp32));
    }
}
