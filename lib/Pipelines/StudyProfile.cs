using SamDiffSR.Data;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Training;

namespace SamDiffSR.Pipelines;

/// <summary>Size of a replication study (<c>samdiffsr study --profile</c>).</summary>
public enum StudyProfile
{
    /// <summary>A tiny end-to-end check (minutes): Tiny model, 2 seeds, a few steps, Set5 only. Numbers mean nothing.</summary>
    [OptionName("smoke")] Smoke,
    /// <summary>≤ 100 min on 2 CPU cores (sizing in <see cref="StudyProfiles"/>).</summary>
    [OptionName("cpu")] Cpu,
    /// <summary>A larger model sized for about 8 minutes on one GPU (documented, not yet run).</summary>
    [OptionName("gpu")] Gpu,
}

/// <summary>
/// The study grids. Every profile compares bicubic, the RRDB regression baseline, SRDiff, SAM-DiffSR (released and
/// paper recipes), SAM+SRDiff and the clipped-SRDiff policy row, over 3 seeds (smoke: 2), on Set5 and Set14 x4.
/// <para><b>cpu sizing</b> (measured on the 2-core machine, Tiny preset, batch 8, 64-px patches): a training step costs
/// about 0.175 s (1,200 steps in 3 min 30 s on one thread; two threads are barely faster), one 9-jump evaluation of Set5
/// about 14 s and of Set14 about 45 s per model (DDPM-100 on Set5 costs ~155 s; 9 network calls instead of 100).
/// Per seed: RRDB 200 + RRDB baseline 1,700 (the same budget as a diffusion row's 200 + 1,500) + 4 × 1,500 diffusion
/// steps = 7,900 steps ≈ 1,380 s; evaluation of 5 diffusion rows × (14 + 45) s ≈ 300 s; learning curves 5 points ×
/// 4 runs × 2 images ≈ 120 s; so ≈ 1,800 s per seed and ≈ 90 min for 3 seeds (masks for two recipes ≈ 1 min).</para>
/// <para><b>gpu sizing</b> (untried): the TinyCpu preset (32 channels) at batch 16; the Tiny quickstart's diffusion runs
/// took 15–30 ms per step on an H100 (docs/gpu.md, dominated by per-step overhead), so 3 seeds × (500 + 2,500 +
/// 4 × 2,000) = 33,000 steps at ≤ 15 ms ≈ 8 min; evaluations take seconds there.</para>
/// </summary>
public static class StudyProfiles
{
    /// <summary>
    /// The study's rows, in table order, grouped by the SRDiff row each is compared with (same clipping, same jump σ):
    /// SRDiff (Paper-mode σ) with SAM-DiffSR (paper) and SAM+SRDiff; SRDiff (released σ) with SAM-DiffSR (released); and the
    /// clipped twins of both groups (a Paper-mode model cannot be clipped).
    /// </summary>
    public static IReadOnlyList<ComparisonMethod> Methods { get; } =
    [
        ComparisonMethod.Bicubic, ComparisonMethod.Rrdb,
        ComparisonMethod.SrDiff, ComparisonMethod.SamDiffSRPaper, ComparisonMethod.SamConcat,
        ComparisonMethod.SrDiffReleasedSigma, ComparisonMethod.SamDiffSRReleased,
        ComparisonMethod.SrDiffClipped, ComparisonMethod.SamConcatClipped,
        ComparisonMethod.SrDiffReleasedSigmaClipped, ComparisonMethod.SamDiffSRReleasedClipped,
    ];

    /// <summary>The comparison options of a profile writing to <paramref name="outDir"/>.</summary>
    public static ComparisonOptions For(StudyProfile profile, string outDir) => profile switch
    {
        StudyProfile.Smoke => new ComparisonOptions(outDir, ModelConfig.Tiny, Methods, [0, 1], RrdbSteps: 8, DiffusionSteps: 8,
            RrdbBaselineSteps: 16, BatchSize: 2, Patch: 32, Lr: Quickstart.DefaultLr, Recipe: RecipeKind.Paper,
            EvalSets: [DataPaths.Set5], CurvePoints: 2, CurveImages: 1),
        StudyProfile.Cpu => new ComparisonOptions(outDir, ModelConfig.Tiny, Methods, [0, 1, 2], RrdbSteps: 200, DiffusionSteps: 1500,
            RrdbBaselineSteps: 1700, BatchSize: 8, Patch: 64, Lr: Quickstart.DefaultLr, Recipe: RecipeKind.Paper,
            EvalSets: [DataPaths.Set5, DataPaths.Set14], CurvePoints: 5, CurveImages: 2),
        StudyProfile.Gpu => new ComparisonOptions(outDir, ModelConfig.TinyCpu, Methods, [0, 1, 2], RrdbSteps: 500, DiffusionSteps: 2000,
            RrdbBaselineSteps: 2500, BatchSize: 16, Patch: 64, Lr: 1e-3, Recipe: RecipeKind.Paper,
            EvalSets: [DataPaths.Set5, DataPaths.Set14], CurvePoints: 5, CurveImages: 2),
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };
}
