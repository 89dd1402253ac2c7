using SamDiffSR.Diffusion;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Models;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Diffusion;

/// <summary>
/// <see cref="SrDiffusionModel"/>: the training loss and the 100-step DDPM super-resolution against the official
/// Tiny reference (data/reference/tiny_denoiser_io.json, tiny_denoiser.pt, tiny_sampling_noise.pt), the residual
/// parameterisation, padding, tiling, DDIM and SAM+SRDiff.
/// </summary>
public class SrDiffusionModelTests(ITestOutputHelper log)
{
    private static SrDiffusionModel OfficialTiny(DiffusionOptions? options = null)
    {
        TorchRuntime.Initialize(threads: 1);
        var nets = new SrDiffNetworks(ModelConfig.Tiny);
        Assert.True(StateDictFile.LoadNetworks(nets, TinyReference.StatePath).IsComplete);
        return new SrDiffusionModel(nets, options ?? DiffusionOptions.SamDiffSROfficial, CPU, ownsNetworks: true);
    }

    /// <summary>A seeded untrained model (Tiny, or Tiny with one extra input channel for SAM+SRDiff).</summary>
    private static SrDiffusionModel RandomTiny(DiffusionOptions options, int extraChannels = 0, long seed = 3)
    {
        TorchRuntime.Initialize(threads: 1);
        manual_seed(seed);
        var nets = new SrDiffNetworks(ModelConfig.Tiny with { ExtraInputChannels = extraChannels });
        return new SrDiffusionModel(nets, options, CPU, ownsNetworks: true);
    }

    private static SamplingOptions Ddim(int steps = 2, int tile = 0, int overlap = 8) =>
        new(SamplerKind.Ddim, steps, Eta: 0.0, TileLr: tile, OverlapLr: overlap);

    /// <summary>Deterministic smooth images in [−1, 1]: LR (1,3,h,w) and an LR-up-like (1,3,4h,4w).</summary>
    private static (Tensor Lr, Tensor Up) Inputs(long h, long w, int scale = 4)
    {
        var lr = (0.8 * sin(arange(0, 3 * h * w, dtype: ScalarType.Float32) * 0.37f)).reshape(1, 3, h, w);
        var up = nn.functional.interpolate(lr, scale_factor: [scale, scale], mode: InterpolationMode.Bilinear, align_corners: false);
        return (lr, up);
    }

    private static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    // ------------------------------------------------------------------ official reference

    [Fact]
    public void TrainingLoss_OfficialModulation_EqualsOfficialLoss_AtT37()
    {
        using var model = OfficialTiny();
        using var scope = NewDisposeScope();
        var shape = TinyReference.Shape(TinyReference.Inputs.GetProperty("img_hr_shape"));
        var hr = TinyReference.Input("img_hr");
        var lr = TinyReference.Input("img_lr");
        var up = TinyReference.Input("img_lr_up");
        var mask = TinyReference.Input("sam_mask");
        var eps = TinyReference.Tensor(TinyReference.Inputs.GetProperty("train_noise"), shape);
        var t = tensor(new long[] { 37 });
        model.Networks.train();
        var loss = model.TrainingLoss(hr, lr, up, mask, t, eps);
        double official = TinyReference.TrainStep.GetProperty("loss").GetDouble();
        log.WriteLine($"loss {loss.item<float>():R} vs official {official:R}");
        Assert.Equal(0.809604823589325, official, 15);
        Assert.True(Math.Abs(loss.item<float>() - official) < 1e-6, $"loss {loss.item<float>()} vs official {official}");
        // The gradient reaches the U-Net only (RRDB frozen, no grad).
        loss.backward();
        Assert.All(model.Networks.Rrdb!.parameters(), p => Assert.True(p.grad is null));
        Assert.Contains(model.Networks.Denoiser.parameters(), p => p.grad is not null);

        // Residual x0 = clamp(2(HR − LR-up), −1, 1) is the official x_start.
        var x0 = model.ToResidual(hr, up);
        Assert.True(TinyReference.MaxAbsDiff(x0, TinyReference.Floats(TinyReference.TrainStep.GetProperty("x_start_residual"))) < 1e-6);

        // Paper modulation and no modulation give different losses on the same draw (the mask matters only when modulating).
        using var paper = OfficialTiny(DiffusionOptions.SamDiffSRPaper);
        using var plain = OfficialTiny(DiffusionOptions.SrDiff);
        double lp = paper.TrainingLoss(hr, lr, up, mask, t, eps).item<float>();
        double l0 = plain.TrainingLoss(hr, lr, up, mask, t, eps).item<float>();
        double l0NoMask = plain.TrainingLoss(hr, lr, up, null, t, eps).item<float>();
        Assert.Equal(l0, l0NoMask);
        Assert.NotEqual(lp, l0);
        Assert.NotEqual(loss.item<float>(), l0);
    }

    [Fact]
    public void TrainingLoss_WithGenerator_DrawsTThenEps_AndNeedsMaskForSam()
    {
        using var model = OfficialTiny();
        using var scope = NewDisposeScope();
        var hr = TinyReference.Input("img_hr");
        var lr = TinyReference.Input("img_lr");
        var up = TinyReference.Input("img_lr_up");
        var mask = TinyReference.Input("sam_mask");
        var a = model.TrainingLoss(hr, lr, up, mask, new Generator(5)).item<float>();
        var g = new Generator(5);
        var t = randint(0, 100, [1], dtype: ScalarType.Int64, generator: g);
        var eps = randn(hr.shape, generator: g);
        var b = model.TrainingLoss(hr, lr, up, mask, t, eps).item<float>();
        Assert.Equal(b, a);
        Assert.Throws<ArgumentException>(() => model.TrainingLoss(hr, lr, up, null, new Generator(5)));
        Assert.Throws<ArgumentException>(() => model.TrainingLoss(hr, lr, up, null, t, eps));
    }

    [Fact]
    public void SuperResolve_Ddpm100_WithTheReferenceNoise_ReproducesOfficialImgSr()
    {
        using var model = OfficialTiny();
        var noise = ReferenceTensors.LoadStateDict(TestPaths.Reference("tiny_sampling_noise.pt"));
        try
        {
            using var scope = NewDisposeScope();
            var lr = TinyReference.Input("img_lr");
            var up = TinyReference.Input("img_lr_up");
            var sampling = TinyReference.Outputs.GetProperty("sampling");
            var expected = TinyReference.Floats(sampling.GetProperty("img_sr"));
            Assert.Equal(43.825138092041016, noise["x_T"].sum().item<float>(), 3);

            // (1) The noise file, injected: x_T, then at diffusion index i the loop-k noise with k = 99 − i (z at i = 0 is multiplied by 0).
            var fixedNoise = new FixedNoiseSource(noise["x_T"], i => noise[$"noise_step_{99 - i:D2}"]);
            var sr = model.SuperResolve(lr, up, noise: fixedNoise);
            Assert.Equal(new long[] { 1, 3, 32, 32 }, sr.shape);
            double d = TinyReference.MaxAbsDiff(sr, expected);
            log.WriteLine($"img_sr (injected noise) max |diff| = {d:E3}");
            Assert.True(d < 1e-5, $"img_sr differs from the official sample by {d}");

            // The i = 0 noise is really multiplied by 0: replacing it changes nothing.
            var zeroLast = new FixedNoiseSource(noise["x_T"], i => i == 0 ? full(noise["x_T"].shape, 100f) : noise[$"noise_step_{99 - i:D2}"]);
            Assert.True(model.SuperResolve(lr, up, noise: zeroLast).equal(sr).all().item<bool>());

            // (2) The same noises came from torch.Generator().manual_seed(2024) in PyTorch, x_T first, then one per step:
            // the Generator overload must draw them in that order and give the same image.
            using var gen = new Generator(2024);
            var srGen = model.SuperResolve(lr, up, SamplingOptions.Official, gen);
            double dg = TinyReference.MaxAbsDiff(srGen, expected);
            log.WriteLine($"img_sr (Generator 2024) max |diff| = {dg:E3}");
            Assert.True(dg < 1e-5, $"img_sr with Generator(2024) differs by {dg}");
        }
        finally { foreach (var t in noise.Values) t.Dispose(); }
    }

    // ------------------------------------------------------------------ residual parameterisation

    [Fact]
    public void ToResidual_FromResidual_ClosedForms()
    {
        using var model = RandomTiny(DiffusionOptions.SrDiff);
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        var hr = rand([2, 3, 8, 8], generator: g) * 2 - 1;
        var up = rand([2, 3, 8, 8], generator: g) * 2 - 1;
        var x0 = model.ToResidual(hr, up);
        var expect = ((hr - up) * 2).clamp(-1, 1);
        Assert.True(x0.allclose(expect, 0, 0));
        Assert.True(x0.abs().max().item<float>() <= 1f);
        // res2img(img2res(HR)) = LR-up + clamp(HR − LR-up, −1/2, 1/2): exact where |HR − LR-up| ≤ 1/2.
        var back = model.FromResidual(x0, up);
        Assert.True(back.allclose(up + (hr - up).clamp(-0.5, 0.5), 0, 1e-6));
        var inRange = (hr - up).abs() <= 0.5;
        Assert.True(back.masked_select(inRange).allclose(hr.masked_select(inRange), 0, 1e-6));
        // FromResidual clamps its input: x = ±5 gives LR-up ± 1/2.
        Assert.True(model.FromResidual(full_like(up, 5f), up).allclose(up + 0.5, 0, 1e-6));
        Assert.True(model.FromResidual(full_like(up, -5f), up).allclose(up - 0.5, 0, 1e-6));

        // Other ResRescale, clipping off: x0 = s(HR − LR-up) unclipped, image = clamp(x, −1, 1)/s + LR-up.
        using var m3 = RandomTiny(DiffusionOptions.SrDiff with { ResRescale = 3.0, ClipInput = false });
        var r3 = m3.ToResidual(hr, up);
        Assert.True(r3.allclose((hr - up) * 3, 0, 1e-6));
        Assert.True(r3.abs().max().item<float>() > 1f);
        Assert.True(m3.FromResidual(r3, up).allclose(r3.clamp(-1, 1) / 3 + up, 0, 1e-6));
    }

    // ------------------------------------------------------------------ shapes, padding, tiling

    [Theory]
    [InlineData(9, 7)]
    [InlineData(8, 8)]
    [InlineData(5, 6)]
    public void SuperResolve_AnyLrSize_GivesScaleTimesTheSize(int h, int w)
    {
        using var model = RandomTiny(DiffusionOptions.SrDiff);
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(h, w);
        var sr = model.SuperResolve(lr, up, Ddim(), new Generator(1));
        Assert.Equal(new long[] { 1, 3, 4 * h, 4 * w }, sr.shape);
        Assert.True(sr.isfinite().all().item<bool>());
        // Output = clamp(x0, −1, 1)/2 + LR-up, so it lies within 1/2 of LR-up.
        Assert.True((sr - up).abs().max().item<float>() <= 0.5f + 1e-6f);
        // Same generator seed, same result.
        Assert.True(model.SuperResolve(lr, up, Ddim(), new Generator(1)).equal(sr).all().item<bool>());
    }

    [Fact]
    public void SuperResolve_Padding_KeepsTheTopLeftOfThePaddedProblem()
    {
        // With DDIM η = 0 and x_T drawn for the padded size, the 9×7 result is the crop of the 10×8 problem whose
        // extra LR row/column replicates the border (what the model pads with).
        using var model = RandomTiny(DiffusionOptions.SrDiff);
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(9, 7);
        var sr = model.SuperResolve(lr, up, Ddim(), new Generator(4));
        var lrP = nn.functional.pad(lr, [0, 1, 0, 1], PaddingModes.Replicate);
        var upP = nn.functional.pad(up, [0, 4, 0, 4], PaddingModes.Replicate);
        var srP = model.SuperResolve(lrP, upP, Ddim(), new Generator(4));
        Assert.True(sr.equal(srP[.., .., ..36, ..28]).all().item<bool>());
    }

    [Theory]
    [InlineData(20, 8, 2)]
    [InlineData(9, 8, 2)]
    [InlineData(8, 8, 2)]
    [InlineData(5, 8, 2)]
    [InlineData(100, 16, 4)]
    [InlineData(33, 10, 0)]
    public void TileStarts_CoverTheImage_WithAtLeastTheOverlap(int n, int tile, int overlap)
    {
        var starts = SrDiffusionModel.TileStarts(n, tile, overlap);
        Assert.Equal(0, starts[0]);
        var covered = new bool[n];
        for (int i = 0; i < starts.Count; i++)
        {
            long a = starts[i], b = Math.Min(n, a + tile);
            Assert.InRange(a, 0, Math.Max(0, n - tile));
            for (long p = a; p < b; p++) covered[p] = true;
            if (i > 0)
            {
                Assert.True(starts[i] > starts[i - 1], "tile starts must increase");
                Assert.True(starts[i - 1] + tile - starts[i] >= overlap, $"tiles {i - 1} and {i} overlap by less than {overlap}");
            }
        }
        Assert.All(covered, Assert.True);
        if (n > tile) Assert.Equal(n - tile, starts[^1]);
        else Assert.Single(starts);
    }

    [Fact]
    public void Tiled_RightShapeAndFinite_AndTileAtLeastTheImageIsTheWholeRun()
    {
        using var model = RandomTiny(DiffusionOptions.SrDiff);
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(13, 10);
        var progress = new ListProgress();
        var tiled = model.SuperResolve(lr, up, Ddim(tile: 6, overlap: 2), new Generator(2), progress: progress);
        Assert.Equal(new long[] { 1, 3, 52, 40 }, tiled.shape);
        Assert.True(tiled.isfinite().all().item<bool>());
        Assert.True((tiled - up).abs().max().item<float>() <= 0.5f + 1e-5f);
        int tiles = SrDiffusionModel.TileStarts(13, 6, 2).Count * SrDiffusionModel.TileStarts(10, 6, 2).Count;
        Assert.Equal(tiles, progress.Reports.Count(r => r.Stage == "tiles"));

        var whole = model.SuperResolve(lr, up, Ddim(), new Generator(2));
        var big = model.SuperResolve(lr, up, Ddim(tile: 13, overlap: 2), new Generator(2));
        Assert.True(big.equal(whole).all().item<bool>(), "a tile covering the image must give the untiled result");
        Assert.False(tiled.equal(whole).all().item<bool>());
    }

    [Fact]
    public void Tiled_BlendWeightsNormalise_AndTilesLandInPlace()
    {
        // With a huge ResRescale the output is LR-up + clamp(x)/1e6, i.e. LR-up to 1e-6 whatever the network does, so the
        // blended tiles must reproduce LR-up: this checks tile placement and the division by the summed ramp weights.
        using var model = RandomTiny(DiffusionOptions.SrDiff with { ResRescale = 1e6 });
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(17, 11);
        var tiled = model.SuperResolve(lr, up, Ddim(tile: 6, overlap: 2), new Generator(2));
        Assert.True(MaxAbs(tiled, up) < 1e-5, $"tiled result differs from LR-up by {MaxAbs(tiled, up)}");
    }

    [Fact]
    public void Ddim_And_Ddpm_Run_AndAreReproducible()
    {
        using var model = RandomTiny(DiffusionOptions.SamDiffSRPaper);
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(4, 4);
        var jump = new SamplingOptions(SamplerKind.Jump, 0);   // DDIM is refused for this Paper-mode model
        Assert.Throws<SamplerRefusedException>(() => model.SuperResolve(lr, up, new SamplingOptions(SamplerKind.Ddim, 5, Eta: 0.5), new Generator(8)));
        var a = model.SuperResolve(lr, up, jump, new Generator(8));
        var b = model.SuperResolve(lr, up, jump, new Generator(8));
        var c = model.SuperResolve(lr, up, jump, new Generator(9));
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
        var progress = new ListProgress();
        var d = model.SuperResolve(lr, up, SamplingOptions.Official, new Generator(8), progress: progress);
        Assert.True(d.isfinite().all().item<bool>());
        Assert.Equal(100, progress.Reports.Count);
        Assert.Throws<ArgumentException>(() => model.SuperResolve(lr, up, new SamplingOptions(SamplerKind.Ddim, 0)));
        Assert.Throws<ArgumentException>(() => model.SuperResolve(lr, up[.., .., ..8, ..]));
    }

    [Fact]
    public void SamConcat_NeedsAMask_AndUsesIt()
    {
        Assert.Throws<ArgumentException>(() => RandomTiny(DiffusionOptions.SamConcat, extraChannels: 0));
        Assert.Throws<ArgumentException>(() => RandomTiny(DiffusionOptions.SrDiff, extraChannels: 1));
        using var model = RandomTiny(DiffusionOptions.SamConcat, extraChannels: 1);
        using var scope = NewDisposeScope();
        var (lr, up) = Inputs(4, 6);
        var ex = Assert.Throws<ArgumentException>(() => model.SuperResolve(lr, up, Ddim(), new Generator(1)));
        Assert.Contains("SPE", ex.Message);
        Assert.Throws<ArgumentException>(() => model.SuperResolve(lr, up, Ddim(), new Generator(1), zeros(1, 1, 8, 8)));
        var m0 = zeros(1, 1, 16, 24);
        var m1 = full(new long[] { 1, 1, 16, 24 }, 0.5f);
        var a = model.SuperResolve(lr, up, Ddim(), new Generator(1), m0);
        var b = model.SuperResolve(lr, up, Ddim(), new Generator(1), m1);
        Assert.Equal(new long[] { 1, 3, 16, 24 }, a.shape);
        Assert.False(a.equal(b).all().item<bool>(), "the mask channel must reach the network");
        // Padding and tiling carry the mask along.
        var (lr2, up2) = Inputs(9, 7);
        var m2 = zeros(1, 1, 36, 28);
        Assert.Equal(new long[] { 1, 3, 36, 28 }, model.SuperResolve(lr2, up2, Ddim(), new Generator(1), m2).shape);
        Assert.Equal(new long[] { 1, 3, 36, 28 }, model.SuperResolve(lr2, up2, Ddim(tile: 6, overlap: 2), new Generator(1), m2).shape);
        // Training needs it too.
        var hr = up.clone();
        Assert.Throws<ArgumentException>(() => model.TrainingLoss(hr, lr, up, null, new Generator(1)));
        Assert.True(double.IsFinite(model.TrainingLoss(hr, lr, up, m0, new Generator(1)).item<float>()));
    }

    // ------------------------------------------------------------------ leaks

    [Fact]
    public void SuperResolve_RepeatedCalls_DoNotLeakTensors()
    {
        using var model = RandomTiny(DiffusionOptions.SrDiff);
        var (lr, up) = Inputs(9, 7);
        var gen = new Generator(3);
        var counts = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            foreach (var opts in new[] { Ddim(3), Ddim(3, tile: 6, overlap: 2), new SamplingOptions(SamplerKind.Ddim, 3, Eta: 1.0) })
            {
                var sr = model.SuperResolve(lr, up, opts, gen);
                sr.Dispose();
            }
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.True(counts.All(c => c == counts[0]), $"live tensors grew over SuperResolve calls: {string.Join(",", counts)}");
        lr.Dispose(); up.Dispose(); gen.Dispose();
    }

    private sealed class ListProgress : IProgress<ProgressInfo>
    {
        public List<ProgressInfo> Reports { get; } = new();
        public void Report(ProgressInfo value) => Reports.Add(value);
    }
}
