using System.Text.Json;
using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using SamDiffSR.Tests.Schedules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

public class ForwardProcessTests
{
    private static readonly DiffusionSchedule S = DiffusionSchedule.Cosine(100);

    public ForwardProcessTests() => TorchRuntime.Initialize(threads: 1);

    private static JsonElement QCases() =>
        JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("qsample_cases.json"))).RootElement;

    private static Tensor T4(JsonElement arr, params long[] shape) =>
        tensor(arr.ToDoubles().Select(v => (float)v).ToArray(), dtype: ScalarType.Float32).reshape(shape);

    private static void AssertClose(double[] expected, Tensor actual, double atol, string what)
    {
        var a = actual.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        double worst = 0; int at = -1;
        for (int i = 0; i < a.Length; i++) { double d = Math.Abs(a[i] - expected[i]); if (d > worst) { worst = d; at = i; } }
        Assert.True(worst <= atol, $"{what}: max abs diff {worst:E3} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? a[at] : 0)})");
    }

    [Fact]
    public void OfficialCode_MatchesQSampleCases_PerCase()
    {
        var root = QCases();
        using var scope = NewDisposeScope();
        var x0 = T4(root.GetProperty("x0"), 1, 3, 8, 8);
        var eps = T4(root.GetProperty("noise"), 1, 3, 8, 8);
        var e = T4(root.GetProperty("E_sam"), 1, 1, 8, 8);
        var epsBefore = eps.clone();
        using var fp = new ForwardProcess(S, ModulationMode.OfficialCode);
        int n = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            int ti = c.GetProperty("t_index").GetInt32();
            Assert.Equal(c.GetProperty("t_paper").GetInt32(), ti + 1);
            var t = tensor(new long[] { ti });
            var (xt, target) = fp.Diffuse(x0, t, eps, e);
            AssertClose(c.GetProperty("x_t").ToDoubles(), xt, 1e-6, $"x_t t={ti}");
            AssertClose(c.GetProperty("target").ToDoubles(), target, 1e-6, $"target t={ti}");
            // x_{t-1} ground truth: the official q_sample at t-1 with the modulated noise; index -1 returns x0.
            AssertClose(c.GetProperty("x_t_minus_1_gt").ToDoubles(), fp.QSample(x0, t - 1, target), 1e-6, $"x_t-1 t={ti}");
            var x0Pred = fp.PredictStartFromNoise(xt, t, zeros_like(xt)).clamp(-1.0, 1.0);
            AssertClose(c.GetProperty("x0_pred_from_zero_prediction").ToDoubles(), x0Pred, 1e-6, $"x0_pred t={ti}");
            double l1 = DiffusionLoss.Compute(zeros_like(target), target, LossType.L1).item<float>();
            Assert.True(Math.Abs(c.GetProperty("l1_loss_vs_zero_prediction").GetDouble() - l1) <= 1e-6, $"L1 t={ti}: {l1}");
            n++;
        }
        Assert.Equal(4, n);
        Assert.True(eps.equal(epsBefore).all().item<bool>(), "the caller's noise tensor was modified (the official code's in-place bug)");
    }

    [Fact]
    public void OfficialCode_MatchesQSampleCases_Batched()
    {
        var root = QCases();
        using var scope = NewDisposeScope();
        var cases = root.GetProperty("cases").EnumerateArray().ToList();
        var x0 = T4(root.GetProperty("x0"), 1, 3, 8, 8).expand(4, 3, 8, 8);
        var eps = T4(root.GetProperty("noise"), 1, 3, 8, 8).expand(4, 3, 8, 8);
        var e = T4(root.GetProperty("E_sam"), 1, 1, 8, 8).expand(4, 1, 8, 8);
        var t = tensor(cases.Select(c => (long)c.GetProperty("t_index").GetInt32()).ToArray());
        using var fp = new ForwardProcess(S, ModulationMode.OfficialCode);
        var (xt, target) = fp.Diffuse(x0, t, eps, e);
        for (int b = 0; b < 4; b++)
        {
            AssertClose(cases[b].GetProperty("x_t").ToDoubles(), xt[b], 1e-6, $"batched x_t {b}");
            AssertClose(cases[b].GetProperty("target").ToDoubles(), target[b], 1e-6, $"batched target {b}");
        }
    }

    [Theory]
    [InlineData(ModulationMode.None)]
    [InlineData(ModulationMode.Paper)]
    [InlineData(ModulationMode.OfficialCode)]
    public void EveryMode_FollowsItsFormula_InFloat64(ModulationMode mode)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        const int B = 5;
        var x0 = rand(new long[] { B, 3, 6, 4 }, dtype: ScalarType.Float64, generator: g) * 2 - 1;
        var eps = randn(new long[] { B, 3, 6, 4 }, dtype: ScalarType.Float64, generator: g);
        var e = randn(new long[] { B, 1, 6, 4 }, dtype: ScalarType.Float64, generator: g);
        long[] ts = { 0, 1, 37, 98, 99 };
        using var fp = new ForwardProcess(S, mode, ScalarType.Float64);
        var (xt, target) = fp.Diffuse(x0, tensor(ts), eps, e);
        var X0 = x0.data<double>().ToArray(); var EP = eps.data<double>().ToArray(); var EE = e.data<double>().ToArray();
        var XT = xt.data<double>().ToArray(); var TG = target.data<double>().ToArray();
        int per = 3 * 6 * 4;
        for (int b = 0; b < B; b++)
        {
            int i = (int)ts[b];
            double sa = Math.Sqrt(S.AlphasCumprod[i]), s1 = Math.Sqrt(1 - S.AlphasCumprod[i]);
            for (int k = 0; k < per; k++)
            {
                int idx = b * per + k;
                double ev = EE[b * 24 + k % 24];   // E broadcast over the 3 channels
                (double x, double tg) = mode switch
                {
                    ModulationMode.None => (sa * X0[idx] + s1 * EP[idx], EP[idx]),
                    ModulationMode.Paper => (sa * X0[idx] + S.Phi[i] * ev + s1 * EP[idx], EP[idx] + Math.Sqrt((1 - S.AlphasCumprod[i]) / S.Betas[i]) * ev),
                    _ => (sa * X0[idx] + s1 * (EP[idx] + s1 * S.Betas[i] * ev), EP[idx] + s1 * S.Betas[i] * ev),
                };
                Assert.True(Math.Abs(x - XT[idx]) <= 1e-12, $"{mode} x_t b={b} k={k}: {x} vs {XT[idx]}");
                Assert.True(Math.Abs(tg - TG[idx]) <= 1e-12, $"{mode} target b={b} k={k}: {tg} vs {TG[idx]}");
            }
        }
        // OfficialCode's E coefficient inside x_t is (1 − ᾱ)β = PhiCode.
        if (mode == ModulationMode.OfficialCode)
        {
            var xtNoE = fp.QSample(x0, tensor(ts), eps);
            var diff = (xt - xtNoE) / e;
            for (int b = 0; b < B; b++)
                Assert.Equal(S.PhiCode[(int)ts[b]], diff[b].mean().item<double>(), 10);
        }
    }

    [Fact]
    public void None_IgnoresE_AndPaperNeedsE()
    {
        using var scope = NewDisposeScope();
        var x0 = zeros(2, 3, 4, 4); var eps = ones(2, 3, 4, 4); var e = full(new long[] { 2, 1, 4, 4 }, 5f);
        var t = tensor(new long[] { 3, 50 });
        using (var fp = new ForwardProcess(S, ModulationMode.None))
        {
            Assert.True(fp.Diffuse(x0, t, eps, e).Xt.allclose(fp.Diffuse(x0, t, eps).Xt));
            Assert.True(fp.Diffuse(x0, t, eps, e).Target.equal(eps).all().item<bool>());
        }
        using var paper = new ForwardProcess(S, ModulationMode.Paper);
        var ex = Assert.Throws<ArgumentException>(() => paper.Diffuse(x0, t, eps, null));
        Assert.Contains("needs the SPE map", ex.Message);
        Assert.Throws<ArgumentException>(() => paper.Diffuse(x0, t, eps, zeros(2, 3, 4, 4)));          // E must have 1 channel
        Assert.Throws<ArgumentOutOfRangeException>(() => paper.Diffuse(x0, tensor(new long[] { 0, 100 }), eps, e));
        Assert.Throws<ArgumentException>(() => paper.Diffuse(x0, tensor(new[] { 0, 1 }), eps, e));      // int32 t
        Assert.Throws<ArgumentException>(() => paper.Diffuse(x0, t, ones(2, 3, 4, 5), e));
    }

    [Fact]
    public void ResizeMask_IsBilinearAlignCornersFalse()
    {
        using var scope = NewDisposeScope();
        var e = tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 1, 2, 2);
        var r = ForwardProcess.ResizeMask(e, 4, 4);
        // align_corners=false: source coordinate (dst + 0.5)/2 − 0.5, clamped at the border → weights 0, .25, .75, 1.
        double[] w = { 0, 0.25, 0.75, 1 };
        var expected = new double[16];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) expected[i * 4 + j] = 2 * w[i] + w[j];
        AssertClose(expected, r, 1e-7, "bilinear 2x2->4x4");
        // Same size: identity (the official interpolate call is an identity in training).
        Assert.True(ForwardProcess.ResizeMask(e, 2, 2).equal(e).all().item<bool>());
    }

    [Fact]
    public void Paper_LowResolutionE_IsResizedAndBroadcastOverChannels()
    {
        using var scope = NewDisposeScope();
        var e = tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 1, 2, 2);
        var x0 = zeros(1, 3, 4, 4); var eps = zeros(1, 3, 4, 4);
        var t = tensor(new long[] { 49 });
        using var fp = new ForwardProcess(S, ModulationMode.Paper);
        var (xt, _) = fp.Diffuse(x0, t, eps, e);
        var expected = ForwardProcess.ResizeMask(e, 4, 4) * (float)S.Phi[49];
        for (int c = 0; c < 3; c++) Assert.True(xt[0, c].allclose(expected[0, 0], rtol: 1e-6, atol: 1e-6), $"channel {c}");
    }

    [Fact]
    public void Losses_AreElementMeans()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new float[] { 0, 1, 2, 3 }).reshape(1, 1, 2, 2);
        var q = tensor(new float[] { 1, 1, 0, 7 }).reshape(1, 1, 2, 2);
        Assert.Equal((1 + 0 + 2 + 4) / 4.0, DiffusionLoss.Compute(p, q, LossType.L1).item<float>(), 6);
        Assert.Equal((1 + 0 + 4 + 16) / 4.0, DiffusionLoss.Compute(p, q, LossType.L2).item<float>(), 6);
        Assert.Throws<ArgumentException>(() => DiffusionLoss.Compute(p, zeros(1, 1, 2, 3), LossType.L1));
    }
}
