using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Models;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>
/// <see cref="SamplingOptions.Precision"/> on the CPU with the official Tiny weights (data/reference/tiny_denoiser.pt):
/// fp32 is the default and bitwise the path without the option; bf16 autocast gives an image within a stated tolerance
/// of the fp32 one, float32 out, and no tensors left behind.
/// </summary>
public class MixedPrecisionSamplingTests(ITestOutputHelper log)
{
    private static SrDiffusionModel OfficialTiny()
    {
        TorchRuntime.Initialize(threads: 1);
        var nets = new SrDiffNetworks(ModelConfig.Tiny);
        Assert.True(StateDictFile.LoadNetworks(nets, TinyReference.StatePath).IsComplete);
        return new SrDiffusionModel(nets, DiffusionOptions.SamDiffSROfficial, CPU, ownsNetworks: true);
    }

    private static (Tensor Lr, Tensor Up) Inputs(long h, long w)
    {
        var lr = (0.8 * sin(arange(0, 3 * h * w, dtype: ScalarType.Float32) * 0.37f)).reshape(1, 3, h, w);
        var up = nn.functional.interpolate(lr, scale_factor: [4, 4], mode: InterpolationMode.Bilinear, align_corners: false);
        return (lr, up);
    }

    private static Tensor Run(SrDiffusionModel m, Tensor lr, Tensor up, SamplingOptions s) =>
        m.SuperResolve(lr, up, s, new Generator(11, CPU));

    [Fact]
    public void DefaultIsFp32_AndExplicitFp32IsBitwiseTheDefault()
    {
        Assert.Equal(Precision.Fp32, SamplingOptions.Official.Precision);
        using var m = OfficialTiny();
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(6, 8);
        var ddim = new SamplingOptions(SamplerKind.Jump, 3)   /* exact for the modulated model (DDIM is refused) */;
        Assert.True(Run(m, lr, up, ddim).eq(Run(m, lr, up, ddim with { Precision = Precision.Fp32 })).all().item<bool>());
    }

    [Fact]
    public void Bf16_FewStepSampling_MatchesFp32WithinTolerance_AndLeaksNothing()
    {
        using var m = OfficialTiny();
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(6, 8);
        var ddim = new SamplingOptions(SamplerKind.Jump, 3)   /* exact for the modulated model (DDIM is refused) */;
        var fp32 = Run(m, lr, up, ddim);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var bf16 = Run(m, lr, up, ddim with { Precision = Precision.Bf16 });
        Assert.Equal(1, DisposeScopeManager.Statistics.ThreadTotalLiveCount - before);   // only the result
        Assert.Equal(ScalarType.Float32, bf16.dtype);
        Assert.Equal(fp32.shape, bf16.shape);
        double maxAbs = (fp32 - bf16).abs().max().item<float>(), meanAbs = (fp32 - bf16).abs().mean().item<float>();
        log.WriteLine($"bf16 vs fp32, DDIM 3 steps, 24x32 px: max |diff| {maxAbs:E3}, mean |diff| {meanAbs:E3} (images in [-1, 1])");
        Assert.True(maxAbs > 0, "bf16 gave bitwise the fp32 image: autocast did not engage");
        // bf16 keeps 8 mantissa bits (relative step 2^-8 = 0.0039); three steps of a 2-level U-Net stay well inside 0.05.
        Assert.True(maxAbs < 0.05, $"bf16 image differs from fp32 by {maxAbs}");
        Assert.True(meanAbs < 0.01, $"bf16 mean difference {meanAbs}");
    }

    [Fact]
    public void Bf16_OneDenoiserStep_RelativeErrorIsAtBf16Resolution()
    {
        using var m = OfficialTiny();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (lr, up) = Inputs(6, 8);
        m.Networks.eval();
        var cond = m.Networks.Conditioning(lr);
        var x = randn(new long[] { 1, 3, 24, 32 }, generator: new Generator(5, CPU));
        var t = tensor(new long[] { 60 });
        var a = m.Networks.Denoiser.forward(x, t, cond);
        Tensor b;
        using (Autocast.Enter(CPU, Precision.Bf16)) b = m.Networks.Denoiser.forward(x, t, cond);
        Assert.Equal(ScalarType.BFloat16, b.dtype);
        double rel = ((a - b.to(ScalarType.Float32)).norm() / a.norm()).item<float>();
        log.WriteLine($"one U-Net forward, bf16 vs fp32: relative L2 error {rel:E3}");
        Assert.InRange(rel, 1e-5, 0.02);
    }
}
