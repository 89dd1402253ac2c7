using System.Text.Json;
using SamDiffSR.Cli;
using SamDiffSR.Schedules;
using Xunit;
using static SamDiffSR.Tests.Cli.CliRunner;

namespace SamDiffSR.Tests.Schedules;

public class ScheduleCommandTests
{
    [Fact]
    public void Json_IsOneObject_MatchingTheOfficialSchedule()
    {
        var (code, stdout, stderr) = Run("schedule", "--timesteps", "100", "--schedule", "cosine", "--json");
        Assert.True(code == 0, stderr);
        var bytes = System.Text.Encoding.UTF8.GetBytes(stdout.Trim());
        var reader = new Utf8JsonReader(bytes);
        using var doc = JsonDocument.ParseValue(ref reader);
        Assert.False(reader.Read(), "more than one JSON value on stdout");   // exactly one object
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(new[] { "betas", "alphas_cumprod", "phi", "coef_paper", "coef_official" }, root.EnumerateObject().Select(p => p.Name));
        void Check(string name, double[] expected)
        {
            var got = root.GetProperty(name).ToDoubles();
            Assert.Equal(100, got.Length);
            for (int i = 0; i < 100; i++)
                Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-7 * Math.Abs(expected[i]), $"{name}[{i}] {got[i]} vs {expected[i]}");
        }
        Check("betas", ScheduleReference.Array("betas_f64"));
        Check("alphas_cumprod", ScheduleReference.Array("alphas_cumprod_f64"));
        Check("coef_official", ScheduleReference.Array("mask_coefficient_f64"));
        Check("coef_paper", ScheduleReference.Array("not_used_by_code.issue9_proposed_loss_target_coef_f64"));
        // φ_t from the recursion of eq. 9 applied to the reference betas
        var b = ScheduleReference.Array("betas_f64");
        var phi = new double[100]; double p = 0;
        for (int i = 0; i < 100; i++) { p = Math.Sqrt(1 - b[i]) * p + Math.Sqrt(b[i]); phi[i] = p; }
        Check("phi", phi);
    }

    [Fact]
    public void Table_HasOneRowPerStep()
    {
        var (code, stdout, _) = Run("schedule", "--timesteps", "20", "--schedule", "linear", "--force-last-beta");
        Assert.Equal(0, code);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        Assert.Equal(21, rows.Count);   // header + 20 steps
        Assert.Contains("coef_official", rows[0]);
        var last = rows[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("19", last[0]);
        Assert.Equal("20", last[1]);
        Assert.Equal(0.999, double.Parse(last[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void LinearJson_MatchesLibrary()
    {
        var (code, stdout, _) = Run("schedule", "--schedule", "linear", "--timesteps", "7", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(DiffusionSchedule.Linear(7).Betas, doc.RootElement.GetProperty("betas").ToDoubles());
    }

    [Theory]
    [InlineData("schedule", "--schedule", "quadratic")]
    [InlineData("schedule", "--timesteps", "0")]
    [InlineData("schedule", "--timesteps", "ten")]
    [InlineData("schedule", "--force-last-beta")]
    [InlineData("schedule", "--bogus", "1")]
    public void BadArguments_ExitWith2(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains("samdiffsr schedule", stderr);
    }
}
