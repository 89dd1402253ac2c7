using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using SamDiffSR.Tests.Diffusion;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Schedules;

public class ScheduleBuffersTests
{
    public ScheduleBuffersTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void Float32Buffers_EqualTheOfficialStateDictBuffers()
    {
        // tiny_denoiser.pt is the official GaussianDiffusion_sam state_dict; its 12 schedule buffers are T=100 cosine.
        var sd = ReferenceTensors.LoadStateDict(TestPaths.Reference("tiny_denoiser.pt"));
        try
        {
            using var b = new ScheduleBuffers(DiffusionSchedule.Cosine(100));
            var ours = new Dictionary<string, Tensor>
            {
                ["betas"] = b.Betas, ["alphas_cumprod"] = b.AlphasCumprod, ["alphas_cumprod_prev"] = b.AlphasCumprodPrev,
                ["sqrt_alphas_cumprod"] = b.SqrtAlphasCumprod, ["sqrt_one_minus_alphas_cumprod"] = b.SqrtOneMinusAlphasCumprod,
                ["log_one_minus_alphas_cumprod"] = b.LogOneMinusAlphasCumprod, ["sqrt_recip_alphas_cumprod"] = b.SqrtRecipAlphasCumprod,
                ["sqrt_recipm1_alphas_cumprod"] = b.SqrtRecipm1AlphasCumprod, ["posterior_variance"] = b.PosteriorVariance,
                ["posterior_log_variance_clipped"] = b.PosteriorLogVarianceClipped, ["posterior_mean_coef1"] = b.PosteriorMeanCoef1,
                ["posterior_mean_coef2"] = b.PosteriorMeanCoef2,
            };
            Assert.Equal(DiffusionSchedule.OfficialBufferNames.OrderBy(n => n), ours.Keys.OrderBy(n => n));
            foreach (var name in DiffusionSchedule.OfficialBufferNames)
            {
                Assert.True(sd.ContainsKey(name), $"state dict lacks buffer {name}");
                Assert.Equal(ScalarType.Float32, sd[name].dtype);
                Assert.True(sd[name].equal(ours[name]).all().item<bool>(), $"buffer {name} differs from the official one");
            }
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    [Fact]
    public void Extract_GathersPerSampleAndReshapes()
    {
        var s = DiffusionSchedule.Cosine(100);
        using var b = new ScheduleBuffers(s, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var v = b.Extract(b.Phi, tensor(new long[] { 0, 49, 99 }), 4);
        Assert.Equal(new long[] { 3, 1, 1, 1 }, v.shape);
        Assert.Equal(s.Phi[49], v[1, 0, 0, 0].item<double>());
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Extract(b.Phi, tensor(new long[] { 100 }), 4));
        Assert.Throws<ArgumentException>(() => b.Extract(b.Phi, tensor(new[] { 1 }), 4));
        Assert.Throws<ArgumentException>(() => new ScheduleBuffers(s, ScalarType.Int32));
    }

    [Fact]
    public void Dispose_FreesTheTensors()
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var b = new ScheduleBuffers(DiffusionSchedule.Cosine(10));
        Assert.Equal(before + 15, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        b.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var scope = NewDisposeScope();
        Assert.Throws<ObjectDisposedException>(() => b.Extract(zeros(1), tensor(new long[] { 0 }), 1));
    }
}
