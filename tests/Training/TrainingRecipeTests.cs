using SamDiffSR.Cli;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Cli;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Training;

public class TrainingRecipeTests
{
    [Fact]
    public void Recipes_SetEveryPaperVsCodeChoice()
    {
        var r = TrainingRecipe.Released;
        Assert.Equal((ModulationMode.OfficialCode, SpeVariant.RoPE, SegmentValueRule.WholeImageDivisor, SpeReduce.None, LossType.L1, LrScheduleKind.Step),
                     (r.Modulation, r.Spe.Variant, r.Spe.ValueRule, r.Reduce, r.Loss, r.LrSchedule));
        var p = TrainingRecipe.Paper;
        Assert.Equal((ModulationMode.Paper, SpeVariant.RoPETransposed, SegmentValueRule.WholeImageDivisor, SpeReduce.AllSameToZero, LossType.L2, LrScheduleKind.Cosine),
                     (p.Modulation, p.Spe.Variant, p.Spe.ValueRule, p.Reduce, p.Loss, p.LrSchedule));
        Assert.Equal(OverlapRule.LaterOverwrites, p.Spe.Overlap);
        Assert.Equal("released", TrainingRecipe.Of(RecipeKind.Released).Name);
        // the modulation applies to SAM-DiffSR only; the loss to every method
        Assert.Equal(ModulationMode.None, r.Diffusion(SrMethod.SrDiff).EffectiveModulation);
        Assert.Equal(LossType.L2, p.Diffusion(SrMethod.SrDiff).Loss);
        Assert.Equal(ModulationMode.OfficialCode, r.Diffusion(SrMethod.SamDiffSR).EffectiveModulation);
    }

    [Fact]
    public void ReleasedStepLr_IsScaledToTheRunLength()
    {
        // 400k steps: halve at 200k exactly as the released config; a 1,200-step run halves at step 600.
        Assert.Equal(200_000, TrainingRecipe.ScaledStepSize(400_000));
        Assert.Equal(600, TrainingRecipe.ScaledStepSize(1200));
        Assert.Equal(1, TrainingRecipe.ScaledStepSize(1));
        var s = TrainingRecipe.Released.Schedule(2e-3, 1200);
        Assert.Equal(2e-3, s.At(599));
        Assert.Equal(1e-3, s.At(600));
        var c = TrainingRecipe.Paper.Schedule(2e-3, 1200);
        Assert.Equal(2e-3, c.At(0));
        Assert.True(c.At(1199) < 1e-5);
    }

    [Fact]
    public void SpeOptions_FollowTheRecipe_UnlessASwitchOverrides()
    {
        SpeOptions Parse(params string[] a) => SpeCliOptions.Parse(new CliArgs(a));
        Assert.Equal(TrainingRecipe.Paper.Spe, Parse());
        Assert.Equal(TrainingRecipe.Released.Spe, Parse("--recipe", "released"));
        Assert.Equal(TrainingRecipe.Released.Spe with { ValueRule = SegmentValueRule.SegmentMean }, Parse("--recipe", "released", "--mean", "segment"));
        Assert.Equal(SpeVariant.RoPE, Parse("--variant", "rope").Variant);
    }

    [Fact]
    public void TrainHelp_ListsBothRecipesAndTheirChoices()
    {
        var (code, output, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        foreach (var s in new[] { "--recipe paper|released", "released (authors' code)", "paper (as written, default)", "rope-transposed", "--mask-alignment official" })
            Assert.Contains(s, output);
    }
}
