namespace SamDiffSR.Runtime;

/// <summary>
/// A progress report from a long-running library operation (mask generation, training, sampling, evaluation).
/// The library reports through <see cref="IProgress{T}"/>; the CLI draws a terminal bar and notebooks throttle
/// display updates.
/// </summary>
/// <param name="Stage">What is running, e.g. "masks", "train", "sample".</param>
/// <param name="Done">Units finished so far.</param>
/// <param name="Total">Units in all (0 when unknown).</param>
/// <param name="Message">Optional detail, e.g. the current file or the last loss.</param>
public readonly record struct ProgressInfo(string Stage, long Done, long Total, string? Message = null)
{
    /// <summary>Fraction done in [0, 1], or NaN when the total is unknown.</summary>
    public double Fraction => Total > 0 ? Math.Clamp((double)Done / Total, 0, 1) : double.NaN;
}
