using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>
/// The paper's modulated process (ModulationMode.Paper) checked against its own derivation (Appendix A): the T-step
/// chain of eq. 9 has the marginal of eq. 3/12, and the DDPM posterior mean written with the paper's target (eq. 15)
/// is the Bayesian posterior mean of eq. 13/14.
/// </summary>
public class PaperModeTheoryTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);

    public PaperModeTheoryTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void MonteCarlo_ChainOfEq9_HasMarginalOfEq3()
    {
        // 4 groups × 50,000 scalars, each group with its own (x0, E); float64, seeded.
        (double x0, double e)[] groups = { (0.5, 0.8), (-0.3, -1.5), (0.9, 0.0), (-1.0, 2.5) };
        const int n = 50_000;
        using var scope = NewDisposeScope();
        var g = new Generator(20240330);
        var x0 = cat(groups.Select(p => full(new long[] { n }, p.x0, dtype: ScalarType.Float64)).ToArray());
        var e = cat(groups.Select(p => full(new long[] { n }, p.e, dtype: ScalarType.Float64)).ToArray());
        var x = x0.clone();
        int[] check = { 0, 1, 9, 49, 89, 99 };   // paper t = 1, 2, 10, 50, 90, 100
        for (int t = 0; t < S.Timesteps; t++)
        {
            using var step = NewDisposeScope();
            // eq. 9: x_t = sqrt(α_t) x_{t−1} + sqrt(β_t)(ε_t + E)
            var next = Math.Sqrt(S.Alphas[t]) * x + Math.Sqrt(S.Betas[t]) * (randn(new long[] { 4 * n }, dtype: ScalarType.Float64, generator: g) + e);
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
            if (!check.Contains(t)) continue;
            for (int k = 0; k < groups.Length; k++)
            {
                var part = x.narrow(0, k * n, n);
                double mean = part.mean().item<double>(), var_ = part.var().item<double>();
                double expMean = Math.Sqrt(S.AlphasCumprod[t]) * groups[k].x0 + S.Phi[t] * groups[k].e;   // eq. 3 mean
                double expVar = 1 - S.AlphasCumprod[t];                                                    // eq. 3 variance
                double tolMean = 5 * Math.Sqrt(expVar / n), tolVar = 5 * Math.Sqrt(2.0 / (n - 1)) * expVar;
                Assert.True(Math.Abs(mean - expMean) <= tolMean, $"t={t + 1} group {k}: mean {mean} vs eq. 3 {expMean} (tol {tolMean:E2})");
                Assert.True(Math.Abs(var_ - expVar) <= tolVar, $"t={t + 1} group {k}: var {var_} vs 1-ᾱ {expVar} (tol {tolVar:E2})");
                if (t == 49 && groups[k].e != 0)
                {
                    // The paper's printed φ (eq. 3: Σ sqrt(ᾱ_t β_i/α_i)) is rejected by the same data.
                    double printed = 0;
                    for (int i = 0; i <= t; i++) printed += Math.Sqrt(S.AlphasCumprod[t] * S.Betas[i] / S.Alphas[i]);
                    double wrongMean = Math.Sqrt(S.AlphasCumprod[t]) * groups[k].x0 + printed * groups[k].e;
                    Assert.True(Math.Abs(mean - wrongMean) > 20 * tolMean, $"printed φ not rejected for group {k}");
                }
            }
        }
        x.Dispose();
    }

    /// <summary>Bayesian posterior mean of q(x_{t−1} | x_t, x_0, E) from eq. 13/14 (code index i; t = i + 1).</summary>
    private static double BayesMean(int i, double xt, double x0, double e, IReadOnlyList<double> phi)
    {
        if (i == 0) return x0;   // t = 1: x_0 is known exactly (ᾱ_0 = 1), the posterior is a point mass at x_0
        double a = S.Alphas[i], b = S.Betas[i], acPrev = S.AlphasCumprodPrev[i];
        double precision = a / b + 1 / (1 - acPrev);                                       // 1/β̃_t, eq. 14
        double lin = Math.Sqrt(a) * (xt - Math.Sqrt(b) * e) / b
                   + (Math.Sqrt(acPrev) * x0 + phi[i - 1] * e) / (1 - acPrev);            // eq. 13 linear term
        return lin / precision;                                                            // eq. 15, first line
    }

    [Fact]
    public void PosteriorMean_Eq15WithPaperTarget_EqualsBayesianPosteriorOfEq13()
    {
        var rng = new Random(3);
        for (int i = 0; i < S.Timesteps; i++)
            for (int rep = 0; rep < 20; rep++)
            {
                double xt = 3 * (rng.NextDouble() * 2 - 1), x0 = rng.NextDouble() * 2 - 1, e = 4 * (rng.NextDouble() * 2 - 1);
                double a = S.Alphas[i], b = S.Betas[i], ac = S.AlphasCumprod[i];
                // ε implied by (x_t, x_0, E) through eq. 3, and the paper's target (eq. 5)
                double eps = (xt - Math.Sqrt(ac) * x0 - S.Phi[i] * e) / Math.Sqrt(1 - ac);
                double target = eps + Math.Sqrt((1 - ac) / b) * e;
                // eq. 15, second line: (1/sqrt(α_t))(x_t − β_t/sqrt(1 − ᾱ_t)·target)
                double ddpm = (xt - b / Math.Sqrt(1 - ac) * target) / Math.Sqrt(a);
                double bayes = BayesMean(i, xt, x0, e, S.Phi);
                Assert.True(Math.Abs(ddpm - bayes) <= 1e-9 * Math.Max(1, Math.Abs(bayes)), $"t={i + 1}: eq.15 {ddpm} vs Bayes {bayes}");
            }
    }

    [Fact]
    public void PosteriorMean_NeedsThePhiRecursion_PrintedPhiBreaksIt()
    {
        // Same identity with the paper's printed φ (eq. 3) fails: the E terms cancel only if sqrt(α_t)φ_{t−1} + sqrt(β_t) = φ_t.
        var printed = new double[S.Timesteps];
        for (int t = 0; t < S.Timesteps; t++)
            for (int i = 0; i <= t; i++) printed[t] += Math.Sqrt(S.AlphasCumprod[t] * S.Betas[i] / S.Alphas[i]);
        int i0 = 49; double xt = 0.2, x0 = 0.3, e = 1.0;
        double ac = S.AlphasCumprod[i0], b = S.Betas[i0];
        double eps = (xt - Math.Sqrt(ac) * x0 - printed[i0] * e) / Math.Sqrt(1 - ac);
        double ddpm = (xt - b / Math.Sqrt(1 - ac) * (eps + Math.Sqrt((1 - ac) / b) * e)) / Math.Sqrt(S.Alphas[i0]);
        Assert.True(Math.Abs(ddpm - BayesMean(i0, xt, x0, e, printed)) > 1e-3);
    }

    [Fact]
    public void SamplerPosteriorMean_WithPaperTarget_EqualsBayesianPosterior_Float64Tensors()
    {
        // The library path: ForwardProcess(Paper) makes (x_t, target); DdpmSampler (no clipping) turns the exact target into μ̃.
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        const int B = 100, P = 16;
        var x0 = rand(new long[] { B, 1, 4, 4 }, dtype: ScalarType.Float64, generator: g) * 2 - 1;
        var eps = randn(new long[] { B, 1, 4, 4 }, dtype: ScalarType.Float64, generator: g);
        var e = randn(new long[] { B, 1, 4, 4 }, dtype: ScalarType.Float64, generator: g) * 2;
        var t = arange(0, B, dtype: ScalarType.Int64);
        using var fp = new ForwardProcess(S, ModulationMode.Paper, ScalarType.Float64);
        using var sampler = new DdpmSampler(S, clipDenoised: false, ScalarType.Float64);
        var (xt, target) = fp.Diffuse(x0, t, eps, e);
        var mean = sampler.PosteriorMean(xt, t, target).data<double>().ToArray();
        var XT = xt.data<double>().ToArray(); var X0 = x0.data<double>().ToArray(); var E = e.data<double>().ToArray();
        for (int b = 0; b < B; b++)
            for (int k = 0; k < P; k++)
            {
                int idx = b * P + k;
                double bayes = BayesMean(b, XT[idx], X0[idx], E[idx], S.Phi);
                Assert.True(Math.Abs(mean[idx] - bayes) <= 1e-9 * Math.Max(1, Math.Abs(bayes)), $"t={b + 1} k={k}: sampler {mean[idx]} vs Bayes {bayes}");
            }
    }
}
