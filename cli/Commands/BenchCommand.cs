using SamDiffSR.Models;
using System.Text.Json;
using System.Text.Json.Nodes;
using SamDiffSR.Cli.Benchmarks;
using SamDiffSR.IO;
using SamDiffSR.Runtime;
using SamDiffSR.Diffusion;

namespace SamDiffSR.Cli.Commands;

/// <summary>Shared option handling of <c>bench train</c> and <c>bench sample</c>.</summary>
public abstract class BenchCommandBase : ICliCommand
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <inheritdoc/>
    public abstract string Usage { get; }

    /// <summary>Common options' usage lines.</summary>
    protected static string CommonUsage(int warmup, int runs) =>
        $"  --preset NAME | --config FILE.json   network sizes (presets: {string.Join(", ", ModelConfig.PresetNames)})\n" +
        $"  --warmup W       untimed runs per variant (default {warmup})\n" +
        $"  --runs N         timed runs per variant (default {runs}); variants run interleaved\n" +
        "  --threads T      libtorch intra-op threads for variants that do not set their own (default: libtorch's)\n" +
        $"  --variants LIST  comma-separated, the first is the ratios' reference (default baseline,tuned);\n" +
        $"                   known: {string.Join(", ", BenchVariant.Names)}\n" +
        "  --seed S         weights and inputs seed (default 0)\n" +
        "  --omp-wait P     set OMP_WAIT_POLICY=passive|active before libtorch loads (a process-wide setting: compare\n" +
        "                   it across separate runs; passive stops idle OpenMP threads from spinning on a busy machine)\n" +
        "  --device D       cpu (default) or cuda (times wait for the GPU: torch.cuda.synchronize per step)\n" +
        "  --cudnn-benchmark  cuDNN benchmark mode (GPU; off by default)\n" +
        $"                   variants bf16, fp16: the baseline under libtorch autocast (fp16 with the loss scaler)\n" +
        "  --json           print the report as one JSON object instead of the table\n" +
        "  --out FILE.json  append the report to a JSON array in FILE.json (created if missing)";

    /// <inheritdoc/>
    public int Run(CliArgs args, CliContext ctx)
    {
        var preset = args.Get("preset");
        var configPath = args.Get("config");
        int warmup = args.Int("warmup", DefaultWarmup);
        int runs = args.Int("runs", DefaultRuns);
        int threads = args.Int("threads", 0);
        var variantList = args.GetOr("variants", "baseline,tuned");
        long seed = args.Int("seed", 0);
        bool json = args.Flag("json");
        var outPath = args.Get("out");
        var ompWait = args.Get("omp-wait");
        var device = args.GetOr("device", "cpu");
        bool cudnnBenchmark = PrecisionCliOptions.CudnnBenchmark(args);
        var specific = ReadSpecific(args);
        args.EnsureAllUsed();

        if (warmup < 0) throw new CliUsageException($"--warmup must be >= 0, got {warmup}");
        if (runs < 1) throw new CliUsageException($"--runs must be >= 1, got {runs}");
        if (threads < 0) throw new CliUsageException($"--threads must be >= 0, got {threads}");
        var (config, source) = ModelConfigCli.Resolve(preset, configPath);
        IReadOnlyList<BenchVariant> variants;
        try { variants = BenchSuite.ParseVariants(variantList); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }

        if (ompWait is not null)
        {
            try { OpenMpSettings.SetWaitPolicy(ompWait); }
            catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
        }
        if (outPath is not null)
        {
            // Checked before the (minutes-long) measurement, so that a bad --out does not waste it.
            if (Directory.Exists(outPath)) throw new IOException($"--out '{outPath}' is a folder; give a JSON file name to append the report to.");
            PathGuard.EnsureFolderPath(Path.GetDirectoryName(Path.GetFullPath(outPath))!, "--out");
            ReadJsonArray(outPath);
        }
        if (device is not ("cpu" or "cuda")) throw new CliUsageException($"--device must be cpu or cuda, got '{device}'");
        TorchRuntime.Initialize(threads: threads, preferCuda: device == "cuda");
        if (device == "cuda" && TorchRuntime.Device.type != TorchSharp.DeviceType.CUDA)
            throw new CliUsageException("--device cuda: no CUDA device (build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU; 'samdiffsr info' shows the device)");
        if (cudnnBenchmark) CudnnSettings.Benchmark = true;
        var progress = new ConsoleProgress(ctx);
        BenchReport report;
        try
        {
            report = Measure(source, config, specific, variants, warmup, runs, seed, progress);
        }
        catch (ArgumentOutOfRangeException ex) { throw new CliUsageException(ex.Message); }
        finally { progress.Finish(); }

        if (json) ctx.Out.WriteLine(report.ToJsonString());
        else report.WriteTable(ctx.Out);
        if (outPath is not null)
        {
            AppendToJsonArray(outPath, report.ToJson());
            ctx.Err.WriteLine($"appended the report to {outPath}");
        }
        return 0;
    }

    /// <summary>Default warm-up runs.</summary>
    protected abstract int DefaultWarmup { get; }

    /// <summary>Default timed runs.</summary>
    protected abstract int DefaultRuns { get; }

    /// <summary>Reads the command's own options.</summary>
    protected abstract object ReadSpecific(CliArgs args);

    /// <summary>Runs the benchmark.</summary>
    protected abstract BenchReport Measure(string source, ModelConfig config, object specific, IReadOnlyList<BenchVariant> variants,
                                           int warmup, int runs, long seed, IProgress<ProgressInfo> progress);

    /// <summary>
    /// Appends <paramref name="item"/> to the JSON array stored in <paramref name="path"/> (a missing or empty file
    /// starts a new array), atomically.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but does not hold a JSON array.</exception>
    public static void AppendToJsonArray(string path, JsonNode item)
    {
        var arr = ReadJsonArray(path);
        arr.Add(item.DeepClone());
        AtomicFile.WriteAllText(path, arr.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The JSON array held by <paramref name="path"/> (empty when the file is missing or empty); anything else is an error naming the file.</summary>
    public static JsonArray ReadJsonArray(string path)
    {
        JsonArray arr;
        if (File.Exists(path) && new FileInfo(path).Length > 0)
        {
            JsonNode? node;
            try { node = JsonNode.Parse(File.ReadAllText(path)); }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path} is not valid JSON ({ex.Message}); --out appends to a JSON array: give a new file name or fix the file.", ex);
            }
            arr = node as JsonArray ?? throw new InvalidDataException(
                $"{path} holds a JSON {node?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not an array; --out appends to a JSON array: give a new file name.");
        }
        else arr = new JsonArray();
        return arr;
    }
}

/// <summary>
/// <c>samdiffsr bench train</c>: median time of one diffusion-stage training step (the official harness's step: random
/// t, frozen RRDB under no_grad, U-Net forward, L1 loss vs the modulated noise, backward, Adam), per variant.
/// </summary>
public sealed class BenchTrainCommand : BenchCommandBase
{
    /// <inheritdoc/>
    public override string Name => "bench train";

    /// <inheritdoc/>
    public override string Summary => "Time a training step (fwd+bwd+Adam) per execution variant, side by side; never a test.";

    /// <inheritdoc/>
    public override string Usage =>
        "samdiffsr bench train (--preset NAME | --config FILE.json) [--batch 1] [--patch 64] [options]\n" +
        "  --batch B        batch size (default 1)\n" +
        "  --patch P        HR patch side in pixels (default 64; LR = P / scale)\n" + CommonUsage(DefaultWarmup, DefaultRuns);

    /// <inheritdoc/>
    protected override int DefaultWarmup => 2;

    /// <inheritdoc/>
    protected override int DefaultRuns => 5;

    /// <inheritdoc/>
    protected override object ReadSpecific(CliArgs args) => (args.Int("batch", 1), args.Int("patch", 64));

    /// <inheritdoc/>
    protected override BenchReport Measure(string source, ModelConfig config, object specific, IReadOnlyList<BenchVariant> variants,
                                           int warmup, int runs, long seed, IProgress<ProgressInfo> progress)
    {
        var (batch, patch) = ((int, int))specific;
        if (batch < 1) throw new CliUsageException($"--batch must be >= 1, got {batch}");
        return BenchSuite.Train(source, config, batch, patch, variants, warmup, runs, seed, progress);
    }
}

/// <summary>
/// <c>samdiffsr bench sample</c>: per-step and total time of a sampling run (one RRDB conditioning + k reverse steps,
/// batch 1), per variant.
/// </summary>
public sealed class BenchSampleCommand : BenchCommandBase
{
    /// <inheritdoc/>
    public override string Name => "bench sample";

    /// <inheritdoc/>
    public override string Summary => "Time reverse-diffusion steps (and the RRDB pass) per execution variant, side by side.";

    /// <inheritdoc/>
    public override string Usage =>
        "samdiffsr bench sample (--preset NAME | --config FILE.json) [--size 64] [--steps 10] [--sampler ddpm|ddim] [options]\n" +
        "  --size S         HR side in pixels (default 64; LR = S / scale), batch 1\n" +
        "  --steps K        reverse steps per run (default 10; 100 = a full DDPM sample)\n" +
        "  --sampler KIND   ddpm (steps T-1 ... T-K, default) or ddim (K-step DDIM, eta 0)\n" + CommonUsage(DefaultWarmup, DefaultRuns);

    /// <inheritdoc/>
    protected override int DefaultWarmup => 1;

    /// <inheritdoc/>
    protected override int DefaultRuns => 3;

    /// <inheritdoc/>
    protected override object ReadSpecific(CliArgs args) =>
        (args.Int("size", 64), args.Int("steps", 10), args.Enum("sampler", SamplerKind.Ddpm));

    /// <inheritdoc/>
    protected override BenchReport Measure(string source, ModelConfig config, object specific, IReadOnlyList<BenchVariant> variants,
                                           int warmup, int runs, long seed, IProgress<ProgressInfo> progress)
    {
        var (size, steps, sampler) = ((int, int, SamplerKind))specific;
        return BenchSuite.Sample(source, config, size, steps, sampler,
                                 variants, warmup, runs, seed, progress);
    }
}
