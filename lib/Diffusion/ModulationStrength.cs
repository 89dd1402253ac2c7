using System.Globalization;
using SamDiffSR.Schedules;

namespace SamDiffSR.Diffusion;

/// <summary>
/// How strong the structure modulation is at one step, for an SPE map of typical magnitude |E| (e.g. its RMS):
/// the E term of x_t against the noise of x_t, and the E term of the network's target n = ε + k_t E against ε.
/// </summary>
/// <param name="PaperStep">Paper step t (code index + 1).</param>
/// <param name="NoiseStd">sqrt(1 − ᾱ_t), the standard deviation of the noise in x_t.</param>
/// <param name="StateCoefficient">P_t, the coefficient of E in x_t (φ_t or (1 − ᾱ_t)β_t).</param>
/// <param name="TargetCoefficient">k_t, the coefficient of E in the target (sqrt((1 − ᾱ_t)/β_t) or sqrt(1 − ᾱ_t)β_t).</param>
/// <param name="StateRatio">P_t·|E| / sqrt(1 − ᾱ_t): E's share of x_t relative to its noise.</param>
/// <param name="TargetRatio">k_t·|E|: E's share of the target relative to ε (unit standard deviation).</param>
public sealed record ModulationStrengthRow(int PaperStep, double NoiseStd, double StateCoefficient, double TargetCoefficient,
                                           double StateRatio, double TargetRatio);

/// <summary>Tables of <see cref="ModulationStrengthRow"/> for a schedule and modulation mode (docs/few-step-sampling.md).</summary>
public static class ModulationStrength
{
    /// <summary>One row per paper step in <paramref name="paperSteps"/> (1..T) for an SPE magnitude <paramref name="eMagnitude"/>.</summary>
    public static IReadOnlyList<ModulationStrengthRow> Table(DiffusionSchedule schedule, ModulationMode mode, double eMagnitude, IEnumerable<int> paperSteps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(paperSteps);
        if (!(eMagnitude >= 0) || double.IsInfinity(eMagnitude)) throw new ArgumentOutOfRangeException(nameof(eMagnitude), eMagnitude, "|E| must be a finite number >= 0");
        return paperSteps.Select(step =>
        {
            int i = step - 1;
            schedule.CheckIndex(i, nameof(paperSteps));
            double noise = schedule.SqrtOneMinusAlphasCumprod[i];
            double p = ModulatedJumpSampler.StateCoefficient(schedule, mode, i);
            double k = ModulatedJumpSampler.TargetCoefficient(schedule, mode, i);
            return new ModulationStrengthRow(step, noise, p, k, p * eMagnitude / noise, k * eMagnitude);
        }).ToArray();
    }

    /// <summary>The table as Markdown (t, sqrt(1 − ᾱ_t), P_t, k_t, P_t·E_rms/sqrt(1 − ᾱ_t), k_t·E_rms).</summary>
    public static string ToMarkdown(IReadOnlyList<ModulationStrengthRow> rows, double eMagnitude)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"| t | sqrt(1−ᾱ_t) | P_t | k_t | P_t·E_rms/sqrt(1−ᾱ_t) (E_rms = {eMagnitude:G3}) | k_t·E_rms |"),
            "|---:|---:|---:|---:|---:|---:|",
        };
        lines.AddRange(rows.Select(r => string.Create(c,
            $"| {r.PaperStep} | {r.NoiseStd:G4} | {r.StateCoefficient:G4} | {r.TargetCoefficient:G4} | {r.StateRatio:G3} | {r.TargetRatio:G3} |")));
        return string.Join("\n", lines) + "\n";
    }
}
