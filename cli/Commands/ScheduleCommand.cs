using System.Globalization;
using System.Text;
using System.Text.Json;
using SamDiffSR.Schedules;

namespace SamDiffSR.Cli.Commands;

/// <summary>
/// <c>samdiffsr schedule</c>: prints β_t, ᾱ_t, φ_t (coefficient of E_SAM in q(x_t | x_0, E), paper eq. 3 with the
/// corrected closed form), the paper's target coefficient sqrt((1−ᾱ_t)/β_t) (eq. 5) and the official code's
/// sqrt(1−ᾱ_t)·β_t, per code step 0..T−1 (paper t = index + 1), as a table or as one JSON object.
/// </summary>
public sealed class ScheduleCommand : ICliCommand
{
    public string Name => "schedule";

    public string Summary => "Print the noise schedule: beta, alpha_bar, phi_t and both E_SAM coefficients per step.";

    public string Usage =>
        "samdiffsr schedule [--timesteps 100] [--schedule cosine|linear] [--force-last-beta] [--json]\n" +
        "  --timesteps N       number of diffusion steps T (default 100, the paper's)\n" +
        "  --schedule KIND     cosine (Nichol & Dhariwal, s=0.008, default) or linear (linspace(1e-4, 0.02, T))\n" +
        "  --force-last-beta   linear only: set the last beta to 0.999 as the official code's res mode does\n" +
        "  --json              print one object {\"betas\",\"alphas_cumprod\",\"phi\",\"coef_paper\",\"coef_official\"},\n" +
        "                      arrays indexed by code step 0..T-1 (paper t = index + 1)";

    public int Run(CliArgs args, CliContext ctx)
    {
        int timesteps = args.Int("timesteps", 100);
        var kind = args.Enum("schedule", BetaScheduleKind.Cosine);
        bool forceLast = args.Flag("force-last-beta");
        bool json = args.Flag("json");
        args.EnsureAllUsed();
        if (timesteps < 1 || timesteps > 100_000) throw new CliUsageException($"--timesteps must be in 1..100000, got {timesteps}");
        if (forceLast && kind != BetaScheduleKind.Linear) throw new CliUsageException("--force-last-beta applies to --schedule linear only");

        var s = kind == BetaScheduleKind.Cosine ? DiffusionSchedule.Cosine(timesteps) : DiffusionSchedule.Linear(timesteps, forceLast);
        if (json) WriteJson(s, ctx.Out);
        else WriteTable(s, ctx.Out);
        return 0;
    }

    /// <summary>Writes the single JSON object (one line, then a newline).</summary>
    public static void WriteJson(DiffusionSchedule s, TextWriter w)
    {
        using var ms = new MemoryStream();
        using (var jw = new Utf8JsonWriter(ms))
        {
            jw.WriteStartObject();
            WriteArray(jw, "betas", s.Betas);
            WriteArray(jw, "alphas_cumprod", s.AlphasCumprod);
            WriteArray(jw, "phi", s.Phi);
            WriteArray(jw, "coef_paper", s.PaperTargetCoefficient);
            WriteArray(jw, "coef_official", s.OfficialMaskCoefficient);
            jw.WriteEndObject();
        }
        w.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static void WriteArray(Utf8JsonWriter jw, string name, IReadOnlyList<double> values)
    {
        jw.WriteStartArray(name);
        foreach (var v in values) jw.WriteNumberValue(v);
        jw.WriteEndArray();
    }

    private static void WriteTable(DiffusionSchedule s, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"# {s.Description}; code index i = paper t - 1; phi = coefficient of E_SAM in q(x_t|x_0,E) (eq. 3, recursion of eq. 9);");
        w.WriteLine("# coef_paper = sqrt((1-abar)/beta) (eq. 5), coef_official = sqrt(1-abar)*beta (official mask_coefficient)");
        w.WriteLine(string.Format(ci, "{0,5} {1,7} {2,14} {3,14} {4,14} {5,14} {6,14}", "i", "t_paper", "beta", "alpha_bar", "phi", "coef_paper", "coef_official"));
        for (int i = 0; i < s.Timesteps; i++)
            w.WriteLine(string.Format(ci, "{0,5} {1,7} {2,14:G8} {3,14:G8} {4,14:G8} {5,14:G8} {6,14:G8}",
                i, i + 1, s.Betas[i], s.AlphasCumprod[i], s.Phi[i], s.PaperTargetCoefficient[i], s.OfficialMaskCoefficient[i]));
    }
}
