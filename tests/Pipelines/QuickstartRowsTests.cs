using SamDiffSR.Pipelines;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Pipelines;

/// <summary>
/// The quickstart's rows per recipe: the compared rows (SRDiff and the recipe's SAM-DiffSR) share one clipping and one
/// jump σ, and exactly one SRDiff row shows the other clipping; a Paper-mode row is never clipped.
/// </summary>
public class QuickstartRowsTests
{
    [Theory]
    [InlineData(RecipeKind.Released, false, true)]
    [InlineData(RecipeKind.Released, true, true)]
    [InlineData(RecipeKind.Paper, false, false)]
    [InlineData(RecipeKind.Paper, true, false)]
    public void ComparedRows_ShareOneClippingAndOneSigma_AndSrDiffShowsTheOtherClipping(RecipeKind recipe, bool both, bool comparedClipped)
    {
        var rows = Quickstart.MethodsFor(recipe, both);
        Assert.Equal([ComparisonMethod.Bicubic, ComparisonMethod.Rrdb], rows.Take(2));
        var main = recipe == RecipeKind.Released ? ComparisonMethod.SamDiffSRReleased : ComparisonMethod.SamDiffSRPaper;
        var mainRow = comparedClipped ? Comparison.ClippedOf(main)!.Value : main;
        var srdiff = Comparison.ReferenceOf(mainRow);
        Assert.Equal([srdiff, mainRow], rows.Skip(2).Take(2));
        Assert.Equal(Comparison.PolicyOf(mainRow), Comparison.PolicyOf(srdiff));       // identical sampler for the compared rows
        Assert.Equal(ComparisonMethod.SrDiff, Comparison.BaseOf(srdiff));
        // the other clipping appears for SRDiff only, with the same sigma
        var other = comparedClipped ? Comparison.UnclippedOf(srdiff) : Comparison.ClippedOf(srdiff)!.Value;
        Assert.Equal(other, rows[4]);
        Assert.Equal(Comparison.SigmaOf(srdiff), Comparison.SigmaOf(other));
        if (!both)   // every diffusion row but that one has the table's clipping
            Assert.All(rows.Where(m => m != other && Comparison.IsDiffusion(m)), m => Assert.Equal(comparedClipped, Comparison.IsClipped(m)));
        else         // the other recipe's SAM-DiffSR row comes with its own SRDiff reference
            Assert.Contains(Comparison.ReferenceOf(rows[^1]), rows);
        Assert.DoesNotContain(ComparisonMethod.SamDiffSRPaper, rows.Where(Comparison.IsClipped).Select(Comparison.BaseOf));
        Assert.Equal(both ? 7 : 5, rows.Count);
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    [Fact]
    public void ClippedTwins_SampleTheirBaseRun_AndPaperModeHasNone()
    {
        foreach (var m in Enum.GetValues<ComparisonMethod>().Where(Comparison.IsClipped))
        {
            var twin = Comparison.UnclippedOf(m);
            Assert.False(Comparison.IsClipped(twin));
            Assert.Equal(m, Comparison.ClippedOf(twin));
            Assert.Equal(Comparison.BaseOf(twin), Comparison.BaseOf(m));
            Assert.Equal(Comparison.SigmaOf(twin), Comparison.SigmaOf(m));
            Assert.EndsWith("x0 clipped", Comparison.Label(m));
            Assert.EndsWith("x0 clipped", StudyReport.ReferenceOf(Comparison.Label(m)));
        }
        Assert.Null(Comparison.ClippedOf(ComparisonMethod.SamDiffSRPaper));
        Assert.Equal("SRDiff", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamDiffSRPaper)));
        Assert.Equal("SRDiff", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamConcat)));
        Assert.Equal("SRDiff (released σ)", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamDiffSRReleased)));
        Assert.Equal("SRDiff (released σ), x0 clipped", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamDiffSRReleasedClipped)));
        Assert.Equal("SRDiff, x0 clipped", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamConcatClipped)));
        Assert.Equal(SamDiffSR.Diffusion.SamplingPolicy.Clipped, Comparison.PolicyOf(ComparisonMethod.SamConcatClipped));
        Assert.Equal(SamDiffSR.Diffusion.SamplingPolicy.Exact, Comparison.PolicyOf(ComparisonMethod.SamConcat));
        Assert.Equal(SamDiffSR.Diffusion.SamplingPolicy.ClippedReleasedSigma, Comparison.PolicyOf(ComparisonMethod.SamDiffSRReleasedClipped));
    }

    [Fact]
    public void EveryDiffusionRow_IsComparedWithTheSrDiffRowThatRunsItsSampler()
    {
        foreach (var m in Enum.GetValues<ComparisonMethod>().Where(Comparison.IsDiffusion))
        {
            var reference = Comparison.ReferenceOf(m);
            Assert.Equal(ComparisonMethod.SrDiff, Comparison.BaseOf(reference));
            Assert.Equal(Comparison.PolicyOf(m), Comparison.PolicyOf(reference));
            Assert.Equal(reference, Comparison.ReferenceOf(reference));
        }
        // every study row has its reference in the study
        Assert.All(StudyProfiles.Methods, m => Assert.Contains(Comparison.ReferenceOf(m), StudyProfiles.Methods));
        Assert.All(Enum.GetValues<ComparisonMethod>(), m => Assert.Equal(m, Comparison.MethodOfLabel(Comparison.Label(m))));
    }
}
