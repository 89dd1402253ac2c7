using SamDiffSR.Cli;
using SamDiffSR.Data;
using SamDiffSR.Diffusion;
using SamDiffSR.Runtime;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;

namespace SamDiffSR.Tests.Cli;

/// <summary>--precision and --cudnn-benchmark on train, sample and eval: parsing, defaults, help, one-line errors, and a
/// bf16 training run through the CLI whose run config records the precision.</summary>
public class PrecisionOptionTests
{
    [Fact]
    public void SamplingOptions_ParsePrecision_DefaultFp32()
    {
        Assert.Equal(Precision.Fp32, SamplingCliOptions.Parse(new CliArgs([])).Precision);
        Assert.Equal(Precision.Bf16, SamplingCliOptions.Parse(new CliArgs(["--precision", "bf16"])).Precision);
        var ex = Assert.Throws<CliUsageException>(() => SamplingCliOptions.Parse(new CliArgs(["--precision", "fp8"])));
        Assert.Equal("--precision must be one of fp32|bf16|fp16, got 'fp8'", ex.Message);
        Assert.False(PrecisionCliOptions.CudnnBenchmark(new CliArgs([])));
        Assert.True(PrecisionCliOptions.CudnnBenchmark(new CliArgs(["--cudnn-benchmark"])));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("sample")]
    [InlineData("eval")]
    public void HelpListsBothOptions(string command)
    {
        var usage = CliApp.Commands.Single(c => c.Name == command).Usage;
        Assert.Contains("--precision", usage);
        Assert.Contains("--cudnn-benchmark", usage);
    }

    [Fact]
    public void BadPrecision_IsOneLineNamingTheOption()
    {
        using var dir = new TempDir();
        var (code, _, err) = CliRunner.Run("train", "--hr", dir.Path, "--out", dir.Sub("run"), "--precision", "half");
        Assert.NotEqual(0, code);
        Assert.Contains("--precision must be one of fp32|bf16|fp16", err);
        Assert.DoesNotContain("   at ", err);   // no stack trace
    }

    [Fact]
    public void Train_Bf16_ThroughTheCli_RecordsThePrecision()
    {
        using var dir = new TempDir();
        string hr = dir.Sub("hr"); Directory.CreateDirectory(hr);
        for (int i = 0; i < 2; i++) ImageIO.SavePng(Training.TrainingTestData.Textured(48, 48, i), Path.Combine(hr, $"i{i}.png"));
        string run = dir.Sub("run");
        var (code, _, err) = CliRunner.Run("train", "--hr", hr, "--out", run, "--method", "srdiff", "--preset", "tiny",
            "--steps", "2", "--batch", "2", "--patch", "32", "--threads", "1", "--no-verify", "--precision", "bf16", "--cudnn-benchmark");
        Assert.True(code == 0, err);
        var cfg = TrainConfig.Load(Path.Combine(run, SrTrainer.RunConfigFile));
        Assert.Equal(Precision.Bf16, cfg.Precision);
        Assert.Equal(SrMethod.SrDiff, cfg.Diffusion.Method);
        CudnnSettings.Benchmark = false;   // process-wide: leave it as found
    }
}
