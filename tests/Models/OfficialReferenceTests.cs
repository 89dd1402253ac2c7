using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Models;

/// <summary>
/// The Tiny networks against the outputs of the official SAM-DiffSR code (data/reference/tiny_denoiser*.{pt,json},
/// docs/official-code.md §Reference vectors): forward passes, one training step's loss and gradients, and one Adam step.
/// </summary>
public class OfficialReferenceTests(ITestOutputHelper log)
{
    private static SrDiffNetworks LoadTiny()
    {
        TorchRuntime.Initialize(threads: 1);
        var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var report = StateDictFile.LoadNetworks(nets, TinyReference.StatePath);
        Assert.True(report.IsComplete);
        return nets;
    }

    [Fact]
    public void TinyStateDict_LoadsStrictly_AndReportsTheScheduleBuffers()
    {
        using var nets = LoadTiny();
        var report = StateDictFile.LoadNetworks(nets, TinyReference.StatePath);
        Assert.Equal(140, report.Loaded.Count);
        Assert.Equal(StateDictFile.ScheduleBufferNames.Order(), report.SkippedScheduleBuffers.Order());
        Assert.Empty(report.IgnoredOtherNetwork);
        Assert.False(report.StrippedModulePrefix);
    }

    [Fact]
    public void RrdbOutputAndEveryFeature_MatchOfficial()
    {
        using var nets = LoadTiny();
        nets.eval();
        using var _ = torch.no_grad();
        using var lr = TinyReference.Input("img_lr");
        using var enc = nets.Rrdb!.Encode(lr);
        var outs = TinyReference.Outputs;
        double dOut = TinyReference.MaxAbsDiff(enc.Output, TinyReference.Floats(outs.GetProperty("rrdb_out")));
        log.WriteLine($"rrdb_out max |diff| = {dOut:E3}");
        Assert.True(dOut < 1e-5, $"rrdb_out differs by {dOut}");
        var feas = outs.GetProperty("rrdb_feas").EnumerateArray().ToList();
        Assert.Equal(feas.Count, enc.Features.Count);
        for (int i = 0; i < feas.Count; i++)
        {
            double d = TinyReference.MaxAbsDiff(enc.Features[i], TinyReference.Floats(feas[i]));
            log.WriteLine($"rrdb_feas[{i}] max |diff| = {d:E3}");
            Assert.True(d < 1e-5, $"feature {i} differs by {d}");
        }
        // The trunk-only path used for conditioning gives the same features.
        var trunkOnly = nets.Rrdb.Features(lr);
        for (int i = 0; i < trunkOnly.Count; i++)
        {
            Assert.True(trunkOnly[i].allclose(enc.Features[i], 0, 0));
            trunkOnly[i].Dispose();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void UnetNoisePrediction_MatchesOfficial(int caseIndex)
    {
        using var nets = LoadTiny();
        nets.eval();
        using var _ = torch.no_grad();
        var c = TinyReference.Outputs.GetProperty("denoise_fn")[caseIndex];
        long tIndex = c.GetProperty("t_index").GetInt64();
        using var lr = TinyReference.Input("img_lr");
        using var xt = TinyReference.Input("x_t");
        using var cond = nets.Conditioning(lr);
        using var t = torch.tensor(new[] { tIndex });
        using var pred = nets.Denoiser.call(xt, t, cond);
        double d = TinyReference.MaxAbsDiff(pred, TinyReference.Floats(c.GetProperty("noise_pred")));
        log.WriteLine($"t={tIndex}: noise_pred max |diff| = {d:E3}");
        Assert.True(d < 1e-5, $"noise_pred at t={tIndex} differs by {d}");
    }

    [Fact]
    public void SeededDefaultInit_EqualsTheOfficialInitialWeights()
    {
        // tiny_denoiser.pt holds PyTorch's default init after torch.manual_seed(0), modules built U-Net first, then RRDB.
        TorchRuntime.Initialize(threads: 1, seed: 0);
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var official = StateDictFile.Read(TinyReference.StatePath);
        try
        {
            foreach (var (k, ours) in nets.state_dict())
            {
                double d = (ours - official[k]).abs().max().item<float>();
                Assert.True(d == 0, $"{k}: seeded init differs from the official one by {d}");
            }
        }
        finally { foreach (var t in official.Values) t.Dispose(); }
    }

    [Fact]
    public void TrainingStep_LossGradientsAndAdamStep_MatchOfficial()
    {
        using var nets = LoadTiny();
        var ts = TinyReference.TrainStep;
        const int tIndex = 37;
        Assert.Equal(tIndex, ts.GetProperty("t_index").GetInt32());

        // Official p_losses with the modulated target: x_t = sqrt(ᾱ_t) x0 + sqrt(1 − ᾱ_t) (ε + c_t E), float32 buffers.
        var schedule = StateDictFile.Read(TinyReference.StatePath);
        float sqrtAc, sqrt1mAc;
        try
        {
            sqrtAc = schedule["sqrt_alphas_cumprod"][tIndex].item<float>();
            sqrt1mAc = schedule["sqrt_one_minus_alphas_cumprod"][tIndex].item<float>();
        }
        finally { foreach (var t in schedule.Values) t.Dispose(); }

        var shape = TinyReference.Shape(TinyReference.Inputs.GetProperty("x_t_shape"));
        using var x0 = TinyReference.Tensor(ts.GetProperty("x_start_residual"), shape);
        using var target = TinyReference.Tensor(ts.GetProperty("target_modulated_noise"), shape);
        using var xt = x0 * torch.tensor(sqrtAc) + target * torch.tensor(sqrt1mAc);

        // RRDB frozen: eval mode, no grad (fix_rrdb = true).
        nets.Rrdb!.eval();
        foreach (var p in nets.Rrdb.parameters()) p.requires_grad = false;
        Tensor cond;
        using (torch.no_grad())
        {
            using var lr = TinyReference.Input("img_lr");
            cond = nets.Conditioning(lr);
        }
        nets.Denoiser.train();
        // The official build_optimizer hands every parameter to Adam; the frozen ones get no gradient and do not move.
        using var adam = torch.optim.Adam(nets.parameters(), lr: 2e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8);
        adam.zero_grad();
        using var t37 = torch.tensor(new long[] { tIndex });
        using var pred = nets.Denoiser.call(xt, t37, cond);
        using var loss = (target - pred).abs().mean();
        double lossValue = loss.item<float>();
        log.WriteLine($"loss = {lossValue:R} (official 0.809604823589325)");
        Assert.Equal(ts.GetProperty("loss").GetDouble(), lossValue, 6);
        Assert.True(TinyReference.MaxAbsDiff(pred, TinyReference.Floats(ts.GetProperty("noise_pred"))) < 1e-5);
        loss.backward();
        cond.Dispose();

        var norms = ts.GetProperty("grad_l2_norm");
        var sums = ts.GetProperty("grad_sum");
        int withGrad = 0;
        double worstNorm = 0, worstSum = 0;
        foreach (var (name, p) in nets.named_parameters())
        {
            if (name.StartsWith("rrdb.", StringComparison.Ordinal)) { Assert.True(p.grad is null); continue; }
            var g = p.grad;
            Assert.NotNull(g);
            withGrad++;
            double n = g!.to_type(ScalarType.Float64).norm().item<double>();
            double s = g.to_type(ScalarType.Float64).sum().item<double>();
            double on = norms.GetProperty(name).GetDouble(), os = sums.GetProperty(name).GetDouble();
            double relN = Math.Abs(n - on) / on;
            worstNorm = Math.Max(worstNorm, relN);
            // Sums can cancel to near zero: compare them relative to the norm (|Σg| ≤ sqrt(numel)·‖g‖).
            double relS = Math.Abs(s - os) / (on * Math.Sqrt(p.numel()));
            worstSum = Math.Max(worstSum, relS);
            Assert.True(relN < 1e-4, $"{name}: grad norm {n} vs official {on}");
            Assert.True(relS < 1e-5, $"{name}: grad sum {s} vs official {os}");
        }
        Assert.Equal(ts.GetProperty("params_with_grad").GetInt32(), withGrad);
        log.WriteLine($"worst grad-norm rel err {worstNorm:E2}, worst grad-sum err (rel to sqrt(n)*norm) {worstSum:E2}");

        adam.step();
        var after = StateDictFile.Read(TinyReference.AfterAdamPath);
        try
        {
            double worst = 0; string worstKey = "";
            foreach (var (k, ours) in nets.state_dict())
            {
                double d = (ours - after[k]).abs().max().item<float>();
                if (d > worst) { worst = d; worstKey = k; }
            }
            log.WriteLine($"after one Adam step: max |ours - official| = {worst:E3} ({worstKey})");
            Assert.True(worst <= 1e-6, $"weights after one Adam step differ by {worst} at {worstKey}");
        }
        finally { foreach (var t in after.Values) t.Dispose(); }

        var paramSums = ts.GetProperty("after_step_param_sum");
        foreach (var (name, p) in nets.named_parameters())
        {
            if (!paramSums.TryGetProperty(name, out var e)) continue;
            Assert.Equal(e.GetDouble(), p.to_type(ScalarType.Float64).sum().item<double>(), 3);
        }
    }
}
