using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Inference;
using SamDiffSR.IO;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Generation;
using SamDiffSR.Masks.Segmenters;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Metrics;
using SamDiffSR.Metrics.Perceptual;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Training;

namespace SamDiffSR.Pipelines;

/// <summary>A row of a comparison (quickstart, replication study).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ComparisonMethod>))]
public enum ComparisonMethod
{
    /// <summary>MATLAB bicubic upscaling (no training).</summary>
    [OptionName("bicubic")] Bicubic,
    /// <summary>The RRDB encoder's own SR output: the regression baseline (L1, stage 1).</summary>
    [OptionName("rrdb")] Rrdb,
    /// <summary>SRDiff: unmodulated diffusion, trained with the base recipe's loss and LR schedule.</summary>
    [OptionName("srdiff")] SrDiff,
    /// <summary>SAM-DiffSR with the <see cref="TrainingRecipe.Released"/> recipe (its own masks, loss, schedule).</summary>
    [OptionName("samdiffsr-released")] SamDiffSRReleased,
    /// <summary>SAM-DiffSR with the <see cref="TrainingRecipe.Paper"/> recipe.</summary>
    [OptionName("samdiffsr-paper")] SamDiffSRPaper,
    /// <summary>SAM+SRDiff: the SPE map as an extra input channel (at inference from the bicubic-upsampled LR, Table 4 "Low").</summary>
    [OptionName("samconcat")] SamConcat,
    /// <summary>The policy row: the SRDiff run sampled with x̂0 clipping (<see cref="SamplingPolicy.Clipped"/>).</summary>
    [OptionName("srdiff-clipped")] SrDiffClipped,
    /// <summary>The SAM-DiffSR (released) run sampled with x̂0 clipping: allowed, because the released code's x_t keeps x̂0 a plain estimate of x0.</summary>
    [OptionName("samdiffsr-released-clipped")] SamDiffSRReleasedClipped,
    /// <summary>The SAM+SRDiff run sampled with x̂0 clipping (unmodulated, so clipping is allowed).</summary>
    [OptionName("samconcat-clipped")] SamConcatClipped,
    /// <summary>
    /// The SRDiff run sampled with the released code's jump σ (<see cref="JumpSigma.Released"/>): the row SAM-DiffSR
    /// (released) is compared with, both running identical jump coefficients. The plain SRDiff rows take the Paper-mode σ,
    /// the row SAM-DiffSR (paper) is compared with.
    /// </summary>
    [OptionName("srdiff-released-sigma")] SrDiffReleasedSigma,
    /// <summary><see cref="SrDiffReleasedSigma"/> with x̂0 clipping: the row SAM-DiffSR (released), x0 clipped is compared with.</summary>
    [OptionName("srdiff-released-sigma-clipped")] SrDiffReleasedSigmaClipped,
}

/// <summary>
/// Everything a comparison depends on. One pipeline serves the quickstart (one seed) and the replication study
/// (several seeds); see <see cref="Comparison"/>.
/// </summary>
/// <param name="OutDirectory">Everything goes here; a killed run resumes stage by stage.</param>
/// <param name="Model">Network sizes (the SAM+SRDiff row adds one input channel).</param>
/// <param name="Methods">Rows, in table order.</param>
/// <param name="Seeds">One seed per replicate; within a seed every diffusion run shares init, batches, t and ε.</param>
/// <param name="RrdbSteps">Stage-1 steps (the encoder every diffusion model conditions on).</param>
/// <param name="DiffusionSteps">Stage-2 steps of every diffusion row.</param>
/// <param name="RrdbBaselineSteps">Steps of the RRDB regression row: null = the stage-1 encoder itself; otherwise a separate RRDB run (e.g. RrdbSteps + DiffusionSteps for the same budget).</param>
/// <param name="BatchSize">Batch size of every run.</param>
/// <param name="Patch">HR patch side.</param>
/// <param name="Lr">Base learning rate of every run.</param>
/// <param name="EmaDecay">EMA of the diffusion weights (null = none, as the released code); when set, every diffusion row and
/// learning-curve point samples with the EMA weights.</param>
/// <param name="Recipe">Base recipe: every run (RRDB, SRDiff, SAM+SRDiff and both SAM-DiffSR rows) uses its loss and LR schedule; each SAM-DiffSR row takes its modulation, SPE variant, value rule and reduce rule from its own recipe, so a paired difference isolates the method.</param>
/// <param name="EvalSets">HR folders to evaluate on (x scale of the model).</param>
/// <param name="CurvePoints">Learning-curve points per diffusion run (0 = none); checkpoints are kept for them.</param>
/// <param name="CurveImages">Images of the first eval set used for the learning curves.</param>
/// <param name="ArtifactScore">Also compute the LDL artifact score per image.</param>
/// <param name="TrainSet">HR training images (default: embedded T91).</param>
/// <param name="ParallelRuns">Diffusion runs of a seed trained at the same time. 1 (default): one after another on the
/// runtime's threads. 2 or more: every training run of the comparison, the RRDB included, runs on one libtorch thread and
/// up to this many diffusion runs train side by side, so each run's weights equal those of a one-thread run whatever the
/// core count, and small networks use the cores better than one run on several threads (docs/quickstart-budget.md).</param>
public sealed record ComparisonOptions(
    string OutDirectory,
    ModelConfig Model,
    IReadOnlyList<ComparisonMethod> Methods,
    IReadOnlyList<long> Seeds,
    int RrdbSteps,
    int DiffusionSteps,
    int? RrdbBaselineSteps = null,
    int BatchSize = 8,
    int Patch = 64,
    double Lr = 2e-3,
    double? EmaDecay = null,
    RecipeKind Recipe = RecipeKind.Paper,
    IReadOnlyList<string>? EvalSets = null,
    int CurvePoints = 0,
    int CurveImages = 2,
    bool ArtifactScore = true,
    string? TrainSet = null,
    int ParallelRuns = 1)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public ComparisonOptions Validate()
    {
        if (Methods.Count == 0) throw new ArgumentException("no methods to compare");
        if (Seeds.Count == 0) throw new ArgumentException("no seeds");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException("seeds must be distinct");
        if (RrdbSteps < 1 || DiffusionSteps < 1) throw new ArgumentException("steps must be >= 1");
        if (RrdbBaselineSteps is < 1) throw new ArgumentException("RRDB baseline steps must be >= 1");
        if (CurvePoints < 0 || CurvePoints > DiffusionSteps) throw new ArgumentException($"curve points must be in 0..{DiffusionSteps}");
        if (ParallelRuns < 1) throw new ArgumentException($"parallel runs must be >= 1, got {ParallelRuns}");
        return this;
    }
}

/// <summary>The metrics of one image.</summary>
public sealed record ComparisonImage(string Name, double Psnr, double Ssim, double LrPsnr, double Artifact);

/// <summary>One (method, seed, eval set) evaluation.</summary>
public sealed record ComparisonEval(string Method, long Seed, string Set, double Psnr, double Ssim, double LrPsnr, double Artifact,
                                   SamplingRecord? Sampling, double Seconds, IReadOnlyList<ComparisonImage> Images);

/// <summary>One learning-curve point: PSNR of a checkpoint on the fixed curve subset with the fixed sampling seed.</summary>
public sealed record CurvePoint(string Method, long Seed, long Step, double Psnr);

/// <summary>Wall time of one stage (where the time goes).</summary>
public sealed record StageTime(string Stage, double Seconds, bool Resumed);

/// <summary>Mean ± sample std over seeds of one metric of one method on one set.</summary>
public sealed record MetricSummary(string Method, string Set, string Metric, int N, double Mean, double Std);

/// <summary>
/// Paired difference (method − SRDiff) over seeds: mean, sample std, and the 95 % t-interval
/// mean ± t_{0.975, n−1}·std/√n (null bounds for n &lt; 2).
/// </summary>
public sealed record PairedDifference(string Method, string Set, string Metric, int N, double Mean, double Std, double? Low, double? High)
{
    /// <summary>Whether the interval contains 0 (no evidence of a difference at 95 %); null when there is no interval.</summary>
    public bool? ContainsZero => Low is { } l && High is { } h ? l <= 0 && h >= 0 : null;
}

/// <summary>Everything a comparison produced (also <c>results.json</c>).</summary>
public sealed record ComparisonResult(ComparisonOptions Options, string Masks, string PolicyDescription,
                                      IReadOnlyList<ComparisonEval> Evaluations, IReadOnlyList<CurvePoint> Curves,
                                      IReadOnlyList<StageTime> Stages, IReadOnlyList<MetricSummary> Summaries,
                                      IReadOnlyList<PairedDifference> Differences, double TotalSeconds, string Machine);

/// <summary>
/// The one comparison pipeline: methods × seeds with common random numbers, resumable per stage, one sampling policy
/// for every row (<see cref="PolicyOf"/>: the exact jumps, clipped or not; a row is compared only with rows of its own
/// clipping), learning curves, and paired
/// statistics. <see cref="Quickstart"/> is its one-seed case; <c>samdiffsr study</c> runs it with several seeds.
/// <para><b>Common random numbers.</b> Within a seed every diffusion run is made by <see cref="SrTrainer"/> with the
/// same seed, so it draws the same initial weights (<c>torch.manual_seed(seed)</c> before the networks are built; the
/// SAM+SRDiff U-Net has one more input channel, so its first convolution and every weight drawn after it differ), the
/// same batches (the image order and patch positions depend on (seed, step, i) only, not on the masks, for aligned
/// crops) and the same t and ε (one generator seeded from (seed, step), drawn in the same order for every method).
/// The RRDB encoder is trained once per seed and shared. Masks: the embedded Felzenszwalb segmenter on the
/// training HR images, a stand-in for SAM, encoded once per recipe.</para>
/// <para><b>Resume.</b> Masks, each training run (checkpointed) and each evaluation (one JSON per method, seed and set)
/// are separate stages; a killed run recomputes only what is missing.</para>
/// </summary>
public static class Comparison
{
    /// <summary>Results file in the output folder.</summary>
    public const string ResultsFile = "results.json";

    /// <summary>Human-readable row label.</summary>
    public static string Label(ComparisonMethod m) => m switch
    {
        ComparisonMethod.Bicubic => "Bicubic",
        ComparisonMethod.Rrdb => "RRDB (regression)",
        ComparisonMethod.SrDiff => "SRDiff",
        ComparisonMethod.SamDiffSRReleased => "SAM-DiffSR (released)",
        ComparisonMethod.SamDiffSRPaper => "SAM-DiffSR (paper)",
        ComparisonMethod.SamConcat => "SAM+SRDiff",
        ComparisonMethod.SrDiffClipped => "SRDiff, x0 clipped",
        ComparisonMethod.SamDiffSRReleasedClipped => "SAM-DiffSR (released), x0 clipped",
        ComparisonMethod.SamConcatClipped => "SAM+SRDiff, x0 clipped",
        ComparisonMethod.SrDiffReleasedSigma => "SRDiff (released σ)",
        ComparisonMethod.SrDiffReleasedSigmaClipped => "SRDiff (released σ), x0 clipped",
        _ => m.ToString(),
    };

    /// <summary>Whether a method is a trained diffusion model sampled under the policy.</summary>
    public static bool IsDiffusion(ComparisonMethod m) => m is ComparisonMethod.SrDiff or ComparisonMethod.SamDiffSRReleased
        or ComparisonMethod.SamDiffSRPaper or ComparisonMethod.SamConcat or ComparisonMethod.SrDiffReleasedSigma || IsClipped(m);

    /// <summary>
    /// Whether a row samples with x̂0 clipping (<see cref="SamplingPolicy.Clipped"/>). Clipped rows form their own table
    /// (compared with "SRDiff, x0 clipped"); a Paper-mode model has no clipped row because its x̂0 contains κ_t·E.
    /// </summary>
    public static bool IsClipped(ComparisonMethod m) => m is ComparisonMethod.SrDiffClipped or ComparisonMethod.SamDiffSRReleasedClipped
        or ComparisonMethod.SamConcatClipped or ComparisonMethod.SrDiffReleasedSigmaClipped;

    /// <summary>The trained run a row samples (clipped rows and the released-σ SRDiff rows sample another row's run).</summary>
    public static ComparisonMethod BaseOf(ComparisonMethod m) => m switch
    {
        ComparisonMethod.SrDiffClipped or ComparisonMethod.SrDiffReleasedSigma or ComparisonMethod.SrDiffReleasedSigmaClipped => ComparisonMethod.SrDiff,
        ComparisonMethod.SamDiffSRReleasedClipped => ComparisonMethod.SamDiffSRReleased,
        ComparisonMethod.SamConcatClipped => ComparisonMethod.SamConcat,
        _ => m,
    };

    /// <summary>The unclipped twin of a clipped row (the same run and σ without clipping); other rows: themselves.</summary>
    public static ComparisonMethod UnclippedOf(ComparisonMethod m) => m switch
    {
        ComparisonMethod.SrDiffReleasedSigmaClipped => ComparisonMethod.SrDiffReleasedSigma,
        _ when IsClipped(m) => BaseOf(m),
        _ => m,
    };

    /// <summary>The clipped twin of an unclipped diffusion row, or null where clipping is not allowed (Paper mode) or not defined.</summary>
    public static ComparisonMethod? ClippedOf(ComparisonMethod m) => m switch
    {
        ComparisonMethod.SrDiff => ComparisonMethod.SrDiffClipped,
        ComparisonMethod.SamDiffSRReleased => ComparisonMethod.SamDiffSRReleasedClipped,
        ComparisonMethod.SamConcat => ComparisonMethod.SamConcatClipped,
        ComparisonMethod.SrDiffReleasedSigma => ComparisonMethod.SrDiffReleasedSigmaClipped,
        _ => null,
    };

    /// <summary>
    /// Whose jump σ a row samples with: SAM-DiffSR (released) and the released-σ SRDiff rows the released code's, every
    /// other row (SAM-DiffSR (paper), SRDiff, SAM+SRDiff) the Paper-mode jump's.
    /// </summary>
    public static JumpSigma SigmaOf(ComparisonMethod m) => m is ComparisonMethod.SamDiffSRReleased or ComparisonMethod.SamDiffSRReleasedClipped
        or ComparisonMethod.SrDiffReleasedSigma or ComparisonMethod.SrDiffReleasedSigmaClipped ? JumpSigma.Released : JumpSigma.Paper;

    /// <summary>The sampling policy of a row: the exact jumps with its clipping and its σ.</summary>
    public static SamplingPolicy PolicyOf(ComparisonMethod m) => SamplingPolicy.For(IsClipped(m), SigmaOf(m));

    /// <summary>
    /// The row a row's paired difference is taken against: the SRDiff row with the same clipping and the same jump σ, so the
    /// two rows run identical sampler coefficients (bicubic and RRDB: plain SRDiff).
    /// </summary>
    public static ComparisonMethod ReferenceOf(ComparisonMethod m) => (IsDiffusion(m) && IsClipped(m), IsDiffusion(m) ? SigmaOf(m) : JumpSigma.Paper) switch
    {
        (false, JumpSigma.Paper) => ComparisonMethod.SrDiff,
        (true, JumpSigma.Paper) => ComparisonMethod.SrDiffClipped,
        (false, JumpSigma.Released) => ComparisonMethod.SrDiffReleasedSigma,
        _ => ComparisonMethod.SrDiffReleasedSigmaClipped,
    };

    /// <summary>The method of a row label (<see cref="Label"/>), or null for an unknown label.</summary>
    public static ComparisonMethod? MethodOfLabel(string label) =>
        Enum.GetValues<ComparisonMethod>().Where(m => Label(m) == label).Select(m => (ComparisonMethod?)m).FirstOrDefault();

    /// <summary>The recipe a trained method uses (SAM-DiffSR rows their own, everything else the base recipe).</summary>
    public static TrainingRecipe RecipeFor(ComparisonMethod m, RecipeKind baseRecipe) => m switch
    {
        ComparisonMethod.SamDiffSRReleased => TrainingRecipe.Released,
        ComparisonMethod.SamDiffSRPaper => TrainingRecipe.Paper,
        _ => TrainingRecipe.Of(baseRecipe),
    };

    /// <summary>The diffusion method a row trains.</summary>
    public static SrMethod MethodFor(ComparisonMethod m) => m switch
    {
        ComparisonMethod.SamDiffSRReleased or ComparisonMethod.SamDiffSRPaper => SrMethod.SamDiffSR,
        ComparisonMethod.SamConcat => SrMethod.SamConcat,
        _ => SrMethod.SrDiff,
    };

    /// <summary>The training configuration of one diffusion row (also used by tests to prove the common random numbers).</summary>
    public static TrainConfig DiffusionConfig(ComparisonOptions o, ComparisonMethod m, long seed)
    {
        // A SAM-DiffSR row takes its modulation, SPE variant, value rule and reduce rule from its recipe; the loss and the LR
        // schedule come from the base recipe for every row, so a paired difference isolates the method (not L1 vs L2).
        var recipe = RecipeFor(m, o.Recipe);
        var baseRecipe = TrainingRecipe.Of(o.Recipe);
        var model = m == ComparisonMethod.SamConcat ? o.Model with { ExtraInputChannels = 1 } : o.Model;
        int keep = Math.Max(1, o.CurvePoints);
        int every = o.CurvePoints > 0 ? Math.Max(1, o.DiffusionSteps / o.CurvePoints) : Math.Max(1, o.DiffusionSteps / 4);
        return new TrainConfig(TrainingStage.Diffusion, model, recipe.Diffusion(MethodFor(m)) with { Loss = baseRecipe.Loss }, recipe.Patch(o.Patch, flips: true, rotations: true),
            o.DiffusionSteps, o.BatchSize, baseRecipe.Schedule(o.Lr, o.DiffusionSteps), GradClipNorm: 1.0, EmaDecay: o.EmaDecay, Seed: seed,
            CheckpointEvery: every, KeepCheckpoints: o.CurvePoints > 0 ? keep + 1 : 1, LogEvery: 1);
    }

    /// <summary>The stage-1 (or RRDB baseline) configuration.</summary>
    public static TrainConfig RrdbConfig(ComparisonOptions o, long seed, int steps)
    {
        var recipe = TrainingRecipe.Of(o.Recipe);
        return new TrainConfig(TrainingStage.Rrdb, o.Model, DiffusionOptions.SrDiff, recipe.Patch(o.Patch, flips: true, rotations: true), steps,
            o.BatchSize, recipe.Schedule(o.Lr, steps), GradClipNorm: 1.0, Seed: seed, CheckpointEvery: Math.Max(1, steps / 4), KeepCheckpoints: 1, LogEvery: 1);
    }

    /// <summary>Folder of a run: seed_S/method.</summary>
    public static string RunDirectory(string outDir, long seed, string name) =>
        Path.Combine(outDir, "runs", string.Create(CultureInfo.InvariantCulture, $"seed_{seed}"), name);

    /// <summary>Runs (or resumes) the comparison.</summary>
    public static ComparisonResult Run(ComparisonOptions o, Action<string>? log = null, IProgress<ProgressInfo>? progress = null,
                                       CancellationToken cancellationToken = default)
    {
        o.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var stages = new List<StageTime>();
        string trainSet = o.TrainSet ?? DataPaths.T91;
        var evalSets = o.EvalSets ?? [DataPaths.Set5];
        Directory.CreateDirectory(o.OutDirectory);
        var methods = o.Methods;
        var trained = methods.Where(IsDiffusion).Select(BaseOf).Distinct().ToList();   // a clipped row samples its twin's run
        var grid = new GridProgress(o, trained, evalSets.Count, progress);

        // 1. Masks: one folder per SPE setting in use (the segmentation itself is shared through the JSON files).
        var fz = FelzenszwalbOptions.Default;
        var recipes = trained.Select(m => RecipeFor(m, o.Recipe)).Distinct().ToList();
        var stores = new Dictionary<RecipeKind, SrPatchDataset>();
        foreach (var recipe in recipes)
        {
            var t0 = clock.Elapsed.TotalSeconds;
            string dir = Path.Combine(o.OutDirectory, "masks-" + recipe.Name);
            log($"masks ({recipe.Name} recipe: {OptionNames.Of(recipe.Spe.Variant)}, value rule {OptionNames.Of(recipe.Spe.ValueRule)}) for {trainSet} " +
                $"with the embedded segmenter {fz.Describe()} (stand-in for SAM)");
            var mr = MaskGeneration.GenerateFolder(trainSet, dir, new SegmenterRecordSource(new FelzenszwalbSegmenter(fz)),
                new MaskGenerationOptions(MaskFrom.Hr, o.Model.Scale, recipe.Spe), null, null, cancellationToken: cancellationToken);
            var store = new MaskStore(dir, new MaskStoreOptions(ShapeMismatch: ShapeMismatchPolicy.TrimToImage), _ => { });
            stores[recipe.Kind] = SrPatchDataset.Load(trainSet, o.Model.Scale, recipe.Patch(o.Patch, true, true), LrUpRecipe.Official, store);
            stages.Add(new StageTime("masks " + recipe.Name, clock.Elapsed.TotalSeconds - t0, mr.Generated == 0));
        }
        var baseData = stores.TryGetValue(o.Recipe, out var bd) ? bd
            : SrPatchDataset.Load(trainSet, o.Model.Scale, TrainingRecipe.Of(o.Recipe).Patch(o.Patch, true, true), LrUpRecipe.Official, null);
        string masksDescription = fz.Describe() + " on " + Path.GetFileName(Path.TrimEndingDirectorySeparator(trainSet)) + " (stand-in for SAM)";

        var evals = new List<ComparisonEval>();
        var curves = new List<CurvePoint>();
        foreach (var seed in o.Seeds)
        {
            string rrdbRun = RunDirectory(o.OutDirectory, seed, "rrdb"), rrdbBaseline = rrdbRun;
            OnTrainingThreads(o.ParallelRuns, () =>
            {
                // 2. Stage 1: the RRDB encoder (shared by every diffusion row of this seed).
                stages.Add(Train($"seed {seed} rrdb", RrdbConfig(o, seed, o.RrdbSteps), baseData, rrdbRun, null, grid, log, clock, cancellationToken));
                if (methods.Contains(ComparisonMethod.Rrdb) && o.RrdbBaselineSteps is int rb && rb != o.RrdbSteps)
                {
                    rrdbBaseline = RunDirectory(o.OutDirectory, seed, "rrdb-baseline");
                    stages.Add(Train($"seed {seed} rrdb baseline", RrdbConfig(o, seed, rb), baseData, rrdbBaseline, null, grid, log, clock, cancellationToken));
                }
                // 3. Stage 2: every diffusion row, same seed (side by side when ParallelRuns > 1).
                var jobs = trained.Select(m => (Func<StageTime>)(() => Train($"seed {seed} {OptionNames.Of(m)}", DiffusionConfig(o, m, seed),
                    m == ComparisonMethod.SrDiff ? baseData : stores[RecipeFor(m, o.Recipe).Kind], RunDirectory(o.OutDirectory, seed, OptionNames.Of(m)),
                    rrdbRun, grid, log, clock, cancellationToken))).ToList();
                stages.AddRange(RunSideBySide(jobs, o.ParallelRuns));
            });
            // 4. Evaluation, one policy for every row, on the runtime's threads.
            foreach (var set in evalSets)
                foreach (var m in methods)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var t0 = clock.Elapsed.TotalSeconds;
                    var (ev, resumed) = Evaluate(o, m, seed, set, m == ComparisonMethod.Rrdb ? rrdbBaseline : null, grid, cancellationToken);
                    evals.Add(ev);
                    stages.Add(new StageTime($"seed {seed} eval {OptionNames.Of(m)} {ev.Set}", clock.Elapsed.TotalSeconds - t0, resumed));
                    grid.EvalDone();
                }
            // 5. Learning curves.
            if (o.CurvePoints > 0)
                foreach (var m in trained)
                {
                    var t0 = clock.Elapsed.TotalSeconds;
                    foreach (var row in methods.Where(r => IsDiffusion(r) && BaseOf(r) == m))
                    {
                        var (pts, resumed) = Curve(o, row, seed, evalSets[0], cancellationToken);
                        curves.AddRange(pts);
                        stages.Add(new StageTime($"seed {seed} curve {OptionNames.Of(row)}", clock.Elapsed.TotalSeconds - t0, resumed));
                        t0 = clock.Elapsed.TotalSeconds;
                    }
                }
        }
        var summaries = Statistics.Summaries(evals);
        // Paired differences within each policy: every row against the SRDiff row with its clipping and its jump σ.
        var diffs = new List<PairedDifference>();
        foreach (var reference in methods.Select(ReferenceOf).Distinct().Where(methods.Contains))
        {
            var group = methods.Where(m => ReferenceOf(m) == reference).Select(Label).ToHashSet();
            diffs.AddRange(Statistics.PairedVs(evals.Where(e => group.Contains(e.Method)).ToList(), Label(reference)));
        }
        var cosine = Schedules.DiffusionSchedule.Create(Schedules.BetaScheduleKind.Cosine, 100);
        var sigmas = methods.Where(IsDiffusion).Select(SigmaOf).Distinct().ToList();
        var policy = SamplingPolicy.Exact.Describe(cosine, withClipping: false, withSigma: false) + ", " + SigmaSentence(sigmas) +
            (methods.Any(IsClipped) ? "; rows marked \"x0 clipped\" clip x0 in every jump, the others do not; a row is compared only with rows of the same clipping and sigma"
                                    : "; x0 clipping off") +
            (o.EmaDecay is double emaDecay ? FormattableString.Invariant($"; every diffusion row samples with the EMA of its U-Net weights (decay {emaDecay})") : "");
        var result = new ComparisonResult(o, masksDescription, policy, evals, curves, stages, summaries, diffs, clock.Elapsed.TotalSeconds, TorchRuntime.Describe());
        AtomicFile.WriteAllText(Path.Combine(o.OutDirectory, ResultsFile), ToJson(result));
        return result;
    }

    /// <summary>How a table's rows choose their jump σ, in words.</summary>
    public static string SigmaSentence(IReadOnlyCollection<JumpSigma> sigmas) => sigmas.Count switch
    {
        0 => "no diffusion rows",
        1 => $"every row with the sigma of {SamplingPolicy.SigmaName(sigmas.First())} (no eta; an unmodulated row takes the sigma of the modulated row it is compared with, so both run identical coefficients)",
        _ => "each row with the sigma of the Paper-mode jump or, for SAM-DiffSR (released) and the rows marked \"released σ\", of the released code's jump (no eta; an unmodulated row takes the sigma of the modulated row it is compared with, so both run identical coefficients)",
    };

    private static StageTime Train(string stage, TrainConfig cfg, SrPatchDataset data, string dir, string? rrdb, GridProgress grid,
                                   Action<string> log, Stopwatch clock, CancellationToken ct)
    {
        var t0 = clock.Elapsed.TotalSeconds;
        bool done = IsFinished(dir, cfg.Steps);
        if (!done) log($"{stage}: {cfg.Steps} steps ({cfg.Diffusion.Method}, {cfg.Diffusion.EffectiveModulation} modulation, {cfg.Diffusion.Loss}, lr {cfg.Lr.Kind})");
        var r = SrTrainer.Run(cfg, data, dir, resume: true, rrdbWeights: rrdb, log: _ => { }, progress: grid.Training(stage), cancellationToken: ct);
        ct.ThrowIfCancellationRequested();   // the trainer stops with a checkpoint; an unfinished run must not be evaluated
        grid.TrainDone(stage, cfg.Steps);
        return new StageTime(stage, clock.Elapsed.TotalSeconds - t0, done || r.StartStep == r.EndStep);
    }

    /// <summary>
    /// Runs <paramref name="train"/> with every libtorch thread it starts (and this one) on one intra-op thread when runs
    /// train side by side (<see cref="ComparisonOptions.ParallelRuns"/> &gt; 1), and restores the runtime's count after.
    /// </summary>
    private static void OnTrainingThreads(int parallelRuns, Action train)
    {
        if (parallelRuns <= 1) { train(); return; }
        int threads = TorchRuntime.Threads;
        TorchRuntime.Threads = 1;
        try { train(); }
        finally { TorchRuntime.Threads = threads; }
    }

    /// <summary>
    /// Runs the jobs, up to <paramref name="parallel"/> at a time on their own threads (1: in order on this thread), and
    /// returns their results in job order. The first failure is rethrown after every started job has ended.
    /// </summary>
    public static IReadOnlyList<T> RunSideBySide<T>(IReadOnlyList<Func<T>> jobs, int parallel)
    {
        if (parallel <= 1 || jobs.Count <= 1) return jobs.Select(j => j()).ToList();
        var results = new T[jobs.Count];
        var errors = new Exception?[jobs.Count];
        int next = -1;
        void Work()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < jobs.Count;)
            {
                try { results[i] = jobs[i](); }
                catch (Exception ex) { errors[i] = ex; }
            }
        }
        var threads = Enumerable.Range(0, Math.Min(parallel, jobs.Count))
            .Select(w => new Thread(Work) { IsBackground = true, Name = $"run-{w}" }).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        // A cancellation is reported as such even if another job failed differently because of it.
        var first = errors.FirstOrDefault(e => e is OperationCanceledException) ?? errors.FirstOrDefault(e => e != null);
        if (first != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return results;
    }

    private static bool IsFinished(string dir, int steps)
    {
        var root = Path.Combine(dir, ModelFolder.CheckpointsFolder);
        return Directory.Exists(root) && new CheckpointStore(root, int.MaxValue).Latest() is { } l && l.Step >= steps;
    }

    private static string EvalFile(ComparisonOptions o, ComparisonMethod m, long seed, string set) =>
        Path.Combine(o.OutDirectory, "eval", string.Create(CultureInfo.InvariantCulture, $"seed_{seed}"),
            $"{OptionNames.Of(m)}-{Path.GetFileName(Path.TrimEndingDirectorySeparator(set))}.json");

    /// <summary>Folder of the SR images of a row (first seed only is kept for galleries).</summary>
    public static string SrDirectory(string outDir, ComparisonMethod m, long seed, string set) =>
        Path.Combine(outDir, "sr", string.Create(CultureInfo.InvariantCulture, $"seed_{seed}"), Path.GetFileName(Path.TrimEndingDirectorySeparator(set)), OptionNames.Of(m));

    private static (ComparisonEval, bool) Evaluate(ComparisonOptions o, ComparisonMethod m, long seed, string set, string? rrdbBaseline,
                                                  GridProgress grid, CancellationToken ct)
    {
        var file = EvalFile(o, m, seed, set);
        if (File.Exists(file))
        {
            var done = JsonSerializer.Deserialize<ComparisonEval>(File.ReadAllText(file), Json)!;
            // Evaluations saved before the jump σ was recorded: every row then used the σ SigmaOf gives it now (unmodulated
            // rows the Paper-mode jump's, each modulated row its own), so the record can be completed without re-sampling.
            if (done.Sampling is { Sampler: "jump", Sigma: null } old)
                done = done with { Sampling = old with { Sigma = OptionNames.Of(SigmaOf(m)) } };
            return (done, true);
        }
        var clock = Stopwatch.StartNew();
        int scale = o.Model.Scale;
        var folder = ImageFolder.Open(set);
        string setName = folder.Name;
        string srDir = SrDirectory(o.OutDirectory, m, seed, set);
        var images = new List<ComparisonImage>();
        SamplingRecord? sampling = null;
        void Add(string name, ImageU8 sr, ImageU8 hr, ImageU8 lr)
        {
            var srCmp = hr.Channels == 1 ? SrInference.ChannelMean(sr) : sr;
            var q = QualityMetrics.Measure(srCmp, hr, scale, MetricConvention.YDouble);
            double lrPsnr = QualityMetrics.Psnr(ImageF64.FromU8(MatlabResize.Downscale(sr, scale), 1.0), ImageF64.FromU8(lr.ToRgb(), 1.0), 255.0);
            images.Add(new ComparisonImage(name, q.Psnr, q.Ssim, lrPsnr, o.ArtifactScore ? Artifact(hr, srCmp) : double.NaN));
            ImageIO.SavePng(srCmp, Path.Combine(srDir, Path.ChangeExtension(name, ".png")));
        }
        if (m == ComparisonMethod.Bicubic)
        {
            for (int i = 0; i < folder.Files.Count; i++)
            {
                var hr = ImageOps.Modcrop(folder.Load(i), scale, folder.FileName(i));
                var lr = MatlabResize.Downscale(hr, scale);
                Add(folder.FileName(i), MatlabResize.Upscale(lr.ToRgb(), scale), hr, lr);
            }
        }
        else if (m == ComparisonMethod.Rrdb)
        {
            using var model = SrDiffusionModel.Load(rrdbBaseline!, encoderOnly: true);
            for (int i = 0; i < folder.Files.Count; i++)
            {
                var hr = ImageOps.Modcrop(folder.Load(i), scale, folder.FileName(i));
                var lr = MatlabResize.Downscale(hr, scale);
                Add(folder.FileName(i), RrdbOutput(model, lr.ToRgb()), hr, lr);
            }
        }
        else
        {
            var run = RunDirectory(o.OutDirectory, seed, OptionNames.Of(BaseOf(m)));
            using var model = SrDiffusionModel.Load(run, ema: o.EmaDecay != null);
            var policy = PolicyOf(m);
            sampling = SrInference.SamplingFor(model, policy.Sampling);
            var seg = new FelzenszwalbSegmenter();
            var spe = new SpeEncoder(RecipeFor(m, o.Recipe).Spe);
            Func<ImageU8, SpeMap>? maskFor = BaseOf(m) == ComparisonMethod.SamConcat
                ? up => { var r = seg.Segment(new SegmentationImage(up.Height, up.Width, 3, up.Data)); return spe.Encode(new LabelMap(r.Height, r.Width, r.Labels)); }
                : null;
            for (int i = 0; i < folder.Files.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var hr = ImageOps.Modcrop(folder.Load(i), scale, folder.FileName(i));
                var lr = MatlabResize.Downscale(hr, scale);
                var mask = maskFor?.Invoke(MatlabResize.Upscale(lr.ToRgb(), scale));
                // The sampling seed depends on the image index only: every row sees the same x_T and z per image.
                Add(folder.FileName(i), SrInference.SuperResolve(model, lr, policy.Sampling, seed * 1000 + i, mask), hr, lr);
            }
        }
        var ev = new ComparisonEval(Label(m), seed, setName, images.Average(x => x.Psnr), images.Average(x => x.Ssim),
            images.Average(x => x.LrPsnr), o.ArtifactScore ? LdlArtifactMap.SetScore(images.Select(x => x.Artifact)) : double.NaN,
            sampling, clock.Elapsed.TotalSeconds, images);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(ev, Json));
        return (ev, false);
    }

    /// <summary>The RRDB encoder's own SR image (stage-1 output, clamped to 8 bit).</summary>
    public static ImageU8 RrdbOutput(SrDiffusionModel model, ImageU8 lrRgb)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var grad = TorchSharp.torch.no_grad();
        var rrdb = model.Networks.Rrdb ?? throw new InvalidDataException("the model has no RRDB encoder");
        rrdb.eval();
        var lr = ImageTensors.ToTensor(lrRgb, TensorRange.MinusOneToOne, device: model.Device);
        var sr = rrdb.call(lr).ClampTo(-1, 1);   // stage 1 is trained as L1(RRDB(LR), HR) on [-1, 1] images
        return ImageTensors.ToImage(sr.cpu(), TensorRange.MinusOneToOne);
    }

    private static double Artifact(ImageU8 hr, ImageU8 sr)
    {
        int h = hr.Height, w = hr.Width, c = hr.Channels;
        var a = new double[h * w * c];
        var b = new double[h * w * c];
        for (int i = 0; i < a.Length; i++) { a[i] = hr.Data[i] / 255.0; b[i] = sr.Data[i] / 255.0; }
        return LdlArtifactMap.Compute(a, b, h, w, c).Score;
    }

    private static (List<CurvePoint>, bool) Curve(ComparisonOptions o, ComparisonMethod m, long seed, string set, CancellationToken ct)
    {
        var file = Path.Combine(o.OutDirectory, "curves", string.Create(CultureInfo.InvariantCulture, $"seed_{seed}"), OptionNames.Of(m) + ".json");
        if (File.Exists(file)) return (JsonSerializer.Deserialize<List<CurvePoint>>(File.ReadAllText(file), Json)!, true);
        var run = RunDirectory(o.OutDirectory, seed, OptionNames.Of(BaseOf(m)));
        var root = Path.Combine(run, ModelFolder.CheckpointsFolder);
        var checkpoints = Directory.EnumerateDirectories(root, "step_*")
            .Select(d => (Folder: d, Ok: long.TryParse(Path.GetFileName(d)["step_".Length..], out var st), Step: st))
            .Where(x => x.Ok).OrderBy(x => x.Step).ToList();
        var folder = ImageFolder.Open(set);
        int n = Math.Min(o.CurveImages, folder.Files.Count), scale = o.Model.Scale;
        var points = new List<CurvePoint>();
        foreach (var ck in checkpoints)
        {
            ct.ThrowIfCancellationRequested();
            using var model = SrDiffusionModel.Load(ck.Folder, ema: o.EmaDecay != null);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                var hr = ImageOps.Modcrop(folder.Load(i), scale, folder.FileName(i));
                var lr = MatlabResize.Downscale(hr, scale);
                SpeMap? mask = null;
                if (BaseOf(m) == ComparisonMethod.SamConcat)
                {
                    var up = MatlabResize.Upscale(lr.ToRgb(), scale);
                    var r = new FelzenszwalbSegmenter().Segment(new SegmentationImage(up.Height, up.Width, 3, up.Data));
                    mask = new SpeEncoder(RecipeFor(m, o.Recipe).Spe).Encode(new LabelMap(r.Height, r.Width, r.Labels));
                }
                var sr = SrInference.SuperResolve(model, lr, PolicyOf(m).Sampling, 12345 + i, mask);   // fixed sampling seed
                sum += QualityMetrics.Measure(hr.Channels == 1 ? SrInference.ChannelMean(sr) : sr, hr, scale, MetricConvention.YDouble).Psnr;
            }
            points.Add(new CurvePoint(Label(m), seed, ck.Step, sum / n));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(points, Json));
        return (points, false);
    }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The results as JSON (every number, the configuration, stage times, machine).</summary>
    public static string ToJson(ComparisonResult r) => JsonSerializer.Serialize(r, Json);

    /// <summary>Reads <c>results.json</c>.</summary>
    public static ComparisonResult Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"comparison results not found: {path}", path);
        try { return JsonSerializer.Deserialize<ComparisonResult>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty"); }
        catch (JsonException ex) { throw new InvalidDataException($"{path}: not a comparison results file ({ex.Message})", ex); }
    }

    /// <summary>One progress bar over the whole grid: training steps count one unit each, an evaluation counts as many units as one would estimate for it.</summary>
    private sealed class GridProgress
    {
        private readonly IProgress<ProgressInfo>? _progress;
        private readonly long _total;
        private readonly long _evalUnits;
        private long _done;

        public GridProgress(ComparisonOptions o, IReadOnlyList<ComparisonMethod> trained, int sets, IProgress<ProgressInfo>? progress)
        {
            _progress = progress;
            bool baseline = o.Methods.Contains(ComparisonMethod.Rrdb) && o.RrdbBaselineSteps is int rb && rb != o.RrdbSteps;
            long perSeed = o.RrdbSteps + (baseline ? o.RrdbBaselineSteps!.Value : 0) + (long)trained.Count * o.DiffusionSteps;
            _evalUnits = Math.Max(1, o.DiffusionSteps / 20);   // rough: one policy evaluation of a set ≈ 5 % of a run's training
            _total = o.Seeds.Count * (perSeed + (long)o.Methods.Count * sets * _evalUnits);
        }

        // Runs trained side by side report at once: each running stage's own count is added to what has finished.
        private readonly object _gate = new();
        private readonly Dictionary<string, long> _running = new();

        public IProgress<ProgressInfo> Training(string stage) =>
            new Relay(p =>
            {
                lock (_gate)
                {
                    _running[stage] = p.Done;
                    _progress?.Report(new ProgressInfo("grid", _done + _running.Values.Sum(), _total, $"{stage} {p.Message}"));
                }
            });

        public void TrainDone(string stage, int steps)
        {
            lock (_gate)
            {
                _running.Remove(stage);
                _done += steps;
                _progress?.Report(new ProgressInfo("grid", _done + _running.Values.Sum(), _total));
            }
        }

        public void EvalDone() { lock (_gate) { _done += _evalUnits; _progress?.Report(new ProgressInfo("grid", _done, _total, "evaluation")); } }

        private sealed class Relay(Action<ProgressInfo> action) : IProgress<ProgressInfo>
        {
            public void Report(ProgressInfo value) => action(value);
        }
    }
}
