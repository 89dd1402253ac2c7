using SamDiffSR.Pipelines;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Pipelines;

/// <summary>
/// The quickstart's rows per recipe: the compared rows (SRDiff and the recipe's SAM-DiffSR) share one clipping, and
/// exactly one SRDiff row shows the other clipping; a Paper-mode row is never clipped.
/// </summary>
public class QuickstartRowsTests
{
    [Theory]
    [InlineData(RecipeKind.Released, false, true)]
    [InlineData(RecipeKind.Released, true, true)]
    [InlineData(RecipeKind.Paper, false, false)]
    [InlineData(RecipeKind.Paper, true, false)]
    public void ComparedRows_ShareOneClipping_AndSrDiffShowsTheOther(RecipeKind recipe, bool both, bool comparedClipped)
    {
        var rows = Quickstart.MethodsFor(recipe, both);
        Assert.Equal([ComparisonMethod.Bicubic, ComparisonMethod.Rrdb], rows.Take(2));
        var main = recipe == RecipeKind.Released ? ComparisonMethod.SamDiffSRReleased : ComparisonMethod.SamDiffSRPaper;
        var srdiff = comparedClipped ? ComparisonMethod.SrDiffClipped : ComparisonMethod.SrDiff;
        var mainRow = comparedClipped ? Comparison.ClippedOf(main)!.Value : main;
        Assert.Equal([srdiff, mainRow], rows.Skip(2).Take(2));
        // the other clipping appears for SRDiff only
        var other = comparedClipped ? ComparisonMethod.SrDiff : ComparisonMethod.SrDiffClipped;
        Assert.Contains(other, rows);
        if (!both)   // every diffusion row but that one has the table's clipping
            Assert.All(rows.Where(m => m != other && Comparison.IsDiffusion(m)), m => Assert.Equal(comparedClipped, Comparison.IsClipped(m)));
        Assert.DoesNotContain(ComparisonMethod.SamDiffSRPaper, rows.Where(Comparison.IsClipped).Select(Comparison.BaseOf));
        Assert.Equal(both ? 6 + (recipe == RecipeKind.Paper ? 1 : 0) : 5, rows.Count);
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    [Fact]
    public void ClippedTwins_SampleTheirBaseRun_AndPaperModeHasNone()
    {
        foreach (var m in Enum.GetValues<ComparisonMethod>().Where(Comparison.IsClipped))
        {
            Assert.False(Comparison.IsClipped(Comparison.BaseOf(m)));
            Assert.Equal(m, Comparison.ClippedOf(Comparison.BaseOf(m)));
            Assert.EndsWith("x0 clipped", Comparison.Label(m));
            Assert.Equal("SRDiff, x0 clipped", StudyReport.ReferenceOf(Comparison.Label(m)));
        }
        Assert.Null(Comparison.ClippedOf(ComparisonMethod.SamDiffSRPaper));
        Assert.Equal("SRDiff", StudyReport.ReferenceOf(Comparison.Label(ComparisonMethod.SamDiffSRPaper)));
        Assert.Equal(SamDiffSR.Diffusion.SamplingPolicy.Clipped, Comparison.PolicyOf(ComparisonMethod.SamConcatClipped));
        Assert.Equal(SamDiffSR.Diffusion.SamplingPolicy.Exact, Comparison.PolicyOf(ComparisonMethod.SamConcat));
    }
}
