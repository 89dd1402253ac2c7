using SamDiffSR.Runtime;
using System.Text.Json.Serialization;

namespace SamDiffSR.Training;

/// <summary>Kind of learning-rate schedule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrScheduleKind>))]
public enum LrScheduleKind
{
    /// <summary>Constant learning rate.</summary>
    [OptionName("constant")]
    Constant,
    /// <summary>
    /// The official code's StepLR: lr = base · gamma^floor(step / stepSize), stepped with the absolute step
    /// (SAM-DiffSR config: base 2e-4, stepSize 200k, gamma 0.5).
    /// </summary>
    [OptionName("step")]
    Step,
    /// <summary>
    /// The paper's "cosine learning rate decay" (§5.1): lr = min + (base − min)·(1 + cos(π·step/total))/2,
    /// after an optional linear warm-up. The paper does not give a floor; <c>MinLr</c> defaults to 0.
    /// </summary>
    [OptionName("cosine")]
    Cosine,
}

/// <summary>A learning-rate schedule, a pure function of the step (so resumed runs reproduce it exactly).</summary>
public sealed record LearningRateSchedule(
    LrScheduleKind Kind = LrScheduleKind.Cosine,
    double BaseLr = 2e-4,
    int StepSize = 200_000,
    double Gamma = 0.5,
    int TotalSteps = 400_000,
    double MinLr = 0,
    int WarmupSteps = 0)
{
    /// <summary>Checks the values (finite, positive rate, non-negative floor, positive decay factor and step size).</summary>
    /// <exception cref="InvalidDataException">Names the bad value.</exception>
    public LearningRateSchedule Validate()
    {
        if (!double.IsFinite(BaseLr) || BaseLr <= 0) throw new InvalidDataException($"the learning rate must be a finite number > 0 (--lr), got {BaseLr}");
        if (!double.IsFinite(MinLr) || MinLr < 0 || MinLr > BaseLr) throw new InvalidDataException($"the minimum learning rate must be in [0, {BaseLr}], got {MinLr}");
        if (!double.IsFinite(Gamma) || Gamma <= 0) throw new InvalidDataException($"the step decay factor must be a finite number > 0 (--lr-gamma), got {Gamma}");
        if (StepSize < 1) throw new InvalidDataException($"the step-decay interval must be >= 1 (--lr-step), got {StepSize}");
        if (WarmupSteps < 0) throw new InvalidDataException($"warm-up steps must be >= 0, got {WarmupSteps}");
        return this;
    }

    /// <summary>Learning rate used for the update at 0-based <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step));
        if (WarmupSteps > 0 && step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        return Kind switch
        {
            LrScheduleKind.Constant => BaseLr,
            LrScheduleKind.Step => BaseLr * Math.Pow(Gamma, Math.Floor((double)step / Math.Max(1, StepSize))),
            LrScheduleKind.Cosine => MinLr + (BaseLr - MinLr) * 0.5 *
                (1 + Math.Cos(Math.PI * Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps)))),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
        };
    }
}
