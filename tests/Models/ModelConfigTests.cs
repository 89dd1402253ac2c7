using SamDiffSR.Models;
using Xunit;

namespace SamDiffSR.Tests.Models;

public sealed class ModelConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "samdiffsr-cfg-" + Guid.NewGuid().ToString("N"));

    public ModelConfigTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void PaperPreset_HasTheReleasedHyperparameters()
    {
        var c = ModelConfig.SamDiffSRPaperX4;
        Assert.Equal(64, c.Hidden);
        Assert.Equal(new[] { 1, 2, 3, 4 }, c.DimMults.ToArray());
        Assert.Equal(17, c.RrdbNumBlock);
        Assert.Equal(64, c.RrdbNumFeat);
        Assert.Equal(32, c.RrdbGrowth);
        Assert.Equal(4, c.Scale);
        Assert.Equal(6, c.ConditioningFeatureCount); // feas[2::3] of 18 features
        Assert.Equal(384, c.ConditioningChannels);
        Assert.Equal(8, c.SpatialMultiple);
        Assert.Equal(8, ModelConfig.Tiny.ConditioningChannels); // docs/official-code.md §Parameter counts: tiny cond_proj has 8 input channels
        Assert.Equal(96, ModelConfig.SrDiffX4.ConditioningChannels); // 9 features -> indices 2, 5, 8
    }

    [Theory]
    [InlineData("SamDiffSRPaperX4")]
    [InlineData("SamDiffSRPaperX2")]
    [InlineData("SrDiffX4")]
    [InlineData("SamConcatPaperX4")]
    [InlineData("TinyCpu")]
    [InlineData("Tiny")]
    public void Json_RoundTrips_EveryPreset(string name)
    {
        var c = ModelConfig.Preset(name);
        var path = Path.Combine(_dir, name + ".json");
        c.Save(path);
        var back = ModelConfig.Load(path);
        Assert.Equal(c, back);
        Assert.Equal(c.GetHashCode(), back.GetHashCode());
        Assert.Contains("\"unet_dim_mults\"", File.ReadAllText(path));
    }

    [Fact]
    public void Json_UnknownKey_IsAnError()
    {
        var json = ModelConfig.Tiny.ToJson().Replace("\"use_rrdb\"", "\"use_attn\": false, \"use_rrdb\"");
        var ex = Assert.Throws<InvalidDataException>(() => ModelConfig.FromJson(json, "cfg.json"));
        Assert.Contains("cfg.json", ex.Message);
        Assert.Contains("use_attn", ex.Message);
    }

    [Fact]
    public void Json_MissingKey_AndBadValues_AreErrors()
    {
        var noScale = ModelConfig.Tiny.ToJson().Replace("\"sr_scale\": 4,", "");
        var ex = Assert.Throws<InvalidDataException>(() => ModelConfig.FromJson(noScale, "a.json"));
        Assert.Contains("sr_scale", ex.Message);
        var badScale = ModelConfig.Tiny.ToJson().Replace("\"sr_scale\": 4", "\"sr_scale\": 3");
        ex = Assert.Throws<InvalidDataException>(() => ModelConfig.FromJson(badScale, "b.json"));
        Assert.Contains("sr_scale must be 2, 4 or 8", ex.Message);
        var oneBlock = ModelConfig.Tiny.ToJson().Replace("\"rrdb_num_block\": 2", "\"rrdb_num_block\": 1");
        ex = Assert.Throws<InvalidDataException>(() => ModelConfig.FromJson(oneBlock, "c.json"));
        Assert.Contains("feas[2::3]", ex.Message);
        Assert.Throws<FileNotFoundException>(() => ModelConfig.Load(Path.Combine(_dir, "none.json")));
    }

    [Fact]
    public void Equality_ComparesTheMultiplierValues_AndUnknownPresetListsValidOnes()
    {
        Assert.Equal(ModelConfig.Tiny, ModelConfig.Tiny with { DimMults = [1, 2] });
        Assert.NotEqual(ModelConfig.Tiny, ModelConfig.Tiny with { DimMults = [1, 3] });
        var ex = Assert.Throws<ArgumentException>(() => ModelConfig.Preset("huge"));
        Assert.Contains("SamDiffSRPaperX4", ex.Message);
    }
}
