using System.Text.Json;
using SamDiffSR.Cli;
using Xunit;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Models;

public class ModelInfoCommandTests
{
    [Fact]
    public void PaperPreset_PrintsTheOfficialCounts()
    {
        var (code, o, _) = Run("model", "info", "--preset", "SamDiffSRPaperX4");
        Assert.Equal(0, code);
        Assert.Contains("12,934,915", o);
        Assert.Contains("12,381,443", o);
        Assert.Contains("25,316,358", o);
    }

    [Fact]
    public void Json_WithLayers_SumsToTheTotals()
    {
        var (code, o, _) = Run("model", "info", "--preset", "Tiny", "--json", "--layers");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(o);
        var r = doc.RootElement;
        Assert.Equal(117_027, r.GetProperty("unet_parameters").GetInt64());
        Assert.Equal(25_387, r.GetProperty("rrdb_parameters").GetInt64());
        Assert.Equal(142_414, r.GetProperty("total_parameters").GetInt64());
        Assert.Equal(117_027, r.GetProperty("trainable_parameters_diffusion_stage").GetInt64());
        Assert.Equal(16, r.GetProperty("config").GetProperty("hidden_size").GetInt32());
        var layers = r.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(142_414, layers.Sum(l => l.GetProperty("parameters").GetInt64()));
        Assert.Contains(layers, l => l.GetProperty("name").GetString() == "denoise_fn.downs.0");
        Assert.Contains(layers, l => l.GetProperty("name").GetString() == "rrdb.RRDB_trunk");
    }

    [Fact]
    public void BadInput_GivesUsageErrors()
    {
        var (code, _, err) = Run("model", "info", "--preset", "Huge");
        Assert.Equal(2, code);
        Assert.Contains("unknown model preset 'Huge'", err);
        (code, _, err) = Run("model", "info");
        Assert.Equal(2, code);
        Assert.Contains("--preset", err);
        (code, _, err) = Run("model", "info", "--config", "/nonexistent/cfg.json");
        Assert.Equal(1, code);
        Assert.Contains("cfg.json", err);
    }
}
