using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Models;

public class ModelStructureTests
{
    public ModelStructureTests() => TorchRuntime.Initialize(threads: 1);

    [Theory]
    // Paper config: docs/official-code.md §Parameter counts (computed by the official code); SRDiff defaults and Tiny likewise.
    [InlineData("SamDiffSRPaperX4", 12_934_915, 12_381_443)]
    [InlineData("SrDiffX4", 9_366_147, 1_478_755)]
    [InlineData("Tiny", 117_027, 25_387)]
    public void ParameterCounts_MatchOfficialCode(string preset, long unet, long rrdb)
    {
        using var nets = new SrDiffNetworks(ModelConfig.Preset(preset));
        var c = nets.CountParameters();
        Assert.Equal(unet, c.Unet);
        Assert.Equal(rrdb, c.Rrdb);
        Assert.Equal(unet + rrdb, c.Total);
        Assert.Equal(c.Total, c.Trainable);
    }

    [Fact]
    public void PaperCondProj_HasOfficialSize()
    {
        // cond_proj: ConvTranspose2d(384, 64, 8, 4, 2) = 384*64*64 + 64 = 1,572,928 parameters (docs/official-code.md §Parameter counts).
        using var unet = new Unet(ModelConfig.SamDiffSRPaperX4);
        var sd = unet.state_dict();
        Assert.Equal(new long[] { 384, 64, 8, 8 }, sd["cond_proj.weight"].shape);
        Assert.Equal(1_572_928, sd["cond_proj.weight"].numel() + sd["cond_proj.bias"].numel());
    }

    [Fact]
    public void X2Preset_HasOneRrdbUpsamplingStage_AndProjectsConditioningByTwo()
    {
        using var nets = new SrDiffNetworks(ModelConfig.SamDiffSRPaperX2);
        var keys = nets.state_dict().Keys.ToHashSet();
        Assert.Contains("rrdb.upconv1.weight", keys);
        Assert.DoesNotContain("rrdb.upconv2.weight", keys);
        Assert.Equal(new long[] { 384, 64, 4, 4 }, nets.state_dict()["denoise_fn.cond_proj.weight"].shape);
        // x4 minus one 64->64 3x3 conv (36,928) in the RRDB; cond_proj kernel 4 instead of 8: 384*64*(64-16) fewer.
        var c = nets.CountParameters();
        Assert.Equal(12_381_443 - 36_928, c.Rrdb);
        Assert.Equal(12_934_915 - 384 * 64 * 48, c.Unet);
    }

    [Fact]
    public void SamConcat_AddsOneInputChannelToTheFirstConvOnly()
    {
        using var plain = new Unet(ModelConfig.Tiny);
        using var concat = new Unet(ModelConfig.Tiny with { ExtraInputChannels = 1 });
        var a = plain.state_dict(); var b = concat.state_dict();
        Assert.Equal(new long[] { 16, 4, 3, 3 }, b["downs.0.0.block1.block.1.weight"].shape);
        Assert.Equal(new long[] { 16, 4, 1, 1 }, b["downs.0.0.res_conv.weight"].shape);
        long extra = b.Values.Sum(t => t.numel()) - a.Values.Sum(t => t.numel());
        Assert.Equal(16 * 9 + 16, extra); // one more input channel of a 3x3 conv and of the 1x1 res_conv, 16 outputs each
        using var _ = torch.no_grad();
        using var x = torch.randn(2, 4, 16, 16);
        using var t = torch.tensor(new long[] { 3, 50 });
        using var cond = torch.randn(2, 8, 4, 4);
        using var y = concat.call(x, t, cond);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, y.shape);
    }

    [Fact]
    public void StateDictKeys_EqualOfficialKeySet_WithShapes()
    {
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var ours = nets.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var official = TinyReference.StateDictEntries.Where(e => !StateDictFile.ScheduleBufferNames.Contains(e.Key)).ToList();
        Assert.Equal(152 - 12, official.Count);
        Assert.Equal(official.Select(e => e.Key).Order(), ours.Keys.Order());
        foreach (var (key, shape) in official) Assert.Equal(shape, ours[key]);
        // Same order as PyTorch's state_dict (registration order) too.
        Assert.Equal(official.Select(e => e.Key), ours.Keys);
    }

    [Fact]
    public void Shapes_UnetKeepsHrSize_RrdbReturnsNbPlusOneFeatures()
    {
        using var nets = new SrDiffNetworks(ModelConfig.TinyCpu);
        using var _ = torch.no_grad();
        using var lr = torch.rand(1, 3, 6, 10) * 2 - 1;
        using var enc = nets.Rrdb!.Encode(lr);
        Assert.Equal(6, enc.Features.Count);
        Assert.All(enc.Features, f => Assert.Equal(new long[] { 1, 16, 6, 10 }, f.shape));
        Assert.Equal(new long[] { 1, 3, 24, 40 }, enc.Output.shape);
        Assert.True(enc.Output.min().item<float>() >= -1 && enc.Output.max().item<float>() <= 1);
        using var cond = Unet.SelectConditioning(enc.Features);
        Assert.Equal(32, cond.shape[1]); // features 2 and 5
        using var x = torch.randn(1, 3, 24, 40);
        using var t = torch.tensor(new long[] { 7 });
        using var y = nets.Denoiser.call(x, t, cond);
        Assert.Equal(new long[] { 1, 3, 24, 40 }, y.shape);
    }

    [Fact]
    public void ForwardProjected_EqualsForward_AndRejectsRawConditioning()
    {
        using var nets = new SrDiffNetworks(ModelConfig.TinyCpu);
        using var _ = torch.no_grad();
        using var lr = torch.rand(2, 3, 6, 10) * 2 - 1;
        using var cond = nets.Conditioning(lr);
        using var x = torch.randn(2, 3, 24, 40);
        using var t = torch.tensor(new long[] { 7, 93 });
        using var expected = nets.Denoiser.call(x, t, cond);
        using var projected = nets.Denoiser.ProjectConditioning(cond);
        Assert.Equal(new long[] { 2, nets.Config.Hidden, 24, 40 }, projected.shape);
        using var got = nets.Denoiser.ForwardProjected(x, t, projected);
        Assert.Equal(expected.data<float>().ToArray(), got.data<float>().ToArray());   // bit for bit: the cached cond_proj path is the same computation
        var ex = Assert.Throws<ArgumentException>(() => nets.Denoiser.ForwardProjected(x, t, cond));
        Assert.Contains("cond_proj", ex.Message);
    }

    [Fact]
    public void SinusoidalEmbedding_IsSinBlockThenCosBlock()
    {
        using var emb = new SinusoidalPosEmb(8);
        using var t = torch.tensor(new long[] { 0, 5 });
        using var e = emb.call(t);
        var v = e.data<float>().ToArray();
        // half = 4, f_j = exp(-j ln(10000)/3): 1, 0.046416, 0.0021544, 0.0001
        double[] f = [1, Math.Exp(-Math.Log(10000) / 3), Math.Exp(-2 * Math.Log(10000) / 3), 1e-4];
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(0.0, v[j], 6);
            Assert.Equal(1.0, v[4 + j], 6);
            Assert.Equal(Math.Sin(5 * f[j]), v[8 + j], 5);
            Assert.Equal(Math.Cos(5 * f[j]), v[12 + j], 5);
        }
    }
}

public class ModelVariantsAndMemoryTests
{
    public ModelVariantsAndMemoryTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void X8_HasThreeUpsamplingStages()
    {
        using var rrdb = new RRDBNet(nf: 8, nb: 2, gc: 4, scale: 8);
        var keys = rrdb.state_dict().Keys.ToHashSet();
        Assert.Contains("upconv3.weight", keys);
        using var _ = torch.no_grad();
        using var lr = torch.zeros(1, 3, 4, 4);
        using var sr = rrdb.call(lr);
        Assert.Equal(new long[] { 1, 3, 32, 32 }, sr.shape);
    }

    [Fact]
    public void WithoutRrdb_TheUnetConditionsOnTheLrImage()
    {
        var cfg = ModelConfig.Tiny with { UseRrdb = false };
        using var nets = new SrDiffNetworks(cfg);
        Assert.Null(nets.Rrdb);
        Assert.Equal(0, nets.CountParameters().Rrdb);
        Assert.Equal(new long[] { 3, 16, 8, 8 }, nets.state_dict()["denoise_fn.cond_proj.weight"].shape);
        using var _ = torch.no_grad();
        using var lr = torch.zeros(1, 3, 4, 4);
        using var cond = nets.Conditioning(lr);
        using var y = nets.Denoiser.call(torch.zeros(1, 3, 16, 16), torch.tensor(new long[] { 1 }), cond);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, y.shape);
    }

    [Fact]
    public void ForwardAndBackward_LeaveNoLiveTensorsBehind()
    {
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        using var lr = torch.rand(2, 3, 4, 4) * 2 - 1;
        using var x = torch.randn(2, 3, 16, 16);
        using var t = torch.tensor(new long[] { 3, 90 });
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            Tensor cond;
            using (torch.no_grad()) cond = nets.Conditioning(lr);
            var loss = nets.Denoiser.call(x, t, cond).abs().mean();
            loss.backward();
            nets.zero_grad();
        }
        Step(); // first step allocates the gradient tensors
        var stats = DisposeScopeManager.Statistics;
        stats.Reset();
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, stats.ThreadTotalLiveCount);
    }
}
