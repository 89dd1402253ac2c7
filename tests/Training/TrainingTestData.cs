using SamDiffSR.Models;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Training;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Training;

/// <summary>Synthetic images, SPE maps, datasets and configs for the training tests.</summary>
internal static class TrainingTestData
{
    /// <summary>RGB image whose pixel encodes its position: R = y mod 256, G = x mod 256, B = 16·(y div 256) + x div 256.</summary>
    public static ImageU8 PositionImage(int h, int w)
    {
        var d = new byte[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                d[i] = (byte)(y % 256); d[i + 1] = (byte)(x % 256); d[i + 2] = (byte)(16 * (y / 256) + x / 256);
            }
        return new ImageU8(h, w, 3, d);
    }

    /// <summary>(y, x) encoded by <see cref="PositionImage"/> at a pixel given as 0..255 bytes.</summary>
    public static (int Y, int X) DecodePosition(byte r, byte g, byte b) => (r + 256 * (b / 16), g + 256 * (b % 16));

    /// <summary>SPE map whose value is the pixel's row-major index y·W + x (exact in float32 below 2^24).</summary>
    public static SpeMap PositionMap(int h, int w)
    {
        var v = new float[h * w];
        for (int i = 0; i < v.Length; i++) v[i] = i;
        return new SpeMap(h, w, v);
    }

    /// <summary>A smooth textured RGB image (sums of sinusoids plus a little seeded noise), deterministic.</summary>
    public static ImageU8 Textured(int h, int w, int seed)
    {
        var rng = new Random(seed);
        double fy = 0.05 + 0.3 * rng.NextDouble(), fx = 0.05 + 0.3 * rng.NextDouble(), ph = 6 * rng.NextDouble();
        var d = new byte[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 128 + 70 * Math.Sin(fy * y + ph + c) * Math.Cos(fx * x - c) + 30 * Math.Sin(0.9 * (x + y) + c) + rng.Next(-8, 9);
                    d[(y * w + x) * 3 + c] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
        return new ImageU8(h, w, 3, d);
    }

    /// <summary>A few textured images with smooth multi-region SPE maps, prepared for scale 4.</summary>
    public static SrPatchDataset TexturedDataset(int count = 3, int size = 40, int patch = 16, LrUpRecipe recipe = LrUpRecipe.Official)
    {
        var images = new List<SrTrainingImage>();
        for (int i = 0; i < count; i++)
        {
            int h = size + 8 * i, w = size + 4 * (i % 2);
            var map = new float[h * w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    map[y * w + x] = (float)(0.2 * ((x / 12 + y / 10 + i) % 4) - 0.3);
            images.Add(SrPatchDataset.Prepare($"img{i}.png", Textured(h, w, 100 + i), 4, recipe, new SpeMap(h, w, map)));
        }
        return new SrPatchDataset(images, 4, new PatchOptions(patch, Flips: true, Rotations: true));
    }

    /// <summary>A Tiny config for fast CPU training runs.</summary>
    public static TrainConfig TinyConfig(TrainingStage stage = TrainingStage.Diffusion, DiffusionOptions? diffusion = null, int steps = 6,
                                         int patch = 16, int batch = 2, int checkpointEvery = 3, long seed = 7, double? ema = null) =>
        new(stage,
            (diffusion ?? DiffusionOptions.SamDiffSRPaper).Method == SrMethod.SamConcat ? ModelConfig.Tiny with { ExtraInputChannels = 1 } : ModelConfig.Tiny,
            diffusion ?? DiffusionOptions.SamDiffSRPaper,
            new PatchOptions(patch, Flips: true, Rotations: true),
            steps, batch,
            new LearningRateSchedule(LrScheduleKind.Constant, 1e-3),
            GradClipNorm: 1.0, EmaDecay: ema, Seed: seed, CheckpointEvery: checkpointEvery, KeepCheckpoints: 2);

    /// <summary>Row-major float values of a tensor.</summary>
    public static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    /// <summary>The [−1, 1] value the dataset writes for an 8-bit pixel.</summary>
    public static float Norm(byte v) => (v / 255f - 0.5f) / 0.5f;
}
