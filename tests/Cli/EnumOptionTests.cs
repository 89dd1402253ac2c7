using System.Reflection;
using SamDiffSR.Cli;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>Option names live on the library enums (one place); the CLI reads them through one generic helper.</summary>
public class EnumOptionTests
{
    [Fact]
    public void SpellingsComeFromTheLibraryEnums()
    {
        Assert.Equal("official", OptionNames.Of(ModulationMode.OfficialCode));
        Assert.Equal("rope-transposed", OptionNames.Of(SpeVariant.RoPETransposed));
        Assert.True(OptionNames.TryParse<LrUpRecipe>("exact", out var r) && r == LrUpRecipe.MatlabExact);
        Assert.False(OptionNames.TryParse<LrUpRecipe>("Exact", out _));   // case-sensitive, as the CLI always was
        Assert.Equal("none|paper|official", CliArgs.Choices<ModulationMode>());
        Assert.Equal("paper|official", CliArgs.Choices(ModulationMode.Paper, ModulationMode.OfficialCode));
    }

    [Fact]
    public void EveryAnnotatedEnumHasUniqueSpellings()
    {
        var enums = typeof(OptionNameAttribute).Assembly.GetTypes().Where(t => t.IsEnum &&
            t.GetFields(BindingFlags.Public | BindingFlags.Static).Any(f => f.GetCustomAttribute<OptionNameAttribute>() is not null)).ToList();
        Assert.True(enums.Count >= 10, $"only {enums.Count} annotated enums found");
        foreach (var e in enums)
        {
            var names = e.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => f.GetCustomAttribute<OptionNameAttribute>()?.Name).OfType<string>().ToList();
            Assert.True(names.Distinct().Count() == names.Count, $"{e.Name}: duplicate option names {string.Join(",", names)}");
            Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));
        }
    }

    [Fact]
    public void EnumOption_ParsesDefaults_Narrows_AndNamesTheChoicesOnError()
    {
        var a = new CliArgs(["--modulation", "official", "--lr-schedule", "step"]);
        Assert.Equal(ModulationMode.OfficialCode, a.Enum("modulation", ModulationMode.Paper, ModulationMode.Paper, ModulationMode.OfficialCode));
        Assert.Equal(LrScheduleKind.Step, a.Enum("lr-schedule", LrScheduleKind.Cosine));
        Assert.Equal(LossType.L1, a.Enum("loss", LossType.L1));                     // absent: the fallback
        var bad = new CliArgs(["--modulation", "none"]);                             // a real value, but not allowed here
        var ex = Assert.Throws<CliUsageException>(() => bad.Enum("modulation", ModulationMode.Paper, ModulationMode.Paper, ModulationMode.OfficialCode));
        Assert.Equal("--modulation must be one of paper|official, got 'none'", ex.Message);
    }

    [Fact]
    public void OneModeCollapseRule_AndOneMasksNeededCheck()
    {
        Assert.Equal(ModulationMode.None, DiffusionOptions.For(SrMethod.SrDiff, ModulationMode.Paper).Modulation);
        Assert.Equal(ModulationMode.None, DiffusionOptions.For(SrMethod.SamConcat, ModulationMode.OfficialCode).Modulation);
        Assert.Equal(ModulationMode.OfficialCode, DiffusionOptions.For(SrMethod.SamDiffSR, ModulationMode.OfficialCode).Modulation);
        DiffusionOptions.SrDiff.RequireMasks(false, atInference: false);             // SRDiff needs none
        DiffusionOptions.SamDiffSRPaper.RequireMasks(false, atInference: true);      // SAM-DiffSR samples without SAM
        var ex = Assert.Throws<ArgumentException>(() => DiffusionOptions.SamDiffSRPaper.RequireMasks(false, atInference: false, "x.png"));
        Assert.Contains("SamDiffSR training needs SPE masks (x.png)", ex.Message);
        Assert.Throws<ArgumentException>(() => DiffusionOptions.SamConcat.RequireMasks(false, atInference: true));
    }

    [Fact]
    public void CopySubset_CopiesTheFirstImagesInNameOrder_WithoutChecksums()
    {
        var dir = Path.Combine(Path.GetTempPath(), "samdiffsr-subset-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            DataPaths.CopySubset("Set5", dir, 2);
            Assert.Equal(new[] { "baby.png", "bird.png" }, Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order().ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => DataPaths.CopySubset("Set5", dir, 6));
        }
        finally { Directory.Delete(dir, true); }
    }
}
