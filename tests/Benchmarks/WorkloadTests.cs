using SamDiffSR.Cli.Benchmarks;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using SamDiffSR.Diffusion;

namespace SamDiffSR.Tests.Benchmarks;

/// <summary>The workloads and the execution variants compute the same numbers as the library's default path.</summary>
public class WorkloadTests
{
    public WorkloadTests() => TorchRuntime.Initialize(threads: 1);

    private sealed class NullRecorder : ISegmentRecorder
    {
        public int Count;
        public IDisposable Segment(string kind) { Count++; return new Noop(); }
        private sealed class Noop : IDisposable { public void Dispose() { } }
    }

    private static SrDiffNetworks LoadTiny()
    {
        var nets = new SrDiffNetworks(ModelConfig.Tiny);
        StateDictFile.LoadNetworks(nets, TinyReference.StatePath);
        nets.eval();
        return nets;
    }

    [Fact]
    public void FastUnet_EqualsTheModuleForward_WithAndWithoutFusedMish_AndWithACachedProjection()
    {
        using var nets = LoadTiny();
        using var scope = NewDisposeScope();
        using var g = no_grad();
        var gen = new Generator(7);
        var x = randn([2, 3, 16, 16], generator: gen);
        var cond = nets.Conditioning(randn([2, 3, 4, 4], generator: gen));
        var t = tensor(new long[] { 3, 97 });
        var expected = nets.Denoiser.call(x, t, cond);
        foreach (bool fused in new[] { false, true })
        {
            var fast = new FastUnet(nets.Denoiser, fused);
            var got = fast.Forward(x, t, cond);
            Assert.True(got.allclose(expected, rtol: 1e-5, atol: 1e-6), $"fused={fused}: max |diff| {(got - expected).abs().max().item<float>()}");
            var cached = fast.Forward(x, fast.TimeEmbedding(t), fast.ProjectConditioning(cond), projected: true);
            Assert.True(cached.allclose(expected, rtol: 1e-5, atol: 1e-6));
        }
        // The unfused path is the module's own arithmetic: identical bits.
        Assert.True(new FastUnet(nets.Denoiser, false).Forward(x, t, cond).allclose(expected, 0, 0));
    }

    [Fact]
    public void FastUnet_GradientsReachTheModuleParameters()
    {
        using var nets = LoadTiny();
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var x = randn([1, 3, 16, 16], generator: gen);
        Tensor cond;
        using (no_grad()) cond = nets.Conditioning(randn([1, 3, 4, 4], generator: gen));
        var t = tensor(new long[] { 41 });
        nets.Denoiser.call(x, t, cond).abs().mean().backward();
        var reference = nets.Denoiser.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        nets.zero_grad();
        new FastUnet(nets.Denoiser, fusedMish: true).Forward(x, t, cond).abs().mean().backward();
        foreach (var (name, p) in nets.Denoiser.named_parameters())
            Assert.True(p.grad!.allclose(reference[name], rtol: 1e-4, atol: 1e-6), name);
    }

    [Fact]
    public void ChannelsLast_RelaysWeightsAndKeepsTheOutputs()
    {
        using var nets = LoadTiny();
        using var scope = NewDisposeScope();
        using var g = no_grad();
        var gen = new Generator(11);
        var x = randn([1, 3, 16, 16], generator: gen);
        var lr = randn([1, 3, 4, 4], generator: gen);
        var t = tensor(new long[] { 50 });
        var expected = nets.Denoiser.call(x, t, nets.Conditioning(lr));
        Assert.False(ChannelsLast.IsChannelsLast(nets.Denoiser.named_parameters().First(p => p.name == "cond_proj.weight").parameter));

        int n = ChannelsLast.ConvertModule(nets);
        Assert.True(n > 50, $"converted {n} tensors");
        Assert.All(nets.named_parameters().Where(p => p.parameter.dim() == 4 && p.parameter.shape[1] > 1),
                   p => Assert.True(ChannelsLast.IsChannelsLast(p.parameter), p.name));
        var xl = ChannelsLast.Convert(x);
        Assert.True(ChannelsLast.IsChannelsLast(xl));
        Assert.True(xl.allclose(x, 0, 0));
        var got = nets.Denoiser.call(xl, t, nets.Conditioning(ChannelsLast.Convert(lr)));
        Assert.True(got.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max |diff| {(got - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void TrainStep_Tiny_GivesAFiniteLossAndMovesOnlyTheUnet_ForEveryVariant()
    {
        foreach (var v in new[] { BenchVariant.Baseline, BenchSuite.Tuned, BenchVariant.Baseline with { Name = "cl", ChannelsLast = true } })
        {
            using var w = new TrainStepWorkload(ModelConfig.Tiny, batch: 2, hrPatch: 16, v, seed: 5);
            var unet0 = w.Networks.Denoiser.parameters().First().clone();
            var rrdb0 = w.Networks.Rrdb!.parameters().First().clone();
            w.Run(new NullRecorder());
            Assert.True(double.IsFinite(w.LastLoss) && w.LastLoss > 0.1 && w.LastLoss < 5, $"{v.Name}: loss {w.LastLoss}");
            Assert.False(w.Networks.Denoiser.parameters().First().allclose(unet0, 0, 0), $"{v.Name}: Adam did not move the U-Net");
            Assert.True(w.Networks.Rrdb!.parameters().First().allclose(rrdb0, 0, 0), $"{v.Name}: the frozen RRDB moved");
            unet0.Dispose(); rrdb0.Dispose();
        }
    }

    [Fact]
    public void SampleRun_Tiny_VisitsTheRightSteps_AndTheTunedPathGivesTheSameSample()
    {
        var sums = new List<double>();
        foreach (var v in new[] { BenchVariant.Baseline, BenchSuite.Tuned })
        {
            using var w = new SampleStepWorkload(ModelConfig.Tiny, hrSize: 16, steps: 4, SamplerKind.Ddpm, v, seed: 9);
            Assert.Equal([99, 98, 97, 96], w.Timesteps);
            var rec = new NullRecorder();
            torch.manual_seed(123);
            w.Run(rec);
            Assert.Equal(1 + 4, rec.Count);
            Assert.True(double.IsFinite(w.LastSampleSum));
            sums.Add(w.LastSampleSum);
        }
        // Same seed, same weights, same noise draws: the tuned variant's x_{T-4} equals the baseline's up to rounding.
        Assert.Equal(sums[0], sums[1], 2);

        using var ddim = new SampleStepWorkload(ModelConfig.Tiny, hrSize: 16, steps: 5, SamplerKind.Ddim, BenchSuite.Tuned);
        Assert.Equal([80, 60, 40, 20, 0], ddim.Timesteps);
        ddim.Run(new NullRecorder());
        Assert.True(double.IsFinite(ddim.LastSampleSum));
    }

    [Fact]
    public void Workloads_RejectSizesTheNetworkCannotTake()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainStepWorkload(ModelConfig.Tiny, 1, 18, BenchVariant.Baseline));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainStepWorkload(ModelConfig.Tiny, 0, 16, BenchVariant.Baseline));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleStepWorkload(ModelConfig.Tiny, 16, 101, SamplerKind.Ddpm, BenchVariant.Baseline));
    }

    [Fact]
    public void TrainAndSampleSteps_DoNotLeakTensors()
    {
        using var train = new TrainStepWorkload(ModelConfig.Tiny, 1, 16, BenchSuite.Tuned with { ChannelsLast = true });
        using var baseline = new TrainStepWorkload(ModelConfig.Tiny, 1, 16, BenchVariant.Baseline);
        using var sample = new SampleStepWorkload(ModelConfig.Tiny, 16, 3, SamplerKind.Ddpm, BenchSuite.Tuned);
        using var sampleBase = new SampleStepWorkload(ModelConfig.Tiny, 16, 3, SamplerKind.Ddim, BenchVariant.Baseline);
        var rec = new NullRecorder();
        IBenchWorkload[] all = [train, baseline, sample, sampleBase];
        foreach (var w in all) w.Run(rec);            // first steps allocate gradients and Adam state
        var stats = DisposeScopeManager.Statistics;
        stats.Reset();
        for (int i = 0; i < 3; i++)
            foreach (var w in all) w.Run(rec);
        Assert.Equal(0, stats.ThreadTotalLiveCount);
    }
}
