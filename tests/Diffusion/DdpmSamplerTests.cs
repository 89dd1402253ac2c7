using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using SamDiffSR.Tests.Schedules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

public class DdpmSamplerTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);

    public DdpmSamplerTests() => TorchRuntime.Initialize(threads: 1);

    private sealed class ListProgress : IProgress<ProgressInfo>
    {
        public List<ProgressInfo> Reports { get; } = new();
        public void Report(ProgressInfo value) => Reports.Add(value);
    }

    /// <summary>A smooth fixed x0 in [-0.9, 0.9] of the given shape (C-order index pattern).</summary>
    private static Tensor PointMass(long[] shape, ScalarType dtype = ScalarType.Float32)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return (0.9 * sin(arange(0, n, dtype: ScalarType.Float64) * 0.37)).reshape(shape).to(dtype);
    }

    /// <summary>The exact ε-predictor for a point mass at x0: ε = (x_t − sqrt(ᾱ_t) x0)/sqrt(1 − ᾱ_t).</summary>
    private static Func<Tensor, Tensor, Tensor> ExactEps(Tensor x0, DiffusionSchedule s) => (xt, t) =>
    {
        int i = (int)t[0].item<long>();
        return (xt - Math.Sqrt(s.AlphasCumprod[i]) * x0) / Math.Sqrt(1 - s.AlphasCumprod[i]);
    };

    /// <summary>
    /// Runs the C# sampler (float32 official buffers) with the reference noise and an independent float64 loop built
    /// from the reference JSON's float64 schedule, with the stand-in ε(x_t) = (x_t − sqrt(ᾱ_t) x0)/sqrt(1 − ᾱ_t) + bias·sin(3 x_t)
    /// (bias = 0 is the exact predictor for a point mass at x0). Returns the max abs difference over every x_t of the
    /// chain and the final samples of both.
    /// </summary>
    private static (double worstStep, double[] csharp, double[] reference, double[] x0) GoldenRun(double bias, ScalarType dtype)
    {
        var noise = ReferenceTensors.LoadStateDict(TestPaths.Reference("tiny_sampling_noise.pt"));
        try
        {
            Assert.Equal(101, noise.Count);
            var xT = noise["x_T"];
            Assert.Equal(new long[] { 1, 3, 32, 32 }, xT.shape);
            // Loop index k uses diffusion index i = 99 − k (docs/official-code.md §Reference vectors).
            Tensor Z(int i) => noise[$"noise_step_{99 - i:D2}"];
            using var scope = NewDisposeScope();
            var shape = xT.shape;
            var x0 = PointMass(shape, dtype);
            var exact = ExactEps(x0, S);
            Func<Tensor, Tensor, Tensor> den = (xt, t) => exact(xt, t) + bias * sin(3 * xt);
            using var sampler = new DdpmSampler(S, clipDenoised: true, dtype);
            var steps = new Dictionary<int, double[]>();
            var result = sampler.Sample(shape, den, new FixedNoiseSource(xT, Z),
                onStep: (t, x) => steps[t] = x.to(ScalarType.Float64).data<double>().ToArray());

            // Independent double-precision loop from the reference JSON's float64 schedule.
            var betas = ScheduleReference.Array("betas_f64");
            var ac = ScheduleReference.Array("alphas_cumprod_f64");
            var acPrev = ScheduleReference.Array("alphas_cumprod_prev_f64");
            double[] X0 = x0.to(ScalarType.Float64).data<double>().ToArray();
            double[] x = xT.to(ScalarType.Float64).data<double>().ToArray();
            double worst = 0;
            for (int i = 99; i >= 0; i--)
            {
                for (int k = 0; k < x.Length; k++) worst = Math.Max(worst, Math.Abs(steps[i][k] - x[k]));
                double[] z = Z(i).to(ScalarType.Float64).data<double>().ToArray();
                double sa = Math.Sqrt(ac[i]), s1 = Math.Sqrt(1 - ac[i]);
                double c1 = betas[i] * Math.Sqrt(acPrev[i]) / (1 - ac[i]);
                double c2 = (1 - acPrev[i]) * Math.Sqrt(1 - betas[i]) / (1 - ac[i]);
                double sd = Math.Exp(0.5 * Math.Log(Math.Max(betas[i] * (1 - acPrev[i]) / (1 - ac[i]), 1e-20)));
                for (int k = 0; k < x.Length; k++)
                {
                    double eps = (x[k] - sa * X0[k]) / s1 + bias * Math.Sin(3 * x[k]);
                    double x0hat = Math.Clamp(Math.Sqrt(1 / ac[i]) * x[k] - Math.Sqrt(1 / ac[i] - 1) * eps, -1, 1);
                    x[k] = c1 * x0hat + c2 * x[k] + (i > 0 ? sd * z[k] : 0);
                }
            }
            var got = result.to(ScalarType.Float64).data<double>().ToArray();
            result.Dispose();
            return (worst, got, x, X0);
        }
        finally { foreach (var t in noise.Values) t.Dispose(); }
    }

    private static double MaxAbsDiff(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();

    // Float32 (the official buffers): x̂_0 = 2028·x_t − 2028·ε̂ at t = T cancels about 11 bits, so single steps carry
    // ~1e-5 rounding; the chain contracts it and the final sample matches to 1e-5. Float64 checks the loop logic exactly.
    [Theory]
    [InlineData(ScalarType.Float32, 5e-5, 1e-5)]
    [InlineData(ScalarType.Float64, 1e-10, 1e-10)]
    public void GoldenLoop_ExactDenoiser_MatchesDoublePrecisionReimplementation_AndRecoversX0(ScalarType dtype, double stepTol, double finalTol)
    {
        var (worstStep, got, reference, x0) = GoldenRun(bias: 0, dtype);
        Assert.True(worstStep <= stepTol, $"x_t along the chain, C# vs float64 reimplementation: max abs diff {worstStep:E3}");
        Assert.True(MaxAbsDiff(got, reference) <= finalTol, $"final sample vs float64 reimplementation: {MaxAbsDiff(got, reference):E3}");
        Assert.True(MaxAbsDiff(got, x0.Select(v => Math.Clamp(v, -1, 1)).ToArray()) <= finalTol, "final sample is not clip(x0)");
    }

    [Theory]
    [InlineData(ScalarType.Float32, 5e-5, 1e-5)]
    [InlineData(ScalarType.Float64, 1e-10, 1e-10)]
    public void GoldenLoop_BiasedDenoiserWithActiveClipping_MatchesDoublePrecisionReimplementation(ScalarType dtype, double stepTol, double finalTol)
    {
        var (worstStep, got, reference, x0) = GoldenRun(bias: 0.05, dtype);
        Assert.True(worstStep <= stepTol, $"x_t along the chain: max abs diff {worstStep:E3}");
        Assert.True(MaxAbsDiff(got, reference) <= finalTol, $"final: {MaxAbsDiff(got, reference):E3}");
        Assert.True(MaxAbsDiff(got, x0) > 1e-3, "the biased stand-in should not return x0");
    }

    [Fact]
    public void ExactDenoiser_ReverseMarginals_MatchForwardMarginals()
    {
        // With the exact predictor for a point mass, x_t along the reverse chain is distributed as q(x_t | x0).
        using var scope = NewDisposeScope();
        long[] shape = { 1, 2, 200, 200 };
        var x0 = cat(new[] { full(new long[] { 1, 1, 200, 200 }, 0.3f), full(new long[] { 1, 1, 200, 200 }, -0.6f) }, 1);
        using var sampler = new DdpmSampler(S);
        var checks = new Dictionary<int, (double m0, double v0, double m1, double v1)>();
        int[] at = { 90, 50, 10, 1 };
        using var result = sampler.Sample(shape, ExactEps(x0, S), new GeneratorNoiseSource(new Generator(5)), onStep: (t, x) =>
        {
            if (!at.Contains(t)) return;
            using var s = NewDisposeScope();
            checks[t] = (x[0, 0].mean().item<float>(), x[0, 0].var().item<float>(), x[0, 1].mean().item<float>(), x[0, 1].var().item<float>());
        });
        Assert.Equal(at.Length, checks.Count);
        const int n = 40_000;
        foreach (var (t, c) in checks)
        {
            double v = 1 - S.AlphasCumprod[t], sa = Math.Sqrt(S.AlphasCumprod[t]);
            double tm = 5 * Math.Sqrt(v / n), tv = 5 * Math.Sqrt(2.0 / n) * v;
            Assert.True(Math.Abs(c.m0 - sa * 0.3) <= tm, $"t={t} mean0 {c.m0} vs {sa * 0.3}");
            Assert.True(Math.Abs(c.m1 + sa * 0.6) <= tm, $"t={t} mean1 {c.m1} vs {-sa * 0.6}");
            Assert.True(Math.Abs(c.v0 - v) <= tv, $"t={t} var0 {c.v0} vs {v}");
            Assert.True(Math.Abs(c.v1 - v) <= tv, $"t={t} var1 {c.v1} vs {v}");
        }
        Assert.True(result.allclose(x0, rtol: 0, atol: 1e-5));
    }

    /// <summary>The exact predictor of the paper's target ε + sqrt((1−ᾱ)/β)E for a point mass x0 and a fixed E.</summary>
    private static Func<Tensor, Tensor, Tensor> ExactPaperTarget(Tensor x0, Tensor e) => (xt, t) =>
    {
        int i = (int)t[0].item<long>();
        double ac = S.AlphasCumprod[i];
        var eps = (xt - Math.Sqrt(ac) * x0 - S.Phi[i] * e) / Math.Sqrt(1 - ac);
        return eps + Math.Sqrt((1 - ac) / S.Betas[i]) * e;
    };

    [Fact]
    public void PaperMode_ExactTargetPredictor_WithoutClipping_ReproducesEq3MarginalsAndX0()
    {
        // Starting from N(0, I) (not N(φ_T E, I), paper §4.3), the chain forgets the start and follows q(x_t | x0, E).
        using var scope = NewDisposeScope();
        long[] shape = { 1, 1, 200, 200 };
        var x0 = full(shape, 0.4f);
        var e = full(shape, 1.0f);
        using var sampler = new DdpmSampler(S, clipDenoised: false);
        var checks = new Dictionary<int, (double m, double v)>();
        int[] at = { 80, 50, 10, 1 };
        using var result = sampler.Sample(shape, ExactPaperTarget(x0, e), new GeneratorNoiseSource(new Generator(9)), onStep: (t, x) =>
        {
            if (at.Contains(t)) checks[t] = (x.mean().item<float>(), x.var().item<float>());
        });
        const int n = 40_000;
        foreach (var (t, c) in checks)
        {
            double v = 1 - S.AlphasCumprod[t], m = Math.Sqrt(S.AlphasCumprod[t]) * 0.4 + S.Phi[t] * 1.0;
            Assert.True(Math.Abs(c.m - m) <= 5 * Math.Sqrt(v / n) + 1e-4, $"t={t} mean {c.m} vs eq. 3 {m}");
            Assert.True(Math.Abs(c.v - v) <= 5 * Math.Sqrt(2.0 / n) * v, $"t={t} var {c.v} vs {v}");
        }
        Assert.True(result.allclose(x0, rtol: 0, atol: 1e-4), $"max diff {(result - x0).abs().max().item<float>()}");
    }

    [Fact]
    public void PaperMode_ExactTargetPredictor_WithClipping_DistortsIntermediateMarginals()
    {
        // x̂_0 = x0 + κ_t E (κ_t = 2.4 at t = 50, up to 163), so the official clip to [-1, 1] pulls the paper-mode chain
        // away from q(x_t | x0, E) (documented on DdpmSampler). For a point mass the last step still returns x0 (κ_1 = 0).
        using var scope = NewDisposeScope();
        long[] shape = { 1, 1, 100, 100 };
        var x0 = full(shape, 0.4f); var e = full(shape, 1.0f);
        using var sampler = new DdpmSampler(S, clipDenoised: true);
        double mean50 = double.NaN;
        using var result = sampler.Sample(shape, ExactPaperTarget(x0, e), new GeneratorNoiseSource(new Generator(9)),
            onStep: (t, x) => { if (t == 50) mean50 = x.mean().item<float>(); });
        double eq3 = Math.Sqrt(S.AlphasCumprod[50]) * 0.4 + S.Phi[50];
        double kappa50 = (S.Phi[50] - (1 - S.AlphasCumprod[50]) / Math.Sqrt(S.Betas[50])) / Math.Sqrt(S.AlphasCumprod[50]);
        Assert.True(kappa50 > 2, $"kappa_50 = {kappa50}");
        Assert.True(Math.Abs(mean50 - eq3) > 0.1, $"clipped chain mean at t=50 {mean50} unexpectedly matches eq. 3 {eq3}");
        Assert.True(result.allclose(x0, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Sampling_DoesNotLeakTensors_Over20Steps()
    {
        var s20 = DiffusionSchedule.Cosine(20);
        using var sampler = new DdpmSampler(s20);
        var x0 = PointMass(new long[] { 2, 3, 8, 8 });
        var den = ExactEps(x0, s20);
        var g = new Generator(1);
        var live = new List<long>();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var result = sampler.Sample(new long[] { 2, 3, 8, 8 }, den, new GeneratorNoiseSource(g),
            onStep: (t, x) => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        Assert.Equal(20, live.Count);
        Assert.True(live.All(c => c == live[0]), $"live tensor count grew during sampling: {string.Join(",", live)}");
        result.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        x0.Dispose();
    }

    [Fact]
    public void Generator_DrawOrder_IsOfficial_AndRunsAreReproducible()
    {
        using var scope = NewDisposeScope();
        var s5 = DiffusionSchedule.Cosine(5);
        using var sampler = new DdpmSampler(s5);
        long[] shape = { 1, 3, 4, 4 };
        Func<Tensor, Tensor, Tensor> den = (x, t) => 0.1 * x;
        Tensor? seenXT = null;
        var a = sampler.Sample(shape, den, new GeneratorNoiseSource(new Generator(42)), onStep: (t, x) => { if (t == 4) seenXT = x.clone(); });
        var b = sampler.Sample(shape, den, new Generator(42));
        Assert.True(a.equal(b).all().item<bool>());
        // x_T is the generator's first draw; then one z per step including t = 0 (T + 1 draws in all).
        var g = new Generator(42);
        var first = randn(shape, generator: g);
        Assert.True(seenXT!.equal(first).all().item<bool>());
        var zs = Enumerable.Range(0, 5).Select(_ => randn(shape, generator: g)).ToList();   // z for t = 4..0
        var x = first;
        for (int t = 4; t >= 0; t--) x = sampler.PSample(x, tensor(new long[] { t }), den(x, null!), zs[4 - t]);
        Assert.True(a.allclose(x, rtol: 0, atol: 1e-7));
        var after = randn(shape, generator: g);
        var g2 = new Generator(42);
        for (int k = 0; k < 6; k++) randn(shape, generator: g2);
        Assert.True(after.equal(randn(shape, generator: g2)).all().item<bool>());
    }

    [Fact]
    public void PSample_AtT0_AddsNoNoise_AndElsewhereUsesPosteriorStd()
    {
        using var scope = NewDisposeScope();
        using var sampler = new DdpmSampler(S, clipDenoised: false, ScalarType.Float64);
        var x = randn(new long[] { 2, 1, 3, 3 }, dtype: ScalarType.Float64, generator: new Generator(3));
        var eps = randn(new long[] { 2, 1, 3, 3 }, dtype: ScalarType.Float64, generator: new Generator(4));
        var t = tensor(new long[] { 0, 37 });
        var z1 = ones_like(x); var z2 = zeros_like(x);
        var d = sampler.PSample(x, t, eps, z1) - sampler.PSample(x, t, eps, z2);
        Assert.Equal(0.0, d[0].abs().max().item<double>());
        Assert.Equal(Math.Sqrt(S.PosteriorVariance[37]), d[1].mean().item<double>(), 12);
        // μ̃ = (1/sqrt α)(x_t − β/sqrt(1 − ᾱ) ε̂) when x̂_0 is not clipped (eq. 15)
        var mean = sampler.PosteriorMean(x, t, eps);
        var expected = (x[1] - S.Betas[37] / Math.Sqrt(1 - S.AlphasCumprod[37]) * eps[1]) / Math.Sqrt(S.Alphas[37]);
        Assert.True(mean[1].allclose(expected, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void Progress_IsReportedOncePerStep()
    {
        var s10 = DiffusionSchedule.Cosine(10);
        using var sampler = new DdpmSampler(s10);
        var p = new ListProgress();
        using var r = sampler.Sample(new long[] { 1, 1, 2, 2 }, (x, t) => zeros_like(x), new Generator(0), p);
        Assert.Equal(10, p.Reports.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), p.Reports.Select(q => q.Done));
        Assert.All(p.Reports, q => Assert.Equal(10, q.Total));
        Assert.Equal(1.0, p.Reports[^1].Fraction);
    }

    [Fact]
    public void BadDenoiserOutput_AndCancellation_AreReported()
    {
        var s5 = DiffusionSchedule.Cosine(5);
        using var sampler = new DdpmSampler(s5);
        var ex = Assert.Throws<ArgumentException>(() => sampler.Sample(new long[] { 1, 3, 4, 4 }, (x, t) => zeros(1, 1, 4, 4), new Generator(0)));
        Assert.Contains("denoiser returned shape", ex.Message);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => sampler.Sample(new long[] { 1, 3, 4, 4 }, (x, t) => zeros_like(x), new Generator(0), null, cts.Token));
    }
}
