using SamDiffSR.Models;
using System.Text.Json.Nodes;
using SamDiffSR.Diffusion;
using SamDiffSR.Masks;
using SamDiffSR.Schedules;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Training;
using Xunit;
using SamDiffSR.Masks.Spe;
using SamDiffSR.Data;

namespace SamDiffSR.Tests.Training;

/// <summary><see cref="TrainConfig"/> and <see cref="DiffusionOptions"/> JSON: round trips (nested ModelConfig), strictness, resume compatibility.</summary>
public class TrainConfigTests
{
    private static TrainConfig Sample() => new(
        TrainingStage.Diffusion,
        ModelConfig.Tiny with { ExtraInputChannels = 1 },
        DiffusionOptions.SamConcat with { Loss = LossType.L2, ClipDenoised = false, LrUp = LrUpRecipe.MatlabExact },
        new PatchOptions(32, Flips: true, Rotations: false, Alignment: MaskAlignment.OfficialMisaligned, Reduce: SpeReduce.AllSameToZero | SpeReduce.ZScore),
        Steps: 1234, BatchSize: 5,
        Lr: new LearningRateSchedule(LrScheduleKind.Cosine, 3e-4, TotalSteps: 1234, MinLr: 1e-6, WarmupSteps: 10),
        GradClipNorm: 0.5, EmaDecay: 0.999, Seed: 42, CheckpointEvery: 100, KeepCheckpoints: 4, LogEvery: 7);

    [Fact]
    public void RoundTrip_PreservesEveryField_IncludingTheNestedModelConfig()
    {
        using var dir = new TempDir();
        var cfg = Sample();
        var path = dir.Sub("config.json");
        cfg.Save(path);
        var back = TrainConfig.Load(path);
        Assert.Equal(cfg, back);
        Assert.Equal(cfg.Model.DimMults.ToArray(), back.Model.DimMults.ToArray());
        Assert.Equal(cfg.ToJson(), back.ToJson());
        // The nested model config uses the official hparam names; enums are strings.
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(16, (int)json["Model"]!["hidden_size"]!);
        Assert.Equal(1, (int)json["Model"]!["extra_input_channels"]!);
        Assert.Equal("Diffusion", (string)json["Stage"]!);
        Assert.Equal("SamConcat", (string)json["Diffusion"]!["Method"]!);
        Assert.Equal("Cosine", (string)json["Lr"]!["Kind"]!);
        Assert.False(json.AsObject().ContainsKey("NeedsMasks"));
        Assert.False(json["Diffusion"]!.AsObject().ContainsKey("EffectiveModulation"));
        // The Tiny model preset survives too.
        var tiny = cfg with { Model = ModelConfig.Tiny, Diffusion = DiffusionOptions.SamDiffSRPaper };
        tiny.Save(path);
        Assert.Equal(tiny, TrainConfig.Load(path));
    }

    [Theory]
    [InlineData("", "Typo", "1")]
    [InlineData("Model", "hidden_sise", "16")]
    [InlineData("Diffusion", "Timestep", "100")]
    [InlineData("Patch", "Flip", "true")]
    [InlineData("Lr", "Base", "0.1")]
    public void UnknownKey_AnywhereIsAnError_NamingTheFile(string section, string key, string value)
    {
        using var dir = new TempDir();
        var path = dir.Sub("config.json");
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        var target = section == "" ? json : json[section]!.AsObject();
        target[key] = JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());
        var ex = Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains(key, ex.Message);
    }

    [Theory]
    [InlineData("Model")]
    [InlineData("Diffusion")]
    [InlineData("Lr")]
    [InlineData("Patch")]
    [InlineData("Stage")]
    [InlineData("Steps")]
    [InlineData("BatchSize")]
    public void MissingSection_IsAnInvalidDataError_NamingTheFile(string section)
    {
        using var dir = new TempDir();
        var path = dir.Sub("config.json");
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        json.Remove(section);
        File.WriteAllText(path, json.ToJsonString());
        var ex = Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void InvalidValues_AreRejected_WithTheFileName()
    {
        using var dir = new TempDir();
        var path = dir.Sub("config.json");
        foreach (var (section, key, value) in new[] { ("", "Steps", "0"), ("", "BatchSize", "0"), ("", "EmaDecay", "1.5"),
                                                        ("Model", "sr_scale", "3"), ("Patch", "HrPatch", "20"), ("Diffusion", "Timesteps", "1") })
        {
            var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
            (section == "" ? json : json[section]!.AsObject())[key] = JsonNode.Parse(value);
            File.WriteAllText(path, json.ToJsonString());
            var ex = Assert.ThrowsAny<Exception>(() => TrainConfig.Load(path));
            Assert.True(ex is InvalidDataException or ArgumentException, $"{section}.{key} = {value}: {ex.GetType().Name} {ex.Message}");
            Assert.Contains(path, ex.Message);
        }
        Assert.Throws<FileNotFoundException>(() => TrainConfig.Load(dir.Sub("nope.json")));
        var nullModel = JsonNode.Parse(Sample().ToJson())!.AsObject();
        nullModel["Model"] = null;
        File.WriteAllText(path, nullModel.ToJsonString());
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
        File.WriteAllText(path, "{ not json");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => TrainConfig.Load(path)).Message);
    }

    [Fact]
    public void CompatibleForResume_IgnoresOnlyTheStepCountAndTheCosineHorizon()
    {
        var cfg = Sample();
        Assert.True(cfg.CompatibleForResume(cfg with { Steps = 99_999 }));
        Assert.False(cfg.CompatibleForResume(cfg with { Seed = 43 }));
        Assert.False(cfg.CompatibleForResume(cfg with { Model = cfg.Model with { Hidden = 32 } }));
        Assert.False(cfg.CompatibleForResume(cfg with { Diffusion = cfg.Diffusion with { Loss = LossType.L1 } }));
        Assert.False(cfg.CompatibleForResume(cfg with { Lr = cfg.Lr with { BaseLr = 1e-4 } }));
        // the CLI ties the cosine horizon to --steps: extending a run changes both, and that stays resumable
        Assert.True(cfg.CompatibleForResume(cfg with { Steps = 99_999, Lr = cfg.Lr with { TotalSteps = 99_999 } }));
        Assert.False(cfg.CompatibleForResume(cfg with { Lr = cfg.Lr with { WarmupSteps = cfg.Lr.WarmupSteps + 7 } }));
        // Structural equality: a model config rebuilt from scratch still matches.
        var rebuilt = cfg with { Model = ModelConfig.FromJson(cfg.Model.ToJson()) };
        Assert.True(cfg.CompatibleForResume(rebuilt));
        Assert.True(cfg.NeedsMasks);
        Assert.False((cfg with { Stage = TrainingStage.Rrdb }).NeedsMasks);
        Assert.False((cfg with { Diffusion = DiffusionOptions.SrDiff, Model = ModelConfig.Tiny }).NeedsMasks);
        Assert.Throws<InvalidDataException>(() => (cfg with { Model = ModelConfig.Tiny }).Validate());   // SamConcat needs the extra channel
    }

    [Fact]
    public void DiffusionOptions_RoundTrip_AndStrictness()
    {
        using var dir = new TempDir();
        var path = dir.Sub("diffusion.json");
        foreach (var o in new[] { DiffusionOptions.SrDiff, DiffusionOptions.SamDiffSRPaper, DiffusionOptions.SamDiffSROfficial, DiffusionOptions.SamConcat,
                                  new DiffusionOptions(SrMethod.SamDiffSR, 50, BetaScheduleKind.Linear, ModulationMode.Paper, LossType.L2, 3.0, false, LrUpRecipe.MatlabExact, true) })
        {
            o.Save(path);
            Assert.Equal(o, DiffusionOptions.Load(path));
        }
        // Effective modulation and clipping rules.
        Assert.Equal(ModulationMode.None, (DiffusionOptions.SrDiff with { Modulation = ModulationMode.Paper }).EffectiveModulation);
        Assert.False(DiffusionOptions.SamDiffSRPaper.EffectiveClipDenoised);
        Assert.True(DiffusionOptions.SamDiffSROfficial.EffectiveClipDenoised);
        Assert.True(DiffusionOptions.SrDiff.EffectiveClipDenoised);
        Assert.False(DiffusionOptions.SrDiff.NeedsMasks);
        Assert.True(DiffusionOptions.SamConcat.NeedsMasks);
        File.WriteAllText(path, DiffusionOptions.SrDiff.ToJson().Replace("\"Timesteps\"", "\"Timestepz\""));
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => DiffusionOptions.Load(path)).Message);
    }
}
