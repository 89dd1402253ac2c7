using System.Text.Json.Serialization;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Runtime;

namespace SamDiffSR.Training;

/// <summary>Which SAM-DiffSR the choices below reproduce (<c>--recipe</c>); see <see cref="TrainingRecipe"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecipeKind>))]
public enum RecipeKind
{
    /// <summary>The paper as written (eq. 5 coefficient, RoPE as the text orients it, L2, cosine decay).</summary>
    [OptionName("paper")]
    Paper,
    /// <summary>Exactly what the authors' released code trains (docs/paper-vs-code.md, commit a18eaf6).</summary>
    [OptionName("released")]
    Released,
}

/// <summary>
/// A training recipe named by provenance: every choice on which the SAM-DiffSR paper and its released code differ
/// (docs/paper-vs-code.md summary table), set one way or the other. <c>--preset</c> names network sizes; a recipe names
/// how the same networks are trained. Every individual switch (<c>--modulation</c>, <c>--loss</c>, <c>--lr-schedule</c>,
/// <c>--variant</c>, <c>--mean</c>, <c>--reduce</c>) still overrides its recipe value.
/// <list type="table">
/// <listheader><term>choice</term><description>released / paper</description></listheader>
/// <item><term>E coefficient</term><description>√(1−ᾱ_t)·β_t (<see cref="ModulationMode.OfficialCode"/>) / √((1−ᾱ_t)/β_t) with φ_t (<see cref="ModulationMode.Paper"/>)</description></item>
/// <item><term>SPE base</term><description>RoPE, rows are positions (<see cref="SpeVariant.RoPE"/>) / RoPE, the width is the sequence (<see cref="SpeVariant.RoPETransposed"/>)</description></item>
/// <item><term>SPE value</term><description>both segment sum / (H·W) (<see cref="SegmentValueRule.WholeImageDivisor"/>): eq. 6 averages the product tensor x_RoPE·M_i over h×w, which is what the code computes</description></item>
/// <item><term>reduce</term><description>none (<c>all_same_mask_to_zero: false</c>) / single-region patches zeroed (Table 6)</description></item>
/// <item><term>loss</term><description>L1 / L2 (eq. 5)</description></item>
/// <item><term>LR schedule</term><description>StepLR(200k of 400k, γ 0.5), halved at the same fraction (half) of a shorter run / cosine to 0</description></item>
/// </list>
/// Not part of either recipe: the released code's misaligned mask crop (a bug, <c>--mask-alignment official</c>),
/// batch size, step count and sampling.
/// </summary>
/// <param name="Kind">Which recipe.</param>
/// <param name="Modulation">E coefficient of SAM-DiffSR.</param>
/// <param name="Spe">SPE base map, value rule and overlap rule of the masks.</param>
/// <param name="Reduce">Rule applied to each SPE patch in training.</param>
/// <param name="Loss">Diffusion loss.</param>
/// <param name="LrSchedule">Learning-rate schedule kind.</param>
public sealed record TrainingRecipe(RecipeKind Kind, ModulationMode Modulation, SpeOptions Spe, SpeReduce Reduce, LossType Loss, LrScheduleKind LrSchedule)
{
    /// <summary>The released code's StepLR: halve the rate after 200,000 of its 400,000 updates.</summary>
    public const int ReleasedStepSize = 200_000, ReleasedTotalSteps = 400_000;

    /// <summary>The released code's StepLR factor.</summary>
    public const double ReleasedGamma = 0.5;

    /// <summary>What the authors' released code trains.</summary>
    public static TrainingRecipe Released { get; } = new(RecipeKind.Released, ModulationMode.OfficialCode,
        new SpeOptions(SpeVariant.RoPE, SegmentValueRule.WholeImageDivisor, OverlapRule.LaterOverwrites), SpeReduce.None, LossType.L1, LrScheduleKind.Step);

    /// <summary>The paper as written.</summary>
    public static TrainingRecipe Paper { get; } = new(RecipeKind.Paper, ModulationMode.Paper,
        new SpeOptions(SpeVariant.RoPETransposed, SegmentValueRule.WholeImageDivisor, OverlapRule.LaterOverwrites), SpeReduce.AllSameToZero, LossType.L2, LrScheduleKind.Cosine);

    /// <summary>The recipe of a kind.</summary>
    public static TrainingRecipe Of(RecipeKind kind) => kind switch
    {
        RecipeKind.Paper => Paper,
        RecipeKind.Released => Released,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown recipe"),
    };

    /// <summary>The option spelling (<c>paper</c>, <c>released</c>).</summary>
    public string Name => OptionNames.Of(Kind);

    /// <summary>
    /// The recipe's learning-rate schedule for a run of <paramref name="steps"/> steps from <paramref name="baseLr"/>.
    /// Released: StepLR with γ 0.5 and a step size scaled by steps/400,000 (the rate halves after the same fraction,
    /// one half, of the run; 200,000 for a full 400k run). Paper: cosine decay to 0 over the run.
    /// </summary>
    public LearningRateSchedule Schedule(double baseLr, int steps) => LrSchedule switch
    {
        LrScheduleKind.Step => new LearningRateSchedule(LrScheduleKind.Step, baseLr, ScaledStepSize(steps), ReleasedGamma, steps),
        _ => new LearningRateSchedule(LrSchedule, baseLr, TotalSteps: steps),
    };

    /// <summary>200,000·steps/400,000 rounded, at least 1.</summary>
    public static int ScaledStepSize(int steps) => Math.Max(1, (int)Math.Round((double)ReleasedStepSize * steps / ReleasedTotalSteps));

    /// <summary>Diffusion options of <paramref name="method"/> under this recipe (the modulation only applies to SAM-DiffSR).</summary>
    public DiffusionOptions Diffusion(SrMethod method) => DiffusionOptions.For(method, Modulation) with { Loss = Loss };

    /// <summary>Patch options with this recipe's reduce rule.</summary>
    public PatchOptions Patch(int hrPatch, bool flips = false, bool rotations = false, MaskAlignment alignment = MaskAlignment.Aligned) =>
        new(hrPatch, flips, rotations, alignment, Reduce);
}
