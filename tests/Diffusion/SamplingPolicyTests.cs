using SamDiffSR.Diffusion;
using SamDiffSR.Schedules;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>The comparison policy: one exact sampler on one schedule for every model, and the unmodulated jump it needs.</summary>
public class SamplingPolicyTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);
    private static readonly int[] NineJumps = [99, 98, 96, 91, 79, 54, 21, 4, 0];

    [Fact]
    public void UnmodulatedJump_KeepsTheMarginal_WithThePaperModeSigma()
    {
        for (int j = 0; j < NineJumps.Length; j++)
        {
            int t = NineJumps[j], s = j + 1 < NineJumps.Length ? NineJumps[j + 1] : -1;
            var none = ModulatedJumpSampler.Coefficients(S, ModulationMode.None, t, s);
            var paper = ModulatedJumpSampler.Coefficients(S, ModulationMode.Paper, t, s);
            double at = ModulatedJumpSampler.AlphaBar(S, t), as_ = ModulatedJumpSampler.AlphaBar(S, s);
            Assert.True(none.Feasible);
            Assert.Equal(paper.Variance, none.Variance, 15);                                        // same fresh noise per jump
            Assert.Equal(Math.Sqrt(as_), none.A * Math.Sqrt(at), 12);                               // x_0 coefficient kept
            double eps = none.A * Math.Sqrt(1 - at) + none.B;
            Assert.Equal(1 - as_, eps * eps + Math.Max(none.Variance, 0), 12);                      // variance kept
        }
        // one step (s = t − 1): the unmodulated jump is the DDPM step, like Paper mode's (sigma² = beta-tilde)
        foreach (int t in new[] { 1, 10, 49, 90, 99 })
        {
            var none = ModulatedJumpSampler.Coefficients(S, ModulationMode.None, t, t - 1);
            double alpha = 1 - S.Betas[t], abar = S.AlphasCumprod[t];
            Assert.Equal(1 / Math.Sqrt(alpha), none.A, 10);
            Assert.Equal(-S.Betas[t] / (Math.Sqrt(alpha) * Math.Sqrt(1 - abar)), none.B, 8);
        }
        // infeasible where Paper mode is: 100 → 98 (the unmodulated chain could go further, but then the rows would differ)
        Assert.False(ModulatedJumpSampler.Coefficients(S, ModulationMode.None, 99, 97).Feasible);
        Assert.Equal(NineJumps, ModulatedJumpSampler.FewestJumpsSchedule(S, ModulationMode.None));
    }

    [Fact]
    public void UnmodulatedJump_WithTheReleasedSigma_HasTheReleasedJumpsCoefficients_OnEveryPair()
    {
        // SRDiff compared with SAM-DiffSR (released) must run the same chain: A, B and sigma of the None-mode jump with the
        // released sigma equal those of the OfficialCode jump for every (t, s), because that jump's eps coefficient
        // A·sqrt(1 − ᾱ_t) + B = sqrt(1 − ᾱ_s)·c_s/c_t is never negative.
        int pairs = 0;
        for (int t = 0; t < S.Timesteps; t++)
            for (int s = -1; s < t; s++)
            {
                var none = ModulatedJumpSampler.Coefficients(S, ModulationMode.None, t, s, JumpSigma.Released);
                var released = ModulatedJumpSampler.Coefficients(S, ModulationMode.OfficialCode, t, s);
                Assert.True(none.Feasible && released.Feasible, $"{t + 1}→{s + 1}");
                Assert.Equal(released.A, none.A, 12);
                Assert.True(Math.Abs(released.B - none.B) <= 1e-9 * Math.Max(1, Math.Abs(released.B)), $"{t + 1}→{s + 1}: B {none.B} vs {released.B}");
                Assert.Equal(released.Variance, none.Variance, 15);
                double c_t = S.OfficialMaskCoefficient[t], c_s = s < 0 ? 0 : S.OfficialMaskCoefficient[s];
                double eps = released.A * Math.Sqrt(1 - ModulatedJumpSampler.AlphaBar(S, t)) + released.B;
                Assert.True(Math.Abs(eps - Math.Sqrt(1 - ModulatedJumpSampler.AlphaBar(S, s)) * c_s / c_t) < 1e-9, $"{t + 1}→{s + 1}: eps coefficient {eps}");
                pairs++;
            }
        Assert.Equal(S.Timesteps * (S.Timesteps + 1) / 2, pairs);
        // and the two sigmas really differ on the policy's schedule (the choice matters): Paper's is far smaller mid-chain
        var paper = ModulatedJumpSampler.Coefficients(S, ModulationMode.None, 91, 79);
        var rel = ModulatedJumpSampler.Coefficients(S, ModulationMode.None, 91, 79, JumpSigma.Released);
        Assert.True(rel.Sigma > 2 * paper.Sigma, $"sigma 92→80: released {rel.Sigma:F4}, paper {paper.Sigma:F4}");
    }

    [Fact]
    public void ReleasedSigmaPolicy_SrDiffAndReleasedModelRunTheSameChain_PaperModelsKeepTheirOwn()
    {
        var p = SamplingPolicy.ExactReleasedSigma.Sampling;
        var none = ModulatedJumpSampler.ForSampling(S, ModulationMode.None, p, false)!;
        var official = ModulatedJumpSampler.ForSampling(S, ModulationMode.OfficialCode, p, false)!;
        var paper = ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, p, false)!;
        Assert.Equal((JumpSigma.Released, JumpSigma.Released, JumpSigma.Paper), (none.Sigma, official.Sigma, paper.Sigma));
        Assert.Equal(NineJumps, none.Timesteps);
        for (int j = 0; j < NineJumps.Length; j++)
        {
            Assert.Equal(official.Jumps[j].Sigma, none.Jumps[j].Sigma, 12);
            Assert.Equal(official.Jumps[j].B, none.Jumps[j].B, 9);
        }
        // the same denoiser and noise give the same samples (the chain never sees E)
        Tensor Denoiser(Tensor xt, Tensor tt) => (xt * 0.9 + 0.05 * tt.to(ScalarType.Float32).reshape(-1, 1, 1, 1) / 100).tanh();
        using var a = none.Sample([2, 3, 5, 4], Denoiser, new GeneratorNoiseSource(new TorchSharp.torch.Generator(5)));
        using var b = official.Sample([2, 3, 5, 4], Denoiser, new GeneratorNoiseSource(new TorchSharp.torch.Generator(5)));
        Assert.True((a - b).abs().max().item<float>() < 1e-5f);
        using var c = ModulatedJumpSampler.ForSampling(S, ModulationMode.None, SamplingPolicy.Exact.Sampling, false)!
            .Sample([2, 3, 5, 4], Denoiser, new GeneratorNoiseSource(new TorchSharp.torch.Generator(5)));
        Assert.True((a - c).abs().max().item<float>() > 1e-2f, "the Paper-mode sigma must give another chain");
        // the record says which sigma each row used
        Assert.Equal("released", SamplingPolicy.Record(p, S, ModulationMode.None, false).Sigma);
        Assert.Equal("paper", SamplingPolicy.Record(p, S, ModulationMode.Paper, false).Sigma);
        Assert.Equal("paper", SamplingPolicy.Record(SamplingPolicy.Exact.Sampling, S, ModulationMode.None, false).Sigma);
        Assert.Equal("released", SamplingPolicy.Record(SamplingPolicy.Exact.Sampling, S, ModulationMode.OfficialCode, false).Sigma);
        Assert.Null(SamplingPolicy.Record(new SamplingOptions(SamplerKind.Ddpm), S, ModulationMode.None, false).Sigma);
        Assert.Contains("sigma of the released code's jump for unmodulated rows", SamplingPolicy.ExactReleasedSigma.Describe(S));
        Assert.Equal(SamplingPolicy.ClippedReleasedSigma, SamplingPolicy.For(true, JumpSigma.Released));
        Assert.True(SamplingPolicy.ClippedReleasedSigma.Sampling.ClipDenoised);
    }

    [Fact]
    public void UnmodulatedJumpChain_WithTheReleasedSigma_AndTheTrueNoise_ReturnsX0()
    {
        var x0 = linspace(-0.9, 0.9, 48).reshape(1, 3, 4, 4);
        var sampler = new ModulatedJumpSampler(S, ModulationMode.None, NineJumps, unmodulatedSigma: JumpSigma.Released);
        Tensor Oracle(Tensor xt, Tensor tt)
        {
            double ab = S.AlphasCumprod[(int)tt[0].item<long>()];
            return (xt - Math.Sqrt(ab) * x0) / Math.Sqrt(1 - ab);
        }
        using var x = sampler.Sample([1, 3, 4, 4], Oracle, new GeneratorNoiseSource(new TorchSharp.torch.Generator(3)));
        Assert.True((x - x0).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void UnmodulatedJumpChain_WithTheTrueNoise_ReturnsX0()
    {
        // An oracle that knows x_0 returns the noise of x_t exactly; every exact jump keeps q(x_s | x_0), and the last one
        // (σ = 0) lands on x_0 itself.
        var x0 = linspace(-0.9, 0.9, 48).reshape(1, 3, 4, 4);
        var sampler = new ModulatedJumpSampler(S, ModulationMode.None, NineJumps);
        Tensor Oracle(Tensor xt, Tensor tt)
        {
            double ab = S.AlphasCumprod[(int)tt[0].item<long>()];
            return (xt - Math.Sqrt(ab) * x0) / Math.Sqrt(1 - ab);
        }
        var noise = new GeneratorNoiseSource(new TorchSharp.torch.Generator(3));
        using var x = sampler.Sample([1, 3, 4, 4], Oracle, noise);
        Assert.True((x - x0).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void Policy_SharesOneScheduleAcrossModes_AndRefusesClippingPaperModels()
    {
        var p = SamplingPolicy.Exact.Sampling;
        foreach (var mode in new[] { ModulationMode.None, ModulationMode.Paper, ModulationMode.OfficialCode })
        {
            var jump = ModulatedJumpSampler.ForSampling(S, mode, p, clipDenoised: true)!;
            Assert.Equal(NineJumps, jump.Timesteps);
            Assert.False(jump.ClipDenoised);   // the policy overrides every model's automatic clipping
            var rec = SamplingPolicy.Record(p, S, mode, false);
            Assert.Equal(("jump", 9, (double?)null, false), (rec.Sampler, rec.Steps, rec.Eta, rec.Clip));
            Assert.Equal("100→99→97→92→80→55→22→5→1→0", rec.Timesteps);
        }
        // the model's own fewest jumps differ (OfficialCode: one jump), which is why the policy names the shared schedule
        Assert.Single(ModulatedJumpSampler.ForSampling(S, ModulationMode.OfficialCode, p with { JumpSchedule = JumpScheduleKind.Model }, false)!.Timesteps);
        Assert.True(ModulatedJumpSampler.ForSampling(S, ModulationMode.None, SamplingPolicy.Clipped.Sampling, false)!.ClipDenoised);
        Assert.Throws<SamplerRefusedException>(() => ModulatedJumpSampler.ForSampling(S, ModulationMode.Paper, SamplingPolicy.Clipped.Sampling, false));
        Assert.Contains("9 jumps 100→99→97→92→80→55→22→5→1→0", SamplingPolicy.Exact.Describe(S));
        Assert.Contains("clipping off", SamplingPolicy.Exact.Describe(S));
    }
}
