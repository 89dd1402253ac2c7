namespace SamDiffSR.Metrics.Perceptual;

/// <summary>Whether a metric can be computed here, and why not (never faked: an unavailable metric has no value).</summary>
/// <param name="Metric">Metric key: "artifact", "fid", "lpips" or "maniqa".</param>
/// <param name="IsAvailable">True when the metric can be computed.</param>
/// <param name="Reason">Why it is unavailable, or what it will use when available.</param>
/// <param name="ModelPath">The model file in use or looked for (null when none is configured or none is needed).</param>
public sealed record MetricAvailability(string Metric, bool IsAvailable, string Reason, string? ModelPath = null);
