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
