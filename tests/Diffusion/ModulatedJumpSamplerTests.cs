using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>
/// The exact few-step sampler for modulated models (docs/few-step-sampling.md): the one-step case, Monte-Carlo
/// marginals with an oracle predictor, the E bias of a full chain against DDIM's, the fewest-jump schedules,
/// refusals, and that DDIM for unmodulated models is untouched. All in float64 on CPU with fixed seeds.
/// </summary>
public class ModulatedJumpSamplerTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);
    private static readonly ModulationMode[] Modulated = [ModulationMode.Paper, ModulationMode.OfficialCode];

    public ModulatedJumpSamplerTests() => TorchRuntime.Initialize(threads: 1);

    private static double P(ModulationMode m, int i) => ModulatedJumpSampler.StateCoefficient(S, m, i);
    private static double K(ModulationMode m, int i) => ModulatedJumpSampler.TargetCoefficient(S, m, i);
    private static double Ab(int i) => ModulatedJumpSampler.AlphaBar(S, i);

    /// <summary>x_t = sqrt(ᾱ_t) x0 + P_t E + sqrt(1 − ᾱ_t) ε, written independently of ForwardProcess.</summary>
    private static Tensor Xt(ModulationMode m, int t, Tensor x0, Tensor e, Tensor eps) =>
        Math.Sqrt(Ab(t)) * x0 + P(m, t) * e + Math.Sqrt(1 - Ab(t)) * eps;

    /// <summary>The oracle n = ε + k_t E with ε recovered from x_t for the known x0 and E.</summary>
    private static Func<Tensor, Tensor, Tensor> Oracle(ModulationMode m, Tensor x0, Tensor e) => (xt, tt) =>
    {
        int t = (int)tt[0].item<long>();
        var eps = (xt - Math.Sqrt(Ab(t)) * x0 - P(m, t) * e) / Math.Sqrt(1 - Ab(t));
        return eps + K(m, t) * e;
    };

    /// <summary>Least-squares coefficient of E in (out − x0).</summary>
    private static double EBias(Tensor output, Tensor x0, Tensor e)
    {
        using var scope = NewDisposeScope();
        var eb = e.expand_as(output);
        return ((output - x0) * eb).sum().item<double>() / (eb * eb).sum().item<double>();
    }

    // ---------------------------------------------------------------- (a) one step

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(49)]
    [InlineData(90)]
    [InlineData(98)]
    [InlineData(99)]
    public void OneStep_PaperMode_IsTheDdpmStepOfEq15(int t)
    {
        var c = ModulatedJumpSampler.Coefficients(S, ModulationMode.Paper, t, t - 1);
        // eq. 15 as the sampler computes it: μ = coef1·x̂0 + coef2·x_t with x̂0 = sqrt(1/ᾱ) x_t − sqrt(1/ᾱ − 1) n
        double xCoef = S.PosteriorMeanCoef1[t] * S.SqrtRecipAlphasCumprod[t] + S.PosteriorMeanCoef2[t];
        double nCoef = -S.PosteriorMeanCoef1[t] * S.SqrtRecipm1AlphasCumprod[t];
        Assert.Equal(xCoef, c.A, 1e-12 * Math.Abs(xCoef));
        Assert.Equal(nCoef, c.B, 1e-12 * Math.Max(1, Math.Abs(nCoef)));
        Assert.Equal(S.PosteriorVariance[t], c.Variance, 1e-12);
        // and in the form (1/sqrt(α_t))(x_t − β_t/sqrt(1 − ᾱ_t) n)
        Assert.Equal(1 / Math.Sqrt(S.Alphas[t]), c.A, 1e-12 * c.A);
        Assert.Equal(-S.Betas[t] / (Math.Sqrt(S.Alphas[t]) * S.SqrtOneMinusAlphasCumprod[t]), c.B, 1e-12 * Math.Max(1, Math.Abs(c.B)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(49)]
    [InlineData(90)]
    [InlineData(99)]
    public void OneStep_OfficialCodeMode_IsDdimWithItsOwnSigma_NotTheDdpmStep(int t)
    {
        var m = ModulationMode.OfficialCode;
        int s = t - 1;
        var c = ModulatedJumpSampler.Coefficients(S, m, t, s);
        // x_t = sqrt(ᾱ_t) x0 + sqrt(1 − ᾱ_t) n exactly, so the jump is DDIM with σ² = (1 − ᾱ_s)(1 − c_s²/c_t²)
        double ratio = K(m, s) / K(m, t);
        double sigma2 = (1 - Ab(s)) * (1 - ratio * ratio);
        Assert.Equal(sigma2, c.Variance, 1e-12);
        Assert.Equal(Math.Sqrt(Ab(s) / Ab(t)), c.A, 1e-12 * c.A);
        double ddimN = -Math.Sqrt(Ab(s)) * Math.Sqrt(1 - Ab(t)) / Math.Sqrt(Ab(t)) + Math.Sqrt(1 - Ab(s) - sigma2);
        Assert.Equal(ddimN, c.B, 1e-12 * Math.Max(1, Math.Abs(ddimN)));
        // ... which is not the DDPM step the released code runs: σ² differs from β̃_t by > 10 %
        Assert.True(Math.Abs(c.Variance / S.PosteriorVariance[t] - 1) > 0.1, $"t={t}: σ²={c.Variance}, β̃={S.PosteriorVariance[t]}");
    }

    // ---------------------------------------------------------------- (b) Monte-Carlo marginals

    [Theory]
    [InlineData(ModulationMode.Paper, 99, 98)]
    [InlineData(ModulationMode.Paper, 91, 79)]
    [InlineData(ModulationMode.Paper, 54, 21)]
    [InlineData(ModulationMode.Paper, 4, 0)]
    [InlineData(ModulationMode.OfficialCode, 99, 0)]
    [InlineData(ModulationMode.OfficialCode, 60, 20)]
    [InlineData(ModulationMode.OfficialCode, 30, 29)]
    public void OracleJump_KeepsTheMarginalOfXs(ModulationMode mode, int t, int s)
    {
        const int N = 40_000;
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        // 8 elements with different x0 and E (E large enough that a wrong E coefficient shows)
        var x0 = tensor(new[] { -0.9, -0.5, 0.0, 0.3, 0.6, 1.0, -0.2, 0.8 }, dtype: ScalarType.Float64).reshape(1, 1, 2, 4);
        var e = tensor(new[] { 0.7, -0.4, 0.5, 1.0, -1.0, 0.2, 0.9, -0.6 }, dtype: ScalarType.Float64).reshape(1, 1, 2, 4)
                * (mode == ModulationMode.OfficialCode ? 20.0 : 1.0);
        var eps = randn([N, 1, 2, 4], dtype: ScalarType.Float64, generator: g);
        var z = randn([N, 1, 2, 4], dtype: ScalarType.Float64, generator: g);
        var xt = Xt(mode, t, x0, e, eps);
        var n = eps + K(mode, t) * e;                                   // the oracle: same ε as x_t
        var xs = ModulatedJumpSampler.Fewest(S, mode).Step(xt, t, s, n, z);   // Step takes any feasible (t, s)

        var wantMean = Math.Sqrt(Ab(s)) * x0 + P(mode, s) * e;
        double wantVar = 1 - Ab(s);
        var mean = xs.mean([0], keepdim: true);
        var variance = xs.var(0, unbiased: true, keepdim: true);
        double se = Math.Sqrt(wantVar / N);
        double meanErr = (mean - wantMean).abs().max().item<double>();
        double varErr = (variance / wantVar - 1).abs().max().item<double>();
        // 5 standard errors: mean SE = sqrt(var/N); relative SE of a variance = sqrt(2/N) = 0.7 %
        Assert.True(meanErr < 5 * se, $"{mode} {t + 1}→{s + 1}: max |mean − (sqrt(ᾱ_s)x0 + P_s E)| = {meanErr:G4} ≥ 5 SE = {5 * se:G4}");
        Assert.True(varErr < 5 * Math.Sqrt(2.0 / N), $"{mode} {t + 1}→{s + 1}: max relative variance error {varErr:G4}");

        // the test has power: DDIM (η = 0) from the same x_t and n misses the Paper-mode mean by far more than 5 SE
        if (mode == ModulationMode.Paper)
        {
            var ddim = new DdimSampler(S, S.Timesteps).Step(xt, t, s, n, null);
            double ddimErr = (ddim.mean([0], keepdim: true) - wantMean).abs().max().item<double>();
            Assert.True(ddimErr > 20 * se, $"DDIM mean error {ddimErr:G4} should exceed 20 SE = {20 * se:G4}");
        }
    }

    [Fact]
    public void FinalPaperJump_FromPaperStep1_ReturnsX0Exactly()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var x0 = rand([2, 3, 4, 4], dtype: ScalarType.Float64, generator: g) * 2 - 1;
        var e = rand([2, 1, 4, 4], dtype: ScalarType.Float64, generator: g);
        var eps = randn([2, 3, 4, 4], dtype: ScalarType.Float64, generator: g);
        var sampler = ModulatedJumpSampler.Fewest(S, ModulationMode.Paper);
        var c = sampler.Jumps[^1];
        Assert.Equal((0, -1), (c.From, c.To));
        Assert.Equal(0.0, c.Variance, 1e-15);
        var x = sampler.Step(Xt(ModulationMode.Paper, 0, x0, e, eps), 0, -1, eps + K(ModulationMode.Paper, 0) * e, null);
        Assert.True((x - x0).abs().max().item<double>() < 1e-12);
    }

    // ---------------------------------------------------------------- (c) full chain: no E bias

    [Fact]
    public void OracleChain_HasNoEBias_WhileTodaysDdimHasOne()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(21);
        var x0 = rand([4, 3, 8, 8], dtype: ScalarType.Float64, generator: g) * 2 - 1;
        var e = rand([4, 1, 8, 8], dtype: ScalarType.Float64, generator: g) - 0.5;
        long[] shape = [4, 3, 8, 8];
        foreach (var mode in Modulated)
        {
            var jump = ModulatedJumpSampler.Fewest(S, mode);
            var outJ = jump.Sample(shape, Oracle(mode, x0, e), new GeneratorNoiseSource(new Generator(3)), ScalarType.Float64);
            Assert.True(Math.Abs(EBias(outJ, x0, e)) < 1e-6, $"{mode}: jump chain E bias {EBias(outJ, x0, e):G4}");
            Assert.True((outJ - x0).abs().max().item<double>() < 1e-6, $"{mode}: jump chain output ≠ x0");
        }
        // today's DDIM (η = 0, trailing) on the Paper-mode oracle: the output is x̂0 of its last step, x0 + κ_τ E
        foreach (var (k, minBias) in new[] { (10, 0.1), (4, 0.5) })
        {
            var ddim = new DdimSampler(S, k, DdimSpacing.Trailing);
            var outD = ddim.Sample(shape, Oracle(ModulationMode.Paper, x0, e), new GeneratorNoiseSource(new Generator(3)), ScalarType.Float64);
            double bias = EBias(outD, x0, e);
            int last = ddim.Timesteps[^1];
            double kappa = (S.Phi[last] - (1 - Ab(last)) / Math.Sqrt(S.Betas[last])) / Math.Sqrt(Ab(last));
            Assert.True(bias > minBias, $"DDIM k={k}: E bias {bias:G4} should exceed {minBias}");
            Assert.Equal(kappa, bias, 1e-6);
        }
    }

    /// <summary>
    /// A harder oracle than the known-x0 one (with which only the last jump matters): x0 ~ N(μ, s²) per element and
    /// the Bayes-optimal predictor n*(x_t) = E[ε + k_t E | x_t] = sqrt(1 − ᾱ_t)(x_t − m_t)/(ᾱ_t s² + 1 − ᾱ_t) + k_t E,
    /// m_t = sqrt(ᾱ_t) μ + P_t E. It is linear in x_t, so a sampler that keeps the marginal means at every jump ends
    /// with mean μ whatever its variances; the chain starts from the true q(x_T) to isolate the sampler.
    /// </summary>
    [Fact]
    public void BayesPredictor_GaussianPrior_JumpChainMeanIsUnbiased_LikeDdpm_DdimIsNot()
    {
        const int N = 10_000;
        const double sd = 0.4;
        var mode = ModulationMode.Paper;
        using var scope = NewDisposeScope();
        var mu = tensor(new[] { -0.5, 0.0, 0.3, 0.6 }, dtype: ScalarType.Float64).reshape(1, 1, 1, 4);
        var e = tensor(new[] { 1.0, -0.8, 0.5, 0.2 }, dtype: ScalarType.Float64).reshape(1, 1, 1, 4);
        long[] shape = [N, 1, 1, 4];
        Func<Tensor, Tensor, Tensor> bayes = (xt, tt) =>
        {
            int t = (int)tt[0].item<long>();
            double a2 = Ab(t), v = a2 * sd * sd + 1 - a2;
            return Math.Sqrt(1 - a2) * (xt - Math.Sqrt(a2) * mu - P(mode, t) * e) / v + K(mode, t) * e;
        };
        INoiseSource TrueStart(ulong seed)
        {
            var g = new Generator(seed);
            int T1 = S.Timesteps - 1;
            var start = Math.Sqrt(Ab(T1)) * mu + P(mode, T1) * e
                        + Math.Sqrt(Ab(T1) * sd * sd + 1 - Ab(T1)) * randn(shape, dtype: ScalarType.Float64, generator: g);
            return new FixedNoiseSource(start, _ => randn(shape, dtype: ScalarType.Float64, generator: g));
        }
        double MeanError(Tensor output) => (output.mean([0], keepdim: true) - mu).abs().max().item<double>();

        var jump = ModulatedJumpSampler.Fewest(S, mode).Sample(shape, bayes, TrueStart(1), ScalarType.Float64);
        using var ddpmSampler = new DdpmSampler(S, clipDenoised: false, ScalarType.Float64);
        var ddpm = ddpmSampler.Sample(shape, bayes, TrueStart(2));
        var ddim = new DdimSampler(S, 10, DdimSpacing.Trailing).Sample(shape, bayes, TrueStart(3), ScalarType.Float64);
        double SE(Tensor output) => Math.Sqrt(output.var(0).max().item<double>() / N);   // standard error of a mean
        Assert.True(MeanError(jump) < 5 * SE(jump), $"jump chain mean error {MeanError(jump):G4} ≥ 5 SE = {5 * SE(jump):G4}");
        Assert.True(MeanError(ddpm) < 5 * SE(ddpm), $"DDPM mean error {MeanError(ddpm):G4} ≥ 5 SE = {5 * SE(ddpm):G4}");
        Assert.True(MeanError(ddim) > 1.0, $"DDIM k=10 mean error {MeanError(ddim):G4} should exceed 1 (measured 11 for E = 1)");
        double se = SE(jump);
        // the start N(0, I) instead of q(x_T) is forgotten: β_T = 0.999 makes the first jump nearly ignore x_T
        var fromZero = ModulatedJumpSampler.Fewest(S, mode).Sample(shape, bayes, new GeneratorNoiseSource(new Generator(4)), ScalarType.Float64);
        Assert.True(MeanError(fromZero) < 5 * se, $"jump chain from N(0, I): mean error {MeanError(fromZero):G4} ≥ 5 SE");
        // the limitation (docs/few-step-sampling.md): with a posterior-mean predictor the 9 jumps keep the means but not
        // the spread (measured variance 0.011 against s² = 0.16), while 100 DDPM steps nearly do (0.147)
        double varJump = jump.var(0).mean().item<double>(), varDdpm = ddpm.var(0).mean().item<double>();
        Assert.True(varJump < 0.25 * sd * sd, $"jump chain variance {varJump:G4}");
        Assert.InRange(varDdpm, 0.85 * sd * sd, 1.0 * sd * sd);
    }

    // ---------------------------------------------------------------- (d) schedules

    [Fact]
    public void FewestJumps_CosineT100_PaperIs9_OfficialCodeIs1_AndAllJumpsAreFeasible()
    {
        var greedy = ModulatedJumpSampler.GreedySchedule(S, ModulationMode.Paper);
        Assert.Equal(new[] { 99, 98, 96, 91, 79, 54, 21, 4, 0 }, greedy);
        Assert.Equal("100→99→97→92→80→55→22→5→1→0", ModulatedJumpSampler.Describe(greedy));
        Assert.Equal(greedy, ModulatedJumpSampler.FewestJumpsSchedule(S, ModulationMode.Paper));
        Assert.Equal(9, ModulatedJumpSampler.MinimumJumps(S, ModulationMode.Paper));
        Assert.All(ModulatedJumpSampler.Fewest(S, ModulationMode.Paper).Jumps, c => Assert.True(c.Variance >= 0, $"{c}"));
        // greedy is tight: one index further is infeasible at every jump
        for (int j = 0; j < greedy.Length; j++)
        {
            int s = j + 1 < greedy.Length ? greedy[j + 1] : -1;
            if (s > -1) Assert.False(ModulatedJumpSampler.Coefficients(S, ModulationMode.Paper, greedy[j], s - 1).Feasible);
        }
        // numbers of the feasibility note: 100→90 σ² = −375.4, 10→0 σ² = −0.00245
        Assert.Equal(-375.37, ModulatedJumpSampler.Coefficients(S, ModulationMode.Paper, 99, 89).Variance, 0.01);
        Assert.Equal(-0.002451, ModulatedJumpSampler.Coefficients(S, ModulationMode.Paper, 9, -1).Variance, 1e-6);

        // released code's mode: x0 is recoverable from n, every jump with c_s ≤ c_t is feasible, one jump suffices
        Assert.Equal(new[] { 99 }, ModulatedJumpSampler.GreedySchedule(S, ModulationMode.OfficialCode));
        Assert.Equal(1, ModulatedJumpSampler.MinimumJumps(S, ModulationMode.OfficialCode));
        for (int k = 1; k <= 100; k++)
            Assert.Null(ModulatedJumpSampler.FirstInfeasibleJump(S, ModulationMode.OfficialCode, DdimSampler.ComputeTimesteps(100, k, DdimSpacing.Trailing)));
        // Paper mode: trailing spacing is feasible exactly for k ≥ 67
        for (int k = 1; k <= 100; k++)
            Assert.Equal(k >= 67, ModulatedJumpSampler.FirstInfeasibleJump(S, ModulationMode.Paper, DdimSampler.ComputeTimesteps(100, k, DdimSpacing.Trailing)) is null);
    }

    // ---------------------------------------------------------------- (e) refusals

    [Fact]
    public void InfeasibleSchedule_IsRefused_NamingTheJumpAndTheAlternatives()
    {
        var trailing10 = DdimSampler.ComputeTimesteps(100, 10, DdimSpacing.Trailing);
        var ex = Assert.Throws<SamplerRefusedException>(() => new ModulatedJumpSampler(S, ModulationMode.Paper, trailing10));
        Assert.Equal((99, 89), (ex.From, ex.To));
        Assert.Contains("100→90", ex.Message);
        Assert.Contains("Nearest feasible trailing step count: 67", ex.Message);
        Assert.Contains("Fewest feasible jumps: 9 (100→99→97→92→80→55→22→5→1→0", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        // the last jump alone: 100→99→…→2→1 is fine, but …→10→0 is not
        var ex2 = Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.CheckSchedule(S, ModulationMode.Paper, Enumerable.Range(9, 91).Reverse().ToArray()));
        Assert.Contains("10→0", ex2.Message);
        // a schedule that does not start at T, or is not descending
        Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.CheckSchedule(S, ModulationMode.Paper, [90, 0]));
        Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.CheckSchedule(S, ModulationMode.Paper, [99, 99, 0]));
        // clipping in Paper mode, and the jump sampler on an unmodulated model
        Assert.Throws<SamplerRefusedException>(() => new ModulatedJumpSampler(S, ModulationMode.Paper, [99, 98, 96, 91, 79, 54, 21, 4, 0], clipDenoised: true));
        // an unmodulated model takes the same schedule as Paper mode (its jump borrows the Paper-mode sigma)
        Assert.Throws<SamplerRefusedException>(() => new ModulatedJumpSampler(S, ModulationMode.None, [99]));
    }

    [Fact]
    public void SamplerChoice_DdimOnAModulatedModel_IsRefusedUnlessItIsTheDdpmStep()
    {
        foreach (var mode in Modulated)
        {
            var ex = Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.ForSampling(S, mode, new SamplingOptions(SamplerKind.Ddim, 10), false));
            Assert.Contains("sampler jump", ex.Message);
            Assert.Contains("ddpm", ex.Message);
            Assert.Contains(mode == ModulationMode.Paper ? "9: 100→99→97→92→80→55→22→5→1→0; steps k = trailing k, feasible for k >= 67" : "sampler jump with steps 10", ex.Message);
            Assert.Null(ModulatedJumpSampler.ForSampling(S, mode, new SamplingOptions(SamplerKind.Ddim, 100, Eta: 1.0), false));
            Assert.Null(ModulatedJumpSampler.ForSampling(S, mode, SamplingOptions.Official, true));
        }
        Assert.Equal(9, ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, new SamplingOptions(SamplerKind.Jump, 0), clipDenoised: true)!.Jumps.Count);
        Assert.False(ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, new SamplingOptions(SamplerKind.Jump, 0), clipDenoised: true)!.ClipDenoised);
        Assert.Equal(70, ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, new SamplingOptions(SamplerKind.Jump, 70), false)!.Jumps.Count);
        Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, new SamplingOptions(SamplerKind.Jump, 10), false));
        Assert.True(ModulatedJumpSampler.ForSampling(S, ModulationMode.OfficialCode, new SamplingOptions(SamplerKind.Jump, 10), true)!.ClipDenoised);
        Assert.Equal(9, ModulatedJumpSampler.ForSampling(S, ModulationMode.None, new SamplingOptions(SamplerKind.Jump, 0), false)!.Jumps.Count);
        Assert.Null(ModulatedJumpSampler.ForSampling(S, ModulationMode.None, new SamplingOptions(SamplerKind.Ddim, 10), false));

        // the substitution pipelines use: DDIM k on a modulated model -> jump with k trailing steps where feasible, else fewest
        var ddim10 = new SamplingOptions(SamplerKind.Ddim, 10, TileLr: 64);
        Assert.Equal(ddim10 with { Sampler = SamplerKind.Jump, Steps = 0 }, ModulatedJumpSampler.ExactSamplingFor(ddim10, S, ModulationMode.Paper));
        Assert.Equal(ddim10 with { Sampler = SamplerKind.Jump }, ModulatedJumpSampler.ExactSamplingFor(ddim10, S, ModulationMode.OfficialCode));
        Assert.Equal(SamplerKind.Jump, ModulatedJumpSampler.ExactSamplingFor(ddim10 with { Steps = 70 }, S, ModulationMode.Paper).Sampler);
        Assert.Equal(70, ModulatedJumpSampler.ExactSamplingFor(ddim10 with { Steps = 70 }, S, ModulationMode.Paper).Steps);
        Assert.Same(ddim10, ModulatedJumpSampler.ExactSamplingFor(ddim10, S, ModulationMode.None));
        Assert.Same(SamplingOptions.Official, ModulatedJumpSampler.ExactSamplingFor(SamplingOptions.Official, S, ModulationMode.Paper));
        foreach (var mode in Modulated)
            Assert.NotNull(ModulatedJumpSampler.ForSampling(S, mode, ModulatedJumpSampler.ExactSamplingFor(ddim10, S, mode), false));
    }

    // ---------------------------------------------------------------- (f) unmodulated DDIM unchanged

    [Fact]
    public void SrDiff_Ddim_IsBitIdenticalToTheDdimSampler_AndAPaperModelRefusesIt()
    {
        manual_seed(3);
        using var model = new SrDiffusionModel(new SrDiffNetworks(ModelConfig.Tiny), DiffusionOptions.SrDiff, CPU, ownsNetworks: true);
        using var scope = NewDisposeScope();
        var lr = (0.8 * sin(arange(0, 3 * 4 * 4, dtype: ScalarType.Float32) * 0.37f)).reshape(1, 3, 4, 4);
        var up = nn.functional.interpolate(lr, scale_factor: [4, 4], mode: InterpolationMode.Bilinear, align_corners: false);
        var sampling = new SamplingOptions(SamplerKind.Ddim, 3, Eta: 0.5, Spacing: DdimSpacing.Trailing);
        var viaModel = model.SuperResolve(lr, up, sampling, new Generator(7));

        model.Networks.eval();
        var projected = model.Networks.Denoiser.ProjectConditioning(model.Networks.Conditioning(lr));
        var direct = new DdimSampler(model.Schedule, 3, DdimSpacing.Trailing, 0.5, model.Options.EffectiveClipDenoised)
            .Sample([1, 3, 16, 16], (xt, t) => model.Networks.Denoiser.ForwardProjected(xt, t, projected),
                    new GeneratorNoiseSource(new Generator(7)), ScalarType.Float32, CPU);
        Assert.True(viaModel.equal(model.FromResidual(direct, up)).all().item<bool>());

        manual_seed(3);
        using var paper = new SrDiffusionModel(new SrDiffNetworks(ModelConfig.Tiny), DiffusionOptions.SamDiffSRPaper, CPU, ownsNetworks: true);
        Assert.Throws<SamplerRefusedException>(() => paper.SuperResolve(lr, up, sampling, new Generator(7)));
        Assert.True(paper.SuperResolve(lr, up, new SamplingOptions(SamplerKind.Jump, 0), new Generator(7)).isfinite().all().item<bool>());
    }

    [Fact]
    public void Sample_DoesNotLeakTensors()
    {
        var sampler = ModulatedJumpSampler.Fewest(S, ModulationMode.Paper);
        using var x0 = zeros(1, 1, 4, 4, dtype: ScalarType.Float64);
        using var e = ones(1, 1, 4, 4, dtype: ScalarType.Float64);
        var oracle = Oracle(ModulationMode.Paper, x0, e);
        sampler.Sample([1, 1, 4, 4], oracle, new GeneratorNoiseSource(new Generator(1)), ScalarType.Float64).Dispose();
        var counts = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            sampler.Sample([1, 1, 4, 4], oracle, new GeneratorNoiseSource(new Generator(1)), ScalarType.Float64).Dispose();
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.True(counts.All(c => c == counts[0]), $"live tensors grew over Sample calls: {string.Join(",", counts)}");
    }
}
