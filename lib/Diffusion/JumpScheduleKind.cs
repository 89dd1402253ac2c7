using System.Text.Json.Serialization;
using SamDiffSR.Runtime;

namespace SamDiffSR.Diffusion;

/// <summary>Which fewest-jump schedule <see cref="SamplerKind.Jump"/> with Steps = 0 visits.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JumpScheduleKind>))]
public enum JumpScheduleKind
{
    /// <summary>The fewest feasible jumps for the model's own modulation (Paper: 9 jumps; OfficialCode: 1 jump; None: as Paper).</summary>
    [OptionName("model")]
    Model,
    /// <summary>
    /// One schedule for every model: the Paper-mode fewest jumps 100→99→97→92→80→55→22→5→1→0 (cosine T = 100). It is
    /// feasible in every mode (OfficialCode allows every s &lt; t; the unmodulated jump is feasible where the Paper-mode
    /// one is), so a table can sample all its rows on the same timesteps (<see cref="SamplingPolicy"/>).
    /// </summary>
    [OptionName("shared")]
    Shared,
}
