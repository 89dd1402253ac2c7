using System.Text.Json.Nodes;
using SamDiffSR.Cli;
using SamDiffSR.Cli.Commands;
using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using SamDiffSR.Tests.Masks;
using SamDiffSR.Tests.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Benchmarks;

public class ImportCheckpointTests
{
    public ImportCheckpointTests() => TorchRuntime.Initialize(threads: 1);

    [Fact]
    public void Import_TinyReference_RoundTrips_ToIdenticalOutputs()
    {
        using var dir = new TempDir();
        var folder = dir.Sub("tiny_model");
        var (code, o, e) = Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "Tiny");
        Assert.True(code == 0, e);
        Assert.Contains("loaded      140 tensors strictly", o);
        Assert.Contains("12 buffers skipped (T = 100)", o);
        Assert.Contains("-> match", o);
        Assert.Equal("", e);

        // config.json is the Tiny preset; model.pt holds the official key set (networks + the 12 schedule buffers).
        Assert.Equal(ModelConfig.Tiny, ModelConfig.Load(Path.Combine(folder, "config.json")));
        using var written = StateDictFile.Read(Path.Combine(folder, "model.pt")).ToDisposable();
        using var original = StateDictFile.Read(TinyReference.StatePath).ToDisposable();
        Assert.Equal(original.Value.Keys.Order(), written.Value.Keys.Order());
        foreach (var (k, v) in original.Value) Assert.True(v.allclose(written.Value[k], 0, 0), k);

        // The model folder's networks give bit-identical outputs to networks loaded from the original file.
        using var a = new SrDiffNetworks(ModelConfig.Tiny);
        StateDictFile.LoadNetworks(a, TinyReference.StatePath);
        using var b = new SrDiffNetworks(ModelConfig.Load(Path.Combine(folder, "config.json")));
        Assert.True(StateDictFile.LoadNetworks(b, Path.Combine(folder, "model.pt")).IsComplete);
        using var scope = NewDisposeScope();
        using var g = no_grad();
        var gen = new Generator(1);
        var x = randn([1, 3, 16, 16], generator: gen);
        var lr = randn([1, 3, 4, 4], generator: gen);
        var t = tensor(new long[] { 12 });
        var ya = a.Denoiser.call(x, t, a.Conditioning(lr));
        var yb = b.Denoiser.call(x, t, b.Conditioning(lr));
        Assert.True(ya.allclose(yb, 0, 0));
        Assert.True(a.Rrdb!.call(lr).allclose(b.Rrdb!.call(lr), 0, 0));
    }

    [Fact]
    public void Import_Json_ReportsTheCountsAndTheScheduleCheck()
    {
        using var dir = new TempDir();
        var (code, o, e) = Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", dir.Sub("m"), "--preset", "tiny", "--json");
        Assert.True(code == 0, e);
        var j = JsonNode.Parse(o)!;
        Assert.Equal(140, (int?)j["loaded_tensors"]);
        Assert.Equal(117_027, (long?)j["unet_parameters"]);
        Assert.Equal(25_387, (long?)j["rrdb_parameters"]);
        Assert.Equal(12, j["skipped_schedule_buffers"]!.AsArray().Count);
        Assert.Equal(0.0, (double?)j["schedule_max_abs_difference"]);
        Assert.True((bool?)j["schedule_matches"]);
    }

    [Fact]
    public void WrongPreset_IsAClearErrorNamingTheFile_AndWritesNothing()
    {
        using var dir = new TempDir();
        var folder = dir.Sub("paper_model");
        var (code, _, e) = Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "SrDiffX4");
        Assert.Equal(1, code);
        Assert.Contains("tiny_denoiser.pt", e);
        Assert.Contains("does not fit the model", e);
        Assert.Contains("--preset", e);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void MissingFile_LegacyPickle_ExistingFolder_AndUsage_AreClearErrors()
    {
        using var dir = new TempDir();
        var missing = Run("import-checkpoint", "--in", dir.Sub("nope.pt"), "--out", dir.Sub("m"), "--preset", "tiny");
        Assert.Equal(1, missing.Code);
        Assert.Contains("nope.pt", missing.Err);
        Assert.Contains("torch.save(torch.load(", missing.Err);

        var legacy = dir.Sub("model_ckpt_steps_400000.ckpt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
        var lg = Run("import-checkpoint", "--in", legacy, "--out", dir.Sub("m"), "--preset", "tiny");
        Assert.Equal(1, lg.Code);
        Assert.Contains("model_ckpt_steps_400000.ckpt", lg.Err);
        Assert.Contains("['state_dict']['model']", lg.Err);

        var folder = dir.Sub("m2");
        Assert.Equal(0, Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "tiny").Code);
        var again = Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "tiny");
        Assert.Equal(1, again.Code);
        Assert.Contains("--force", again.Err);
        Assert.Equal(0, Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "tiny", "--force").Code);

        Assert.Equal(2, Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder).Code);
        Assert.Equal(2, Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", folder, "--preset", "tiny", "--config", "x.json").Code);
        Assert.Equal(2, Run("import-checkpoint", "--out", folder, "--preset", "tiny").Code);
    }

    [Fact]
    public void ConfigFile_IsAcceptedInsteadOfAPreset()
    {
        using var dir = new TempDir();
        var cfg = dir.Sub("tiny.json");
        ModelConfig.Tiny.Save(cfg);
        var (code, _, e) = Run("import-checkpoint", "--in", TinyReference.StatePath, "--out", dir.Sub("m"), "--config", cfg);
        Assert.True(code == 0, e);
    }

    [Fact]
    public void LinearScheduleBuffers_AreReportedAsAMismatch_WithAWarning()
    {
        using var dir = new TempDir();
        // The tiny weights with the 12 buffers of the official linear schedule (res mode: last beta 0.999).
        var linear = DiffusionSchedule.Linear(100, forceLastBeta: true);
        var path = dir.Sub("linear.pt");
        var sd = StateDictFile.Read(TinyReference.StatePath);
        try
        {
            foreach (var name in StateDictFile.ScheduleBufferNames)
            {
                sd[name].Dispose();
                sd[name] = tensor(linear.OfficialBufferF32(name).ToArray());
            }
            PyTorchPickler.PickleStateDict(path, sd);
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }

        var (code, o, e) = Run("import-checkpoint", "--in", path, "--out", dir.Sub("m"), "--preset", "tiny");
        Assert.True(code == 0, e);
        Assert.Contains("MISMATCH", o);
        Assert.Contains("warning", e);
        Assert.Contains("another noise schedule", e);
        Assert.True(File.Exists(dir.Sub("m", "model.pt")));
    }

    [Fact]
    public void ScheduleCheck_BareStateDict_AndADifferentT()
    {
        using var nets = new SrDiffNetworks(ModelConfig.Tiny);
        var bare = nets.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var none = CheckpointImport.CheckScheduleBuffers(bare);
        Assert.Empty(none.Present);
        Assert.Null(none.Timesteps);
        Assert.Contains("no schedule buffers", Assert.Single(none.Warnings));

        var s1000 = DiffusionSchedule.Cosine(1000);
        using var scope = NewDisposeScope();
        var withT = StateDictFile.ScheduleBufferNames.ToDictionary(n => n, n => tensor(s1000.OfficialBufferF32(n).ToArray()));
        var check = CheckpointImport.CheckScheduleBuffers(withT);
        Assert.Equal(1000, check.Timesteps);
        Assert.Equal(0.0, check.MaxAbsDifference);
        Assert.False(check.Matches);
        Assert.Contains(check.Warnings, w => w.Contains("T = 1000"));
    }
}
