using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Training;
using SamDiffSR.Training.Packs;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Masks.Formats;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>Resident memory of this process from /proc/self/status (Linux): total, anonymous (private) and file-backed.</summary>
public readonly record struct ResidentMemory(long RssBytes, long AnonBytes, long FileBytes)
{
    public static ResidentMemory Now()
    {
        long rss = 0, anon = 0, file = 0;
        if (File.Exists("/proc/self/status"))
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                static long Kb(string l) => long.Parse(l.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kb(line);
            }
        else rss = Environment.WorkingSet;
        return new ResidentMemory(rss, anon, file);
    }
}

/// <summary>
/// Data-pipeline benchmarks of issue 14 (<c>samdiffsr bench data</c>): synthetic DIV2K-sized images (2040×1356) with
/// piecewise-constant SPE maps; (a) resident memory growth per HR pixel between packs of two sizes, each measured in a
/// fresh child process after cutting batches over every image (and, for comparison, the in-memory loader); (b) loader
/// throughput (batches/s at batch 16, 160 px, SAM-DiffSR with masks) with 1 and 2 prefetch workers; (c) mask
/// generation speed-up with 2 workers over 1, with identical outputs.
/// </summary>
public static class DataBench
{
    /// <summary>A textured synthetic image (sinusoids + seeded noise), deterministic.</summary>
    public static ImageU8 Image(int h, int w, int seed)
    {
        var rng = new Random(seed);
        double fy = 0.01 + 0.05 * rng.NextDouble(), fx = 0.01 + 0.05 * rng.NextDouble();
        var d = new byte[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    d[(y * w + x) * 3 + c] = (byte)Math.Clamp(128 + 80 * Math.Sin(fy * y + c) * Math.Cos(fx * x - c) + rng.Next(-20, 21), 0, 255);
        return new ImageU8(h, w, 3, d);
    }

    /// <summary>A piecewise-constant SPE-like map (about 220 rectangular segments with distinct values).</summary>
    public static SpeMap Map(int h, int w, int seed)
    {
        var v = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                v[y * w + x] = (float)(((y / 97) * 16 + x / 131 + seed) % 223 / 223.0 - 0.5);
        return new SpeMap(h, w, v);
    }

    /// <summary>Writes <paramref name="count"/> images (and SPE maps) into hr/ and masks/ under <paramref name="dir"/>.</summary>
    public static void MakeSet(string dir, int count, int h, int w, bool masks, IProgress<Runtime.ProgressInfo>? progress)
    {
        Directory.CreateDirectory(Path.Combine(dir, "hr"));
        if (masks) Directory.CreateDirectory(Path.Combine(dir, "masks"));
        for (int i = 0; i < count; i++)
        {
            var name = $"{i + 1:D4}";
            var png = Path.Combine(dir, "hr", name + ".png");
            if (!File.Exists(png)) ImageIO.SavePng(Image(h, w, i), png);
            var npy = Path.Combine(dir, "masks", name + ".npy");
            if (masks && !File.Exists(npy)) NpyFile.Write(npy, Map(h, w, i));
            progress?.Report(new Runtime.ProgressInfo("synthetic set", i + 1, count, name));
        }
    }

    /// <summary>
    /// Child-process probe: opens <paramref name="pack"/> (or loads <paramref name="hrDir"/> in memory when
    /// <paramref name="pack"/> is null), cuts <paramref name="batches"/> batches (so every image is read), and
    /// returns resident memory before and after as JSON.
    /// </summary>
    public static string Probe(string? pack, string? hrDir, string? masksDir, int batches, int batchSize, int patch)
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var before = ResidentMemory.Now();
        var options = new PatchOptions(patch);
        long pixels;
        SrPatchSampler sampler;
        TrainingPack? p = null;
        if (pack != null)
        {
            p = TrainingPack.Open(pack, LrUpRecipe.Official, verify: false);
            sampler = SrPatchSampler.SkippingSmall(p, options);
            pixels = p.HrPixels;
        }
        else
        {
            var store = masksDir is null ? null : new MaskStore(masksDir);
            var ds = SrPatchDataset.Load(hrDir!, 4, options, LrUpRecipe.Official, store);
            sampler = ds.Sampler;
            pixels = ds.Images.Sum(i => (long)i.Hr.Height * i.Hr.Width);
        }
        for (int b = 0; b < batches; b++) _ = sampler.GetArrays(b, batchSize, 0, masksDir != null || (p?.HasMask(0) ?? false));
        // Aggressive: decommit the free GC heap, so the resident set shows what is live, not what the GC kept for later.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true); GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var after = ResidentMemory.Now();
        GC.KeepAlive(sampler);
        p?.Dispose();
        return JsonSerializer.Serialize(new { pixels, images = sampler.Count, before.RssBytes, after_rss = after.RssBytes, after_anon = after.AnonBytes, after_file = after.FileBytes, managed = GC.GetTotalMemory(false) });
    }

    /// <summary>CPU time of this process so far (all threads).</summary>
    public static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>
    /// Batches per second of wall time, and per second of this process's CPU time, of a loader with
    /// <paramref name="workers"/> prefetch threads (0 = synchronous). The consumer only takes batches.
    /// </summary>
    public static (double PerSecond, double PerCpuSecond) Throughput(SrPatchSampler sampler, int workers, int batches, int batchSize, bool masks)
    {
        using var loader = new PrefetchingBatchLoader(sampler, 0, batches + 2, batchSize, 1, masks, workers);
        loader.Take(0); loader.Take(1); // warm-up
        double cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        for (long s = 2; s < batches + 2; s++) loader.Take(s);
        return (batches / clock.Elapsed.TotalSeconds, batches / (CpuSeconds() - cpu));
    }

    /// <summary>Wall and CPU seconds to segment a folder with Felzenszwalb (+ SPE) on <paramref name="workers"/> threads.</summary>
    public static (double Wall, double Cpu) MaskSeconds(string hr, string outDir, int workers)
    {
        if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        double cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        MaskGeneration.GenerateFolder(hr, outDir, () => new SegmenterRecordSource(new FelzenszwalbSegmenter()), workers,
                                      new MaskGenerationOptions(Spe: SpeOptions.Paper), verifyChecksums: false);
        return (clock.Elapsed.TotalSeconds, CpuSeconds() - cpu);
    }

    /// <summary>True if two folders hold the same file names with the same bytes.</summary>
    public static bool SameFiles(string a, string b)
    {
        var na = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var nb = Directory.GetFiles(b).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return na.SequenceEqual(nb) && na.All(n => File.ReadAllBytes(Path.Combine(a, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, n!))));
    }
}
