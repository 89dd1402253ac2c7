using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using SamDiffSR.Training.Packs;
using TorchSharp;
using Xunit;
using static SamDiffSR.Tests.Training.TrainingTestData;
using static TorchSharp.torch;
using SamDiffSR.Masks.Spe;

namespace SamDiffSR.Tests.Training;

/// <summary>
/// <see cref="PrefetchingBatchLoader"/>: the same batches as the synchronous path whatever the worker count, bounded
/// look-ahead, no tensor leaks; training from a pack with prefetching gives today's in-memory losses to the last bit
/// (T91, Tiny preset); log.csv's new data_wait_s column and the upgrade of an old log; parallel mask generation.
/// </summary>
public class PrefetchingLoaderTests
{
    public PrefetchingLoaderTests() => TorchRuntime.Initialize(threads: 1);

    private static bool Same(SrBatchArrays a, SrBatchArrays b) =>
        a.Step == b.Step && a.Hr.AsSpan().SequenceEqual(b.Hr) && a.Lr.AsSpan().SequenceEqual(b.Lr) && a.LrUp.AsSpan().SequenceEqual(b.LrUp)
        && (a.Mask is null ? b.Mask is null : b.Mask is not null && a.Mask.AsSpan().SequenceEqual(b.Mask));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(3, 2)]
    public void Prefetched_Batches_EqualTheSynchronousOnes_InOrder_AndBounded(int workers, int capacity)
    {
        var sampler = TexturedDataset(count: 4, patch: 16).Sampler;
        using var loader = new PrefetchingBatchLoader(sampler, start: 5, end: 45, batchSize: 3, seed: 2, withMasks: true, workers, capacity);
        for (long step = 5; step < 45; step++)
        {
            if (step % 7 == 0) Thread.Sleep(5); // let workers run ahead
            Assert.InRange(loader.Pending, 0, loader.Capacity);
            Assert.True(Same(sampler.GetArrays(step, 3, 2, true), loader.Take(step)), $"step {step}");
        }
        Assert.Throws<InvalidOperationException>(() => loader.Take(3));
        Assert.True(loader.WaitSeconds >= 0);
    }

    private sealed class FailingSource(ITrainingImageSource inner, int badIndex) : ITrainingImageSource
    {
        public int Count => inner.Count;
        public int Scale => inner.Scale;
        public string Name(int index) => inner.Name(index);
        public (int Height, int Width) Size(int index) => inner.Size(index);
        public bool HasMask(int index) => inner.HasMask(index);
        public ImageU8 HrCrop(int index, int top, int left, int height, int width) =>
            index == badIndex ? throw new IOException("disk error") : inner.HrCrop(index, top, left, height, width);
        public ImageU8 LrCrop(int index, int top, int left, int height, int width) => inner.LrCrop(index, top, left, height, width);
        public ImageF64 LrUpCrop(int index, int top, int left, int height, int width) => inner.LrUpCrop(index, top, left, height, width);
        public SamDiffSR.Masks.SpeMap MaskCrop(int index, int top, int left, int height, int width) => inner.MaskCrop(index, top, left, height, width);
    }

    [Fact]
    public void WorkerFailure_IsReportedByTake()
    {
        var ds = TexturedDataset(count: 3, patch: 16);
        var sampler = new SrPatchSampler(new FailingSource(ds.Sampler.Source, 1), ds.Options);
        using var loader = new PrefetchingBatchLoader(sampler, 0, 10, 3, 1, true, workers: 2);
        var ex = Assert.Throws<InvalidOperationException>(() => { for (long s = 0; s < 10; s++) loader.Take(s); });
        Assert.Contains("disk error", ex.Message);
    }

    [Fact]
    public void PrefetchingLoop_DoesNotLeakTensors()
    {
        var sampler = TexturedDataset(count: 3, patch: 16).Sampler;
        using var loader = new PrefetchingBatchLoader(sampler, 0, 30, 2, 1, true, workers: 2);
        var live = new List<long>();
        var managed = new List<long>();
        for (long step = 0; step < 30; step++)
        {
            using (NewDisposeScope())
            {
                using var batch = loader.Take(step).ToBatch();
                _ = (batch.Hr.sum() + batch.Mask!.sum()).item<float>();
            }
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            if (step >= 10) managed.Add(GC.GetTotalMemory(forceFullCollection: true));
        }
        Assert.True(live.All(c => c == live[0]), $"live tensors per step {string.Join(",", live)}");
        // Managed memory is bounded by the look-ahead: no growth from step 10 to 30 beyond noise (a batch is ~12 KB here).
        Assert.True(managed.Max() - managed.Min() < 4_000_000, $"managed bytes {string.Join(",", managed)}");
    }

    [Fact]
    public void Training_FromPackWithPrefetch_GivesTheInMemoryLosses_Bitwise_OnT91()
    {
        using var dir = new TempDir();
        var hr = dir.Sub("hr");
        Directory.CreateDirectory(hr);
        foreach (var f in Directory.GetFiles(TestPaths.Data("train", "T91"), "t1*.png").Order(StringComparer.Ordinal).Take(3))
            File.Copy(f, Path.Combine(hr, Path.GetFileName(f)));
        MaskGeneration.GenerateFolder(hr, dir.Sub("masks"), new SegmenterRecordSource(new FelzenszwalbSegmenter()),
                                      new MaskGenerationOptions(Spe: SpeOptions.Paper));
        var store = TrainingPackFixture.Store(dir.Sub("masks"));
        var cfg = TinyConfig(steps: 5, patch: 32, batch: 2, checkpointEvery: 5);

        var memory = SrPatchDataset.Load(hr, 4, cfg.Patch, cfg.Diffusion.LrUp, store);
        SrTrainer.Run(cfg, memory.Sampler, dir.Sub("memory"), loaderWorkers: 0); // today's path: batches cut in the training thread

        var built = TrainingPackCache.Ensure(HrDatasetLayout.Resolve(hr, 4), new TrainingPackOptions(4, store), dir.Sub("packed"));
        Assert.StartsWith(Path.Combine(dir.Sub("packed"), TrainingPackCache.FolderName), built.Path);
        using var pack = TrainingPack.Open(built.Path, cfg.Diffusion.LrUp);
        SrTrainer.Run(cfg, SrPatchSampler.SkippingSmall(pack, cfg.Patch), dir.Sub("packed"), loaderWorkers: 2);

        var (cols, a) = CsvLog.Read(Path.Combine(dir.Sub("memory"), SrTrainer.LogFile));
        var (_, b) = CsvLog.Read(Path.Combine(dir.Sub("packed"), SrTrainer.LogFile));
        Assert.Equal(["step", "loss", "lr", "seconds", "data_wait_s"], cols);
        Assert.Equal(5, a.Count);
        Assert.Equal(a.Select(r => BitConverter.DoubleToInt64Bits(r[1])), b.Select(r => BitConverter.DoubleToInt64Bits(r[1])));
        Assert.All(b, r => Assert.True(r[4] >= 0 && double.IsFinite(r[4])));
        var wa = SamDiffSR.Models.StateDictFile.Read(Path.Combine(dir.Sub("memory"), "checkpoints", "step_00000005", "model.pt"));
        var wb = SamDiffSR.Models.StateDictFile.Read(Path.Combine(dir.Sub("packed"), "checkpoints", "step_00000005", "model.pt"));
        try
        {
            Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
            Assert.All(wa.Keys, k => Assert.True(wa[k].equal(wb[k]).all().item<bool>(), k)); // identical weights after 5 steps
        }
        finally { foreach (var t in wa.Values.Concat(wb.Values)) t.Dispose(); }
    }

    [Fact]
    public void OldFourColumnLog_IsUpgradedOnResume()
    {
        using var dir = new TempDir();
        var path = dir.Sub("log.csv");
        File.WriteAllText(path, "step,loss,lr,seconds\n0,0.5,0.001,1.5\n1,0.4,0.001,2.5\n2,0.3,0.001,3.5\n");
        using (var log = CsvLog.Open(path, ["step", "loss", "lr", "seconds", "data_wait_s"], keepBelowStep: 2))
            log.Append(2L, 0.25, 0.001, 3.6, 0.01);
        var (cols, rows) = CsvLog.Read(path);
        Assert.Equal(["step", "loss", "lr", "seconds", "data_wait_s"], cols);
        Assert.Equal(3, rows.Count);
        Assert.True(double.IsNaN(rows[0][4]) && double.IsNaN(rows[1][4]));
        Assert.Equal(0.01, rows[2][4]);
        File.WriteAllText(path, "step,loss\n0,1\n");
        Assert.Throws<InvalidDataException>(() => CsvLog.Open(path, ["step", "lr", "seconds"]));
    }

    [Fact]
    public void ParallelMaskGeneration_MatchesSerial_AndResumes()
    {
        using var dir = new TempDir();
        var hr = dir.Sub("hr");
        Directory.CreateDirectory(hr);
        foreach (var f in Directory.GetFiles(TestPaths.Data("train", "T91"), "t*.png").Order(StringComparer.Ordinal).Take(6))
            File.Copy(f, Path.Combine(hr, Path.GetFileName(f)));
        var options = new MaskGenerationOptions(Spe: SpeOptions.Paper);
        var serial = MaskGeneration.GenerateFolder(hr, dir.Sub("serial"), new SegmenterRecordSource(new FelzenszwalbSegmenter()), options);
        int made = 0;
        IMaskRecordSource Factory() { Interlocked.Increment(ref made); return new SegmenterRecordSource(new FelzenszwalbSegmenter()); }
        var parallel = MaskGeneration.GenerateFolder(hr, dir.Sub("parallel"), Factory, 3, options);
        Assert.Equal(3, made); // one segmenter per worker
        Assert.Equal((6, 6), (serial.Generated, parallel.Generated));
        void AssertSameFiles()
        {
            var names = Directory.GetFiles(dir.Sub("serial")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(12, names.Count);
            Assert.Equal(names, Directory.GetFiles(dir.Sub("parallel")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var n in names)
                Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Sub("serial"), n!)), File.ReadAllBytes(Path.Combine(dir.Sub("parallel"), n!)));
        }
        AssertSameFiles();
        File.Delete(dir.Sub("parallel", "t1.npy"));
        File.Delete(dir.Sub("parallel", "t12.json"));
        var again = MaskGeneration.GenerateFolder(hr, dir.Sub("parallel"), Factory, 2, options);
        Assert.Equal((2, 4), (again.Generated, again.Skipped));
        AssertSameFiles();
    }
}
