using SamDiffSR.Models;
using SamDiffSR.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Models;

public sealed class StateDictFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "samdiffsr-sd-" + Guid.NewGuid().ToString("N"));

    public StateDictFileTests()
    {
        TorchRuntime.Initialize(threads: 1);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Writes the official tiny state dict after applying <paramref name="edit"/> to its entries.</summary>
    private string WriteEditedOfficial(string name, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>> edit)
    {
        var sd = StateDictFile.Read(TinyReference.StatePath);
        var path = Path.Combine(_dir, name);
        try
        {
            var edited = edit(sd);
            PyTorchPickler.PickleStateDict(path, edited);
            foreach (var t in edited.Values) t.Dispose();
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
        return path;
    }

    [Fact]
    public void MissingKey_IsAnErrorNamingTheKeyAndTheFile()
    {
        var path = WriteEditedOfficial("missing.pt", sd => sd.Where(kv => kv.Key != "denoise_fn.mlp.0.bias")
            .ToDictionary(kv => kv.Key, kv => kv.Value.alias()));
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var ex = Assert.Throws<InvalidDataException>(() => StateDictFile.LoadNetworks(nets, path));
        Assert.Contains("missing.pt", ex.Message);
        Assert.Contains("1 missing key(s): denoise_fn.mlp.0.bias", ex.Message);
        Assert.DoesNotContain("unexpected", ex.Message);
    }

    [Fact]
    public void WrongShape_IsAnErrorListingFileAndModelShapes_AndNothingIsLoaded()
    {
        using var nets = new SrDiffNetworks(ModelConfig.Tiny with { Hidden = 32 });
        var before = nets.state_dict()["denoise_fn.final_conv.1.bias"].clone();
        var ex = Assert.Throws<InvalidDataException>(() => StateDictFile.LoadNetworks(nets, TinyReference.StatePath));
        Assert.Contains("tiny_denoiser.pt", ex.Message);
        Assert.Contains("denoise_fn.cond_proj.weight: file [8, 16, 8, 8] vs model [8, 32, 8, 8]", ex.Message);
        Assert.Contains("--preset", ex.Message);
        // final_conv.1.bias has shape [3] in both, but a failed strict load must not change anything.
        Assert.True(before.allclose(nets.state_dict()["denoise_fn.final_conv.1.bias"], 0, 0));
    }

    [Fact]
    public void NonStrictLoad_TakesWhatFits_AndReportsTheRest()
    {
        using var nets = new SrDiffNetworks(ModelConfig.Tiny with { Hidden = 32 });
        var report = StateDictFile.LoadNetworks(nets, TinyReference.StatePath, strict: false);
        Assert.False(report.IsComplete);
        Assert.Contains("rrdb.conv_first.weight", report.Loaded); // the RRDB is unchanged by hidden_size
        Assert.NotEmpty(report.ShapeMismatches);
        Assert.Contains("denoise_fn.final_conv.1.bias", report.Loaded);
    }

    [Fact]
    public void UnexpectedKey_IsAnError()
    {
        var path = WriteEditedOfficial("extra.pt", sd =>
        {
            var d = sd.ToDictionary(kv => kv.Key, kv => kv.Value.alias());
            d["denoise_fn.mid_attn.g"] = torch.zeros(1);
            return d;
        });
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var ex = Assert.Throws<InvalidDataException>(() => StateDictFile.LoadNetworks(nets, path));
        Assert.Contains("1 unexpected key(s): denoise_fn.mid_attn.g", ex.Message);
    }

    [Fact]
    public void DataParallelModulePrefix_IsStripped()
    {
        var path = WriteEditedOfficial("module.pt", sd => sd.ToDictionary(kv => "module." + kv.Key, kv => kv.Value.alias()));
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var report = StateDictFile.LoadNetworks(nets, path);
        Assert.True(report.StrippedModulePrefix);
        Assert.Equal(140, report.Loaded.Count);
    }

    [Fact]
    public void LegacyPickle_AndMissingFile_GiveClearErrors()
    {
        var legacy = Path.Combine(_dir, "legacy.ckpt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var ex = Assert.Throws<InvalidDataException>(() => StateDictFile.LoadNetworks(nets, legacy));
        Assert.Contains("legacy.ckpt", ex.Message);
        Assert.Contains("torch.save(ckpt['state_dict']['model']", ex.Message);
        var missing = Path.Combine(_dir, "nope.pt");
        var fnf = Assert.Throws<FileNotFoundException>(() => StateDictFile.LoadNetworks(nets, missing));
        Assert.Contains("nope.pt", fnf.Message);
    }

    [Fact]
    public void UnetOrRrdbAlone_LoadFromTheFullFile_OrFromABareFile()
    {
        using var official = new SrDiffNetworks(ModelConfig.Tiny);
        StateDictFile.LoadNetworks(official, TinyReference.StatePath);

        using var unet = new Unet(ModelConfig.Tiny);
        var r1 = StateDictFile.LoadUnet(unet, TinyReference.StatePath);
        Assert.Equal(68, r1.Loaded.Count);
        Assert.Equal(72, r1.IgnoredOtherNetwork.Count); // rrdb.*
        Assert.Equal(12, r1.SkippedScheduleBuffers.Count);
        AssertSameWeights(official.Denoiser, unet);

        using var rrdb = new RRDBNet(ModelConfig.Tiny);
        var r2 = StateDictFile.LoadRrdb(rrdb, TinyReference.StatePath);
        Assert.Equal(72, r2.Loaded.Count);
        AssertSameWeights(official.Rrdb!, rrdb);

        // Bare RRDB state dict (the layout of the official pretrained rrdb checkpoint's model dict).
        var bare = Path.Combine(_dir, "rrdb_bare.pt");
        StateDictFile.Save(official.Rrdb!, bare);
        using var rrdb2 = new RRDBNet(ModelConfig.Tiny);
        var r3 = StateDictFile.LoadRrdb(rrdb2, bare);
        Assert.Equal(72, r3.Loaded.Count);
        Assert.Empty(r3.IgnoredOtherNetwork);
        AssertSameWeights(official.Rrdb!, rrdb2);
        using var sd = StateDictFile.Read(bare).ToDisposable();
        Assert.Contains("conv_first.weight", sd.Value.Keys);
    }

    [Fact]
    public void SaveNetworks_RoundTrips_InTheOfficialLayout_WithScheduleBuffers()
    {
        var official = StateDictFile.Read(TinyReference.StatePath);
        try
        {
            using var nets = new SrDiffNetworks(ModelConfig.Tiny);
            StateDictFile.LoadNetworks(nets, TinyReference.StatePath);
            var buffers = StateDictFile.ScheduleBufferNames.ToDictionary(k => k, k => official[k]);
            var path = Path.Combine(_dir, "saved.pt");
            StateDictFile.SaveNetworks(nets, path, buffers);
            Assert.Equal("PK"u8.ToArray(), File.ReadAllBytes(path)[..2]);

            using var back = StateDictFile.Read(path).ToDisposable();
            // Same key set as the official GaussianDiffusion state dict (152 entries), bit-identical values.
            Assert.Equal(official.Keys.Order(), back.Value.Keys.Order());
            foreach (var (k, t) in official)
                Assert.True(t.allclose(back.Value[k], 0, 0), k);

            using var again = new SrDiffNetworks(ModelConfig.Tiny);
            var report = StateDictFile.LoadNetworks(again, path);
            Assert.True(report.IsComplete);
            AssertSameWeights(nets, again);
        }
        finally { foreach (var t in official.Values) t.Dispose(); }
    }

    private static void AssertSameWeights(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict(); var sb = b.state_dict();
        Assert.Equal(sa.Keys, sb.Keys);
        foreach (var (k, t) in sa) Assert.True(t.allclose(sb[k], 0, 0), k);
    }
}

internal sealed class DisposableDict(Dictionary<string, Tensor> value) : IDisposable
{
    public Dictionary<string, Tensor> Value { get; } = value;
    public void Dispose() { foreach (var t in Value.Values) t.Dispose(); }
}

internal static class DictExtensions
{
    public static DisposableDict ToDisposable(this Dictionary<string, Tensor> d) => new(d);
}
