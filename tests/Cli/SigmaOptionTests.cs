using SamDiffSR.Cli;
using SamDiffSR.Diffusion;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>--sigma paper|released: the jump σ of unmodulated models, for the jump sampler and --policy exact only.</summary>
public class SigmaOptionTests
{
    [Fact]
    public void Sigma_SelectsTheUnmodulatedJumpSigma_ForJumpAndPolicy()
    {
        Assert.Equal(JumpSigma.Paper, SamplingCliOptions.Parse(new CliArgs(["--sampler", "jump"])).UnmodulatedSigma);
        Assert.Equal(JumpSigma.Released, SamplingCliOptions.Parse(new CliArgs(["--sampler", "jump", "--sigma", "released"])).UnmodulatedSigma);
        Assert.Equal(SamplingPolicy.ExactReleasedSigma.Sampling, SamplingCliOptions.Parse(new CliArgs(["--policy", "exact", "--sigma", "released"])));
        Assert.Equal(SamplingPolicy.Exact.Sampling, SamplingCliOptions.Parse(new CliArgs(["--policy", "exact"])));
    }

    [Theory]
    [InlineData("ddpm")]
    [InlineData("ddim")]
    public void Sigma_WithASamplerThatHasNone_IsOneLineNamingTheOption(string sampler)
    {
        var ex = Assert.Throws<CliUsageException>(() => SamplingCliOptions.Parse(new CliArgs(["--sampler", sampler, "--sigma", "released"])));
        Assert.Contains("--sigma", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void Sigma_UnknownValue_ListsTheChoices()
    {
        var ex = Assert.Throws<CliUsageException>(() => SamplingCliOptions.Parse(new CliArgs(["--sampler", "jump", "--sigma", "official"])));
        Assert.Contains("--sigma", ex.Message);
        Assert.Contains("released", ex.Message);
    }
}
