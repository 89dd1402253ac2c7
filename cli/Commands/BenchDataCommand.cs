using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Cli.Benchmarks;
using SamDiffSR.Diffusion;
using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Training;
using SamDiffSR.Training.Packs;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Data;

namespace SamDiffSR.Cli.Commands;

/// <summary><c>samdiffsr bench data</c>: memory, loader throughput and mask-generation speed-up of the training data pipeline.</summary>
public sealed class BenchDataCommand : ICliCommand
{
    public string Name => "bench data";

    public string Summary => "Benchmark the training data pipeline: memory growth per HR pixel, loader batches/s, parallel masks speed-up.";

    public string Usage => """
        samdiffsr bench data [--work <dir>] [--images 10,20] [--height 1356] [--width 2040] [--batch 16] [--patch 160]
                             [--batches 30] [--workers 0,1,2] [--in-memory 2,4] [--mask-images 32] [--mask-size 452x680]
                             [--mask-workers 2] [--mask-repeats 3] [--parts a,b,c] [--out FILE.json]
          Synthetic DIV2K-sized images (2040x1356, textured) with piecewise-constant SPE maps.
          (a) packs of --images sizes; each is opened in a fresh child process that cuts --batches batches, and the
              resident memory after it is compared: growth per HR pixel (target <= 1 byte). --in-memory sizes do the
              same with the in-memory loader (0 to skip).
          (b) batches/s of the prefetching loader at --batch, --patch, SAM-DiffSR with masks, for each --workers count
              (0 = synchronous, in the caller's thread).
          (c) 'masks generate' (Felzenszwalb + SPE) on --mask-images images: seconds with 1 and --mask-workers workers
              (interleaved 1, N, 1, N, ... --mask-repeats times, the fastest of each), speed-up, every repeat's pair,
              and whether the outputs are byte-identical. A shared or virtual machine varies by 10-20 % between runs
              of a few seconds: keep --mask-images large enough that one run takes several seconds.
          --parts runs only some of (a), (b), (c); (b) needs the larger pack of (a), which is reused from --work.
          --work keeps the synthetic data (reused by a later run); default a temporary folder, deleted afterwards.
          The machine's load average is reported with the results: compare figures only under the same conditions.
        """;

    public int Run(CliArgs args, CliContext ctx)
    {
        if (args.Get("probe-pack") is { } probePack) { ctx.Out.WriteLine(DataBench.Probe(probePack, null, null, args.Int("batches", 30), args.Int("batch", 16), args.Int("patch", 160))); args.EnsureAllUsed(); return 0; }
        if (args.Get("probe-hr") is { } probeHr) { ctx.Out.WriteLine(DataBench.Probe(null, probeHr, args.Get("probe-masks"), args.Int("batches", 30), args.Int("batch", 16), args.Int("patch", 160))); args.EnsureAllUsed(); return 0; }
        string? work = args.Get("work"), outPath = args.Get("out");
        int[] sizes = Ints(args.GetOr("images", "10,20")), workers = Ints(args.GetOr("workers", "0,1,2")), inMem = Ints(args.GetOr("in-memory", "2,4"));
        int h = args.Int("height", 1356), w = args.Int("width", 2040), batch = args.Int("batch", 16), patch = args.Int("patch", 160), batches = args.Int("batches", 30);
        int maskImages = args.Int("mask-images", 32), maskWorkers = args.Int("mask-workers", 2), maskRepeats = args.Int("mask-repeats", 3, min: 1);
        var maskSize = args.GetOr("mask-size", "452x680").Split('x');
        var parts = args.GetOr("parts", "a,b,c").Split(',').ToHashSet();
        args.EnsureAllUsed();
        if (sizes.Length != 2 || sizes[0] >= sizes[1]) throw new CliUsageException("--images takes two increasing sizes, e.g. 10,20");
        int mh = int.Parse(maskSize[0], CultureInfo.InvariantCulture), mw = int.Parse(maskSize[1], CultureInfo.InvariantCulture);

        bool temp = work is null;
        work = Path.GetFullPath(work ?? Directory.CreateTempSubdirectory("samdiffsr-benchdata").FullName);
        var progress = new ConsoleProgress(ctx);
        var report = new JsonObject
        {
            ["benchmark"] = "data", ["utc"] = DateTime.UtcNow.ToString("O"), ["cores"] = Environment.ProcessorCount,
            ["load_before"] = LoadAverage(), ["image"] = $"{w}x{h}", ["batch"] = batch, ["patch"] = patch,
        };
        try
        {
            // (a) memory growth.
            var packs = new List<(int N, string Pack, double BuildSeconds, long Bytes)>();
            var set = Path.Combine(work, "set");
            if (parts.Contains("a") || parts.Contains("b"))
            {
                DataBench.MakeSet(set, Math.Max(sizes[1], inMem.DefaultIfEmpty(0).Max()), h, w, masks: true, progress);
                progress.Finish();
                foreach (var n in sizes)
                {
                    var sub = Subset(set, work, n);
                    var clock = Stopwatch.StartNew();
                    var r = TrainingPackBuilder.Build(HrDatasetLayout.Resolve(Path.Combine(sub, "hr"), 4), Path.Combine(work, $"pack{n}.srpack"),
                        new TrainingPackOptions(4, new MaskStore(Path.Combine(sub, "masks")), VerifyChecksums: false), progress: progress);
                    progress.Finish();
                    packs.Add((n, r.Path, r.Reused ? double.NaN : clock.Elapsed.TotalSeconds, r.Bytes));
                }
            }
            if (parts.Contains("a"))
            {
                string[] Common(int b) => ["--batches", b.ToString(CultureInfo.InvariantCulture), "--batch", batch.ToString(CultureInfo.InvariantCulture), "--patch", patch.ToString(CultureInfo.InvariantCulture)];
                var probes = packs.Select(p => JsonNode.Parse(Child(["bench", "data", "--probe-pack", p.Pack, .. Common(batches)]))!).ToList();
                double Growth(JsonNode a, JsonNode b, string key) =>
                    (b[key]!.GetValue<long>() - a[key]!.GetValue<long>()) / (double)(b["pixels"]!.GetValue<long>() - a["pixels"]!.GetValue<long>());
                double packGrowth = Growth(probes[0], probes[1], "after_rss"), packManaged = Growth(probes[0], probes[1], "managed");
                double onDisk = packs[1].Bytes / (double)probes[1]["pixels"]!.GetValue<long>();
                report["pack"] = new JsonObject
                {
                    ["images"] = new JsonArray(sizes.Select(n => (JsonNode)n).ToArray()),
                    ["bytes_per_hr_pixel_on_disk"] = onDisk,
                    ["build_seconds_per_image"] = packs.Any(p => !double.IsNaN(p.BuildSeconds)) // null when the packs were reused
                        ? packs.Where(p => !double.IsNaN(p.BuildSeconds)).Average(p => p.BuildSeconds / p.N) : null,
                    ["probes"] = new JsonArray(probes.Select(p => p.DeepClone()).ToArray()),
                    ["rss_growth_bytes_per_hr_pixel"] = packGrowth,
                    ["managed_growth_bytes_per_hr_pixel"] = packManaged,
                };
                ctx.Out.WriteLine(Inv($"(a) pack: {sizes[0]} -> {sizes[1]} images: RSS {probes[0]["after_rss"]!.GetValue<long>() / 1e6:F1} -> {probes[1]["after_rss"]!.GetValue<long>() / 1e6:F1} MB, growth {packGrowth:F4} bytes per HR pixel (live managed heap {packManaged:F4}); pack {onDisk:F2} bytes per HR pixel on disk"));
                if (inMem.Length == 2 && inMem[0] > 0)
                {
                    var mem = inMem.Select(n => Subset(set, work, n))
                        .Select(sub => JsonNode.Parse(Child(["bench", "data", "--probe-hr", Path.Combine(sub, "hr"), "--probe-masks", Path.Combine(sub, "masks"), .. Common(4)]))!).ToList();
                    double memGrowth = Growth(mem[0], mem[1], "after_rss"), memManaged = Growth(mem[0], mem[1], "managed");
                    report["in_memory"] = new JsonObject
                    {
                        ["images"] = new JsonArray(inMem.Select(n => (JsonNode)n).ToArray()), ["probes"] = new JsonArray(mem.Select(p => p.DeepClone()).ToArray()),
                        ["rss_growth_bytes_per_hr_pixel"] = memGrowth, ["managed_growth_bytes_per_hr_pixel"] = memManaged,
                    };
                    ctx.Out.WriteLine(Inv($"(a) in-memory loader: {inMem[0]} -> {inMem[1]} images: growth {memGrowth:F1} bytes per HR pixel (live managed heap {memManaged:F1})"));
                }
            }

            // (b) loader throughput on the larger pack.
            if (parts.Contains("b"))
            {
                using var pack = TrainingPack.Open(packs[1].Pack, LrUpRecipe.Official, verify: false);
                var sampler = SrPatchSampler.SkippingSmall(pack, new PatchOptions(patch));
                var tp = new JsonObject();
                foreach (var k in workers)
                {
                    var (bps, perCpu) = DataBench.Throughput(sampler, k, batches, batch, masks: true);
                    tp[k.ToString(CultureInfo.InvariantCulture)] = new JsonObject { ["batches_per_second"] = bps, ["batches_per_cpu_second"] = perCpu };
                    ctx.Out.WriteLine(Inv($"(b) loader, {(k == 0 ? "synchronous" : $"{k} worker(s)")}: {bps:F2} batches/s ({1 / bps:F3} s per batch of {batch}x{patch} px with SPE); {perCpu:F2} batches per CPU-second"));
                }
                report["loader_batches_per_second"] = tp;
            }

            // (c) parallel masks.
            if (parts.Contains("c"))
            {
                var mset = Path.Combine(work, "maskset");
                DataBench.MakeSet(mset, maskImages, mh, mw, masks: false, progress);
                progress.Finish();
                // Interleaved repeats (1, N, 1, N, ...), the fastest of each: the first run also pays for JIT compilation,
                // and the pairs (each 1-worker run over the N-worker run after it) show the machine's run-to-run noise.
                (double Wall, double Cpu) t1 = (double.MaxValue, 0), tn = (double.MaxValue, 0);
                var pairs = new JsonArray();
                for (int rep = 0; rep < maskRepeats; rep++)
                {
                    var a = DataBench.MaskSeconds(Path.Combine(mset, "hr"), Path.Combine(mset, "out1"), 1);
                    if (a.Wall < t1.Wall) t1 = a;
                    var b = DataBench.MaskSeconds(Path.Combine(mset, "hr"), Path.Combine(mset, "outN"), maskWorkers);
                    if (b.Wall < tn.Wall) tn = b;
                    pairs.Add(new JsonObject { ["seconds_1"] = a.Wall, ["seconds_n"] = b.Wall, ["speedup"] = a.Wall / b.Wall });
                }
                bool same = DataBench.SameFiles(Path.Combine(mset, "out1"), Path.Combine(mset, "outN"));
                report["masks"] = new JsonObject
                {
                    ["images"] = maskImages, ["size"] = $"{mw}x{mh}", ["seconds_1"] = t1.Wall, ["cpu_seconds_1"] = t1.Cpu, ["workers"] = maskWorkers,
                    ["seconds_n"] = tn.Wall, ["cpu_seconds_n"] = tn.Cpu, ["speedup"] = t1.Wall / tn.Wall, ["identical"] = same,
                    ["repeats"] = pairs,
                };
                ctx.Out.WriteLine(Inv($"(c) masks generate, {maskImages} images {mw}x{mh}: 1 worker {t1.Wall:F1} s ({t1.Cpu:F1} CPU-s), {maskWorkers} workers {tn.Wall:F1} s ({tn.Cpu:F1} CPU-s), speed-up {t1.Wall / tn.Wall:F2}x (pairs {string.Join(", ", pairs.Select(p => p!["speedup"]!.GetValue<double>().ToString("F2", CultureInfo.InvariantCulture)))}), outputs identical: {same}"));
            }
            report["load_after"] = LoadAverage();
            ctx.Out.WriteLine($"conditions: {Environment.ProcessorCount} cores, load average before {report["load_before"]}, after {report["load_after"]}");
            if (outPath != null) AppendJson(outPath, report);
        }
        finally
        {
            progress.Finish();
            if (temp) try { Directory.Delete(work, true); } catch (IOException) { }
        }
        return 0;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static int[] Ints(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>A folder of symbolic links to the first <paramref name="n"/> images and maps of <paramref name="set"/>.</summary>
    private static string Subset(string set, string work, int n)
    {
        var sub = Path.Combine(work, $"subset{n}");
        foreach (var kind in new[] { "hr", "masks" })
        {
            var dst = Path.Combine(sub, kind);
            Directory.CreateDirectory(dst);
            foreach (var f in Directory.GetFiles(Path.Combine(set, kind)).Order(StringComparer.Ordinal).Take(n))
            {
                var link = Path.Combine(dst, Path.GetFileName(f));
                if (!File.Exists(link)) File.CreateSymbolicLink(link, f);
            }
        }
        return sub;
    }

    /// <summary>Runs this CLI in a child process and returns its standard output.</summary>
    private static string Child(IReadOnlyList<string> args)
    {
        var exe = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"benchmark child process failed ({p.ExitCode}): {err.Result.Trim()}");
        return stdout.Trim().Split('\n')[^1];
    }

    private static void AppendJson(string path, JsonObject report)
    {
        var arr = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonArray ?? [] : [];
        arr.Add(report);
        AtomicFile.WriteAllText(path, arr.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
