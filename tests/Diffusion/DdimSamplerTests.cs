using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

public class DdimSamplerTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);

    public DdimSamplerTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void Timesteps_UniformAndTrailing()
    {
        Assert.Equal(new[] { 90, 80, 70, 60, 50, 40, 30, 20, 10, 0 }, DdimSampler.ComputeTimesteps(100, 10, DdimSpacing.Uniform));
        Assert.Equal(new[] { 99, 89, 79, 69, 59, 49, 39, 29, 19, 9 }, DdimSampler.ComputeTimesteps(100, 10, DdimSpacing.Trailing));
        Assert.Equal(Enumerable.Range(0, 100).Reverse(), DdimSampler.ComputeTimesteps(100, 100, DdimSpacing.Uniform));
        Assert.Equal(Enumerable.Range(0, 100).Reverse(), DdimSampler.ComputeTimesteps(100, 100, DdimSpacing.Trailing));
        foreach (int k in new[] { 1, 3, 7, 30, 33, 99 })
            foreach (var sp in new[] { DdimSpacing.Uniform, DdimSpacing.Trailing })
            {
                var ts = DdimSampler.ComputeTimesteps(100, k, sp);
                Assert.Equal(k, ts.Distinct().Count());
                Assert.All(ts, t => Assert.InRange(t, 0, 99));
            }
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(S, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(S, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(S, 10, eta: -1));
    }

    [Fact]
    public void EtaOne_FullSteps_SigmaSquaredEqualsPosteriorVariance()
    {
        var d = new DdimSampler(S, 100, DdimSpacing.Uniform, eta: 1.0);
        for (int t = 0; t < 100; t++)
        {
            double sigma = d.Sigma(t, t - 1);
            Assert.True(Math.Abs(sigma * sigma - S.PosteriorVariance[t]) <= 1e-12 * Math.Max(S.PosteriorVariance[t], 1e-300),
                $"t={t}: sigma^2 {sigma * sigma} vs beta-tilde {S.PosteriorVariance[t]}");
        }
        Assert.Equal(0.0, new DdimSampler(S, 100, eta: 0).Sigma(50, 49));
    }

    [Fact]
    public void EtaOne_FullSteps_EqualsDdpm_WithSameNoise()
    {
        using var scope = NewDisposeScope();
        long[] shape = { 2, 3, 5, 5 };
        var g = new Generator(77);
        var xT = randn(shape, dtype: ScalarType.Float64, generator: g);
        var zs = Enumerable.Range(0, 100).Select(_ => randn(shape, dtype: ScalarType.Float64, generator: g)).ToArray();
        var noise = new FixedNoiseSource(xT, t => zs[t]);
        // An arbitrary smooth stand-in denoiser that depends on x_t and t.
        Func<Tensor, Tensor, Tensor> den = (x, t) => 0.5 * tanh(x) + 0.01 * t[0].to(ScalarType.Float64);
        using var ddpm = new DdpmSampler(S, clipDenoised: false, ScalarType.Float64);
        using var a = ddpm.Sample(shape, den, noise);
        var ddim = new DdimSampler(S, 100, DdimSpacing.Uniform, eta: 1.0);
        using var b = ddim.Sample(shape, den, noise, ScalarType.Float64);
        double diff = (a - b).abs().max().item<double>();
        Assert.True(diff <= 1e-9, $"DDIM(k=T, eta=1) vs DDPM: {diff:E3}");
    }

    [Theory]
    [InlineData(1, DdimSpacing.Uniform)]
    [InlineData(10, DdimSpacing.Uniform)]
    [InlineData(10, DdimSpacing.Trailing)]
    [InlineData(25, DdimSpacing.Trailing)]
    [InlineData(100, DdimSpacing.Uniform)]
    public void EtaZero_IsDeterministic_AndExactDenoiserRecoversX0(int k, DdimSpacing spacing)
    {
        using var scope = NewDisposeScope();
        long[] shape = { 1, 3, 6, 6 };
        var x0 = (0.9 * sin(arange(0, 108, dtype: ScalarType.Float64) * 0.5)).reshape(shape);
        Func<Tensor, Tensor, Tensor> exact = (xt, t) =>
        {
            int i = (int)t[0].item<long>();
            return (xt - Math.Sqrt(S.AlphasCumprod[i]) * x0) / Math.Sqrt(1 - S.AlphasCumprod[i]);
        };
        var xT = randn(shape, dtype: ScalarType.Float64, generator: new Generator(8));
        var d = new DdimSampler(S, k, spacing, eta: 0);
        // With η = 0 and the exact denoiser, ε̂ stays the ε of x_T: x_τ = sqrt(ᾱ_τ) x0 + sqrt(1 − ᾱ_τ) ε_T exactly.
        int first = d.Timesteps[0];
        var epsT = (xT - Math.Sqrt(S.AlphasCumprod[first]) * x0) / Math.Sqrt(1 - S.AlphasCumprod[first]);
        int visited = 0;
        using var r1 = d.Sample(shape, exact, new FixedNoiseSource(xT, _ => throw new InvalidOperationException("eta = 0 must draw no noise")),
            ScalarType.Float64, onStep: (t, x) =>
            {
                visited++;
                var expected = Math.Sqrt(S.AlphasCumprod[t]) * x0 + Math.Sqrt(1 - S.AlphasCumprod[t]) * epsT;
                Assert.True(x.allclose(expected, rtol: 0, atol: 1e-9), $"x_tau at t={t}");
            });
        Assert.Equal(k, visited);
        Assert.True(r1.allclose(x0, rtol: 0, atol: 1e-9));
        // η = 1 also ends at x0 (σ = 0 on the last step).
        using var r2 = new DdimSampler(S, k, spacing, eta: 1).Sample(shape, exact, new GeneratorNoiseSource(new Generator(2)), ScalarType.Float64);
        Assert.True(r2.allclose(x0, rtol: 0, atol: 1e-9));
    }

    [Fact]
    public void Clipping_KeepsTheUpdateConsistent()
    {
        using var scope = NewDisposeScope();
        var d = new DdimSampler(S, 10, eta: 0, clipDenoised: true);
        var xt = full(new long[] { 1, 1, 2, 2 }, 3.0, dtype: ScalarType.Float64);
        var eps = zeros_like(xt);   // x̂_0 = 3/sqrt(ᾱ) > 1 → clipped to 1; ε̂ re-derived
        var next = d.Step(xt, 50, 40, eps, null);
        double at = S.AlphasCumprod[50], as_ = S.AlphasCumprod[40];
        double epsC = (3.0 - Math.Sqrt(at)) / Math.Sqrt(1 - at);
        Assert.Equal(Math.Sqrt(as_) + Math.Sqrt(1 - as_) * epsC, next[0, 0, 0, 0].item<double>(), 12);
    }
}
