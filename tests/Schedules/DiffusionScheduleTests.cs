using SamDiffSR.Schedules;
using Xunit;

namespace SamDiffSR.Tests.Schedules;

public class DiffusionScheduleTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);

    private static void AssertRel(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rel, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            double tol = rel * Math.Abs(expected[i]) + 1e-300;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (rel diff {Math.Abs(expected[i] - actual[i]) / Math.Abs(expected[i]):E2})");
        }
    }

    private static void AssertF32Exact(IReadOnlyList<double> expected, IReadOnlyList<float> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True((float)expected[i] == actual[i] && expected[i] == actual[i],
                $"{what}[{i}]: expected float32 {expected[i]:R}, got {(double)actual[i]:R}");
    }

    [Theory]
    [InlineData("betas_f64", "betas")]
    [InlineData("alphas_f64", "alphas")]
    [InlineData("alphas_cumprod_f64", "alphas_cumprod")]
    [InlineData("alphas_cumprod_prev_f64", "alphas_cumprod_prev")]
    [InlineData("sqrt_alphas_cumprod_f64", "sqrt_alphas_cumprod")]
    [InlineData("sqrt_one_minus_alphas_cumprod_f64", "sqrt_one_minus_alphas_cumprod")]
    [InlineData("mask_coefficient_f64", "mask_coefficient")]
    [InlineData("loss_target_coef_f64", "mask_coefficient")]
    [InlineData("phi_code_f64", "phi_code")]
    [InlineData("not_used_by_code.issue9_proposed_loss_target_coef_f64", "coef_paper")]
    public void Cosine100_Float64Arrays_MatchOfficialCode(string refName, string ours)
    {
        IReadOnlyList<double> actual = ours switch
        {
            "betas" => S.Betas, "alphas" => S.Alphas, "alphas_cumprod" => S.AlphasCumprod,
            "alphas_cumprod_prev" => S.AlphasCumprodPrev, "sqrt_alphas_cumprod" => S.SqrtAlphasCumprod,
            "sqrt_one_minus_alphas_cumprod" => S.SqrtOneMinusAlphasCumprod, "mask_coefficient" => S.OfficialMaskCoefficient,
            "phi_code" => S.PhiCode, "coef_paper" => S.PaperTargetCoefficient,
            _ => throw new ArgumentException(ours),
        };
        AssertRel(ScheduleReference.Array(refName), actual, 1e-7, refName);
    }

    [Theory]
    [InlineData("betas")]
    [InlineData("alphas_cumprod")]
    [InlineData("alphas_cumprod_prev")]
    [InlineData("sqrt_alphas_cumprod")]
    [InlineData("sqrt_one_minus_alphas_cumprod")]
    [InlineData("log_one_minus_alphas_cumprod")]
    [InlineData("sqrt_recip_alphas_cumprod")]
    [InlineData("sqrt_recipm1_alphas_cumprod")]
    [InlineData("posterior_variance")]
    [InlineData("posterior_log_variance_clipped")]
    [InlineData("posterior_mean_coef1")]
    [InlineData("posterior_mean_coef2")]
    public void Cosine100_Float32Buffers_EqualOfficialBuffersExactly(string name)
    {
        AssertF32Exact(ScheduleReference.Array(name + "_f32"), S.OfficialBufferF32(name), name);
    }

    [Fact]
    public void Cosine100_MaskCoefficientAndPhiCodeFloat32_EqualOfficialExactly()
    {
        AssertF32Exact(ScheduleReference.Array("mask_coefficient_f32"), S.MaskCoefficientF32, "mask_coefficient_f32");
        AssertF32Exact(ScheduleReference.Array("loss_target_coef_f32"), S.MaskCoefficientF32, "loss_target_coef_f32");
        AssertF32Exact(ScheduleReference.Array("phi_code_f32"), S.PhiCodeF32, "phi_code_f32");
    }

    [Fact]
    public void Cosine100_KeyValues_FromPeersNotes()
    {
        // docs/official-code.md §Diffusion schedule: beta_0 = 6.31e-4, beta_98 = 0.750, beta_99 = 0.999 (clipped); alphabar_99 = 2.43e-7.
        Assert.Equal(6.31e-4, S.Betas[0], 5);
        Assert.Equal(0.750, S.Betas[98], 3);
        Assert.Equal(0.999, S.Betas[99]);
        Assert.Equal(2.43e-7, S.AlphasCumprod[99], 9);
        Assert.Equal(100, S.Timesteps);
        // Index 0 is paper t = 1: alphas_cumprod_prev[0] = ᾱ_0 = 1, posterior variance 0, log clipped at log(1e-20).
        Assert.Equal(1.0, S.AlphasCumprodPrev[0]);
        Assert.Equal(0.0, S.PosteriorVariance[0]);
        Assert.Equal(Math.Log(1e-20), S.PosteriorLogVarianceClipped[0], 12);
    }

    [Fact]
    public void Cosine_UnclippedBetas_FollowTheClosedForm()
    {
        // ᾱ_t = f(t)/f(0), f(u) = cos²(((u/T + s)/(1 + s))·π/2) (Nichol & Dhariwal 2021, eq. 17) wherever β was not clipped.
        const int T = 100; const double s = 0.008;
        double F(int i) { double c = Math.Cos((i / (double)T + s) / (1 + s) * Math.PI / 2); return c * c; }
        for (int i = 0; i < T - 1; i++)
            Assert.True(Math.Abs(S.AlphasCumprod[i] - F(i + 1) / F(0)) <= 1e-12 * Math.Max(1e-6, S.AlphasCumprod[i]) + 1e-15, $"i={i}");
    }

    [Fact]
    public void Linear_IsLinspace_AndForceLastBetaSets0999()
    {
        var l = DiffusionSchedule.Linear(1000);
        Assert.Equal(1e-4, l.Betas[0], 15);
        Assert.Equal(0.02, l.Betas[999], 15);
        Assert.Equal(1e-4 + 500 * (0.02 - 1e-4) / 999, l.Betas[500], 15);
        var r = DiffusionSchedule.Linear(100, forceLastBeta: true);
        Assert.Equal(0.999, r.Betas[99]);
        Assert.Equal(1e-4 + 98 * (0.02 - 1e-4) / 99, r.Betas[98], 15);
        Assert.Equal(DiffusionSchedule.Linear(100).Betas.Take(99), r.Betas.Take(99));
    }

    [Fact]
    public void DerivedTerms_SatisfyTheirDefinitions_ForLinearToo()
    {
        var l = DiffusionSchedule.Linear(50, forceLastBeta: true);
        for (int i = 0; i < 50; i++)
        {
            double b = l.Betas[i], ac = l.AlphasCumprod[i], acp = l.AlphasCumprodPrev[i];
            Assert.Equal(1 - b, l.Alphas[i], 15);
            Assert.Equal(b * (1 - acp) / (1 - ac), l.PosteriorVariance[i], 15);
            // β̃ = 1/(α/β + 1/(1 − ᾱ_{t−1})) (eq. 14), for t ≥ 2
            if (i > 0) Assert.Equal(1 / ((1 - b) / b + 1 / (1 - acp)), l.PosteriorVariance[i], 14);
            Assert.Equal(1.0, l.SqrtRecipAlphasCumprod[i] * l.SqrtAlphasCumprod[i], 13);
            Assert.Equal(1.0 / ac - 1, l.SqrtRecipm1AlphasCumprod[i] * l.SqrtRecipm1AlphasCumprod[i], 9);
        }
    }

    [Fact]
    public void Phi_Recursion_EqualsCorrectClosedForm()
    {
        // φ_t = Σ_{i=1..t} sqrt(ᾱ_t/ᾱ_i)·sqrt(β_i)
        foreach (var s in new[] { S, DiffusionSchedule.Linear(200, true) })
            for (int t = 0; t < s.Timesteps; t++)
            {
                double closed = 0;
                for (int i = 0; i <= t; i++) closed += Math.Sqrt(s.AlphasCumprod[t] / s.AlphasCumprod[i]) * Math.Sqrt(s.Betas[i]);
                Assert.True(Math.Abs(closed - s.Phi[t]) <= 1e-12 * closed, $"{s.Description} t={t}: closed {closed}, recursion {s.Phi[t]}");
                double prev = t == 0 ? 0 : s.Phi[t - 1];
                Assert.Equal(Math.Sqrt(s.Alphas[t]) * prev + Math.Sqrt(s.Betas[t]), s.Phi[t], 13);
            }
    }

    [Fact]
    public void Phi_PapersPrintedClosedForms_AreWrong()
    {
        // Eq. 3 / end of eq. 11 as printed: φ_t = Σ_i sqrt(ᾱ_t β_i / α_i) — divides by α_i instead of ᾱ_i.
        double Printed(int t) { double r = 0; for (int i = 0; i <= t; i++) r += Math.Sqrt(S.AlphasCumprod[t] * S.Betas[i] / S.Alphas[i]); return r; }
        // Middle line of eq. 11 as printed: sqrt(α_t⋯α_2)·β_1 + … + sqrt(β_t) — β outside the root.
        double MiddleLine(int t) { double r = 0; for (int i = 0; i <= t; i++) r += Math.Sqrt(S.AlphasCumprod[t] / S.AlphasCumprod[i]) * (i == t ? Math.Sqrt(S.Betas[i]) : S.Betas[i]); return r; }

        Assert.Equal(S.Phi[0], Printed(0), 15);                  // agree at t = 1 only (ᾱ_1 = α_1)
        Assert.Equal(S.Phi[0], MiddleLine(0), 15);
        Assert.Equal(4.577313969, S.Phi[49], 8);                  // correct value at paper t = 50
        Assert.Equal(3.940746608, Printed(49), 8);                // printed eq. 3 at t = 50
        Assert.Equal(1.080948741, S.Phi[99], 8);
        Assert.Equal(0.027289031, Printed(99), 8);
        for (int t = 1; t < 100; t++)
        {
            Assert.True(Math.Abs(Printed(t) - S.Phi[t]) > 1e-6, $"printed eq. 3 unexpectedly matches at code t={t}");
            Assert.True(Math.Abs(MiddleLine(t) - S.Phi[t]) > 1e-6, $"printed eq. 11 middle line unexpectedly matches at code t={t}");
        }
        // T = 2 by hand: φ_2 = sqrt(α_2 β_1) + sqrt(β_2); the printed sum's last term is sqrt(α_1 β_2).
        Assert.Equal(Math.Sqrt(S.Alphas[1] * S.Betas[0]) + Math.Sqrt(S.Betas[1]), S.Phi[1], 15);
        Assert.Equal(Math.Sqrt(S.Alphas[1] * S.Betas[0]) + Math.Sqrt(S.Alphas[0] * S.Betas[1]), Printed(1), 15);
    }

    [Fact]
    public void Coefficients_MatchTheirDefinitions_AndThePeersTable()
    {
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(Math.Sqrt((1 - S.AlphasCumprod[i]) / S.Betas[i]), S.PaperTargetCoefficient[i], 13);
            Assert.Equal(Math.Sqrt(1 - S.AlphasCumprod[i]) * S.Betas[i], S.OfficialMaskCoefficient[i], 15);
            // paper/code ratio = β^(−3/2) (docs/paper-vs-code.md §E coefficient)
            Assert.Equal(Math.Pow(S.Betas[i], -1.5), S.PaperTargetCoefficient[i] / S.OfficialMaskCoefficient[i], 1e-9 * Math.Pow(S.Betas[i], -1.5));
        }
        Assert.Equal(4.07, S.PaperTargetCoefficient[50], 2);      // docs/paper-vs-code.md §E coefficient table
        Assert.Equal(0.0228, S.OfficialMaskCoefficient[50], 4);
    }

    [Fact]
    public void BadInput_IsRejectedWithClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DiffusionSchedule.Cosine(0));
        var ex = Assert.Throws<ArgumentException>(() => new DiffusionSchedule(new[] { 0.1, 1.0 }));
        Assert.Contains("beta[1]", ex.Message);
        Assert.Throws<ArgumentException>(() => S.OfficialBufferF32("nope"));
        Assert.Throws<ArgumentOutOfRangeException>(() => S.CheckIndex(100));
    }
}
