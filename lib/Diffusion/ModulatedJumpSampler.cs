using System.Globalization;
using SamDiffSR.Runtime;
using SamDiffSR.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Diffusion;

/// <summary>
/// The coefficients of one modulated jump x_s = A·x_t + B·n̂ + σ·z from code index <see cref="From"/> to
/// <see cref="To"/> (−1 = the clean end), see <see cref="ModulatedJumpSampler"/>.
/// </summary>
/// <param name="From">Code index t (paper step t + 1).</param>
/// <param name="To">Code index s &lt; t, or −1 for x_0.</param>
/// <param name="A">sqrt(ᾱ_s/ᾱ_t).</param>
/// <param name="B">(P_s − A·P_t)/k_t.</param>
/// <param name="Variance">σ² = 1 − ᾱ_s − (A·sqrt(1 − ᾱ_t) + B)², unclamped (negative = no such Gaussian step).</param>
public readonly record struct JumpCoefficients(int From, int To, double A, double B, double Variance)
{
    /// <summary>Whether σ² ≥ −<see cref="ModulatedJumpSampler.VarianceTolerance"/> (rounding of an exact 0 is allowed).</summary>
    public bool Feasible => Variance >= -ModulatedJumpSampler.VarianceTolerance;

    /// <summary>σ = sqrt(max(σ², 0)).</summary>
    public double Sigma => Math.Sqrt(Math.Max(Variance, 0.0));
}

/// <summary>
/// A sampler choice that cannot be carried out exactly for the model: an infeasible modulated jump, or DDIM on a
/// modulated model. The message is one line naming the jump or option and what to use instead (the CLI prints it).
/// </summary>
public sealed class SamplerRefusedException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public SamplerRefusedException(string message, int? from = null, int? to = null) : base(message)
    {
        From = from;
        To = to;
    }

    /// <summary>Code index t of the refused jump, if the refusal is about one jump.</summary>
    public int? From { get; }

    /// <summary>Code index s of the refused jump (−1 = clean end), if the refusal is about one jump.</summary>
    public int? To { get; }
}

/// <summary>
/// Exact few-step sampling for structure-modulated models (<see cref="ModulationMode.Paper"/> and
/// <see cref="ModulationMode.OfficialCode"/>), derived in docs/few-step-sampling.md.
/// <para><b>Setting.</b> In both modes q(x_t | x_0, E) = N(sqrt(ᾱ_t) x_0 + P_t E, (1 − ᾱ_t) I) and the network
/// predicts n = ε + k_t E, where ε is the noise of x_t. Paper mode: P_t = φ_t (the recursion of
/// <see cref="DiffusionSchedule.Phi"/>), k_t = sqrt((1 − ᾱ_t)/β_t) (eq. 5/17). Released code: the noise fed to
/// q_sample is n = ε + c_t E with c_t = sqrt(1 − ᾱ_t)·β_t, so k_t = c_t and P_t = sqrt(1 − ᾱ_t)·c_t = (1 − ᾱ_t)β_t.</para>
/// <para><b>The jump.</b> x_s = A x_t + B n + σ z with z ~ N(0, I) independent of ε. Substituting x_t and n,
/// x_s = A sqrt(ᾱ_t) x_0 + (A P_t + B k_t) E + (A sqrt(1 − ᾱ_t) + B) ε + σ z, and matching q(x_s | x_0, E) gives
/// three equations for three unknowns: A = sqrt(ᾱ_s/ᾱ_t), B = (P_s − A P_t)/k_t,
/// σ² = 1 − ᾱ_s − (A sqrt(1 − ᾱ_t) + B)² (ᾱ_{−1} = 1, P_{−1} = 0). Unlike DDIM there is no free η: the E constraint
/// fixes B, and the jump exists only where σ² ≥ 0. For s = t − 1 in Paper mode it is exactly the DDPM step of eq. 15
/// with σ² = β̃_t. In the released code's mode x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) n holds exactly, so the jump is
/// DDIM with the step-dependent σ² = (1 − ᾱ_s)(1 − c_s²/c_t²), feasible whenever c_s ≤ c_t (every s &lt; t for the
/// cosine and linear schedules); its s = t − 1 step is not the DDPM step (σ² ≠ β̃_t).</para>
/// <para><b>Schedules.</b> The visited code indices are descending, start at T − 1 (the chain starts from N(0, I),
/// which stands for x_T) and end with an implicit jump to −1. <see cref="GreedySchedule"/> jumps from each index to the
/// smallest feasible one; <see cref="MinimumJumps"/> is the true minimum (shortest path over all feasible jumps).
/// An infeasible schedule is refused with <see cref="SamplerRefusedException"/> naming the jump.</para>
/// <para><b>No x̂_0 clipping in Paper mode.</b> The implied x̂_0 = (x_t − sqrt(1 − ᾱ_t) n)/sqrt(ᾱ_t) equals
/// x_0 + κ_t E with κ_t = (φ_t − (1 − ᾱ_t)/sqrt(β_t))/sqrt(ᾱ_t) (κ = 2.4 at t = 50, 163 at t = 100 for cosine
/// T = 100), so clipping it to [−1, 1] cuts the E term and breaks the matched marginals; a Paper-mode sampler with
/// clipping is refused. In the released code's mode x̂_0 is a plain estimate of x_0 (x_t − sqrt(1 − ᾱ_t) n =
/// sqrt(ᾱ_t) x_0), so clipping is allowed there and done like DDIM: clip x̂_0, re-derive
/// n = (x_t − sqrt(ᾱ_t) x̂_0)/sqrt(1 − ᾱ_t), then jump. The final residual is clamped by res2img as always.</para>
/// <para>The reverse chain never sees E (paper §4.3). Coefficients are float64 scalars. Holds no tensors.</para>
/// </summary>
public sealed class ModulatedJumpSampler
{
    /// <summary>Rounding allowance for σ²: an exact 0 (e.g. every final jump of the released code's mode) may come out as −1e-25.</summary>
    public const double VarianceTolerance = 1e-12;

    private readonly int[] _timesteps;
    private readonly JumpCoefficients[] _jumps;

    /// <summary>Creates the sampler for the given visited code indices; refuses an infeasible schedule.</summary>
    /// <param name="schedule">The β schedule (T steps).</param>
    /// <param name="mode">Paper or OfficialCode (None is refused: use <see cref="DdimSampler"/>).</param>
    /// <param name="timesteps">Descending distinct code indices starting at T − 1; the jump to −1 is implicit.</param>
    /// <param name="clipDenoised">Clip x̂_0 (OfficialCode mode only; refused in Paper mode, see the class remarks).</param>
    /// <param name="unmodulatedSigma">None mode only: whose jump σ the unmodulated step takes (ignored for modulated models).</param>
    /// <exception cref="SamplerRefusedException">A jump has σ² &lt; 0, or clipping in Paper mode.</exception>
    public ModulatedJumpSampler(DiffusionSchedule schedule, ModulationMode mode, IReadOnlyList<int> timesteps, bool clipDenoised = false,
                                JumpSigma unmodulatedSigma = JumpSigma.Paper)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timesteps);
        RequireKnown(mode);
        if (clipDenoised && mode == ModulationMode.Paper)
            throw new SamplerRefusedException("the modulated jump sampler cannot clip x0 in Paper mode: the implied x0 contains kappa_t*E, so clipping it breaks the exact marginals; set ClipDenoised to false (or leave it automatic)");
        Schedule = schedule;
        Mode = mode;
        ClipDenoised = clipDenoised;
        Sigma = JumpSigmas.Effective(mode, unmodulatedSigma);
        _timesteps = timesteps.ToArray();
        CheckSchedule(schedule, mode, _timesteps, Sigma);
        _jumps = new JumpCoefficients[_timesteps.Length];
        for (int j = 0; j < _timesteps.Length; j++)
            _jumps[j] = Coefficients(schedule, mode, _timesteps[j], j + 1 < _timesteps.Length ? _timesteps[j + 1] : -1, Sigma);
    }

    /// <summary>The sampler over the fewest feasible jumps (<see cref="FewestJumpsSchedule"/>).</summary>
    public static ModulatedJumpSampler Fewest(DiffusionSchedule schedule, ModulationMode mode, bool clipDenoised = false) =>
        new(schedule, mode, FewestJumpsSchedule(schedule, mode), clipDenoised);

    /// <summary>The schedule.</summary>
    public DiffusionSchedule Schedule { get; }
    /// <summary>The modulation the model was trained with.</summary>
    public ModulationMode Mode { get; }
    /// <summary>Whether x̂_0 is clipped (OfficialCode only).</summary>
    public bool ClipDenoised { get; }
    /// <summary>Whose jump σ the chain uses: a modulated model's own, or the one chosen for an unmodulated model.</summary>
    public JumpSigma Sigma { get; }
    /// <summary>Visited code indices, descending (the jump to −1 is implicit).</summary>
    public IReadOnlyList<int> Timesteps => Array.AsReadOnly(_timesteps);
    /// <summary>The jumps in sampling order (one per visited index).</summary>
    public IReadOnlyList<JumpCoefficients> Jumps => Array.AsReadOnly(_jumps);

    /// <summary>P_t, the coefficient of E in x_t (φ_t or (1 − ᾱ_t)β_t); 0 at index −1 and in None mode.</summary>
    public static double StateCoefficient(DiffusionSchedule schedule, ModulationMode mode, int index)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (index == -1) return 0.0;
        schedule.CheckIndex(index);
        return mode switch
        {
            ModulationMode.None => 0.0,
            ModulationMode.Paper => schedule.Phi[index],
            ModulationMode.OfficialCode => schedule.PhiCode[index],
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown modulation mode"),
        };
    }

    /// <summary>k_t, the coefficient of E in the network's target (sqrt((1 − ᾱ_t)/β_t) or sqrt(1 − ᾱ_t)β_t; 0 in None mode).</summary>
    public static double TargetCoefficient(DiffusionSchedule schedule, ModulationMode mode, int index)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.CheckIndex(index);
        return mode switch
        {
            ModulationMode.None => 0.0,
            ModulationMode.Paper => schedule.PaperTargetCoefficient[index],
            ModulationMode.OfficialCode => schedule.OfficialMaskCoefficient[index],
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown modulation mode"),
        };
    }

    /// <summary>ᾱ at a code index, 1 at −1.</summary>
    public static double AlphaBar(DiffusionSchedule schedule, int index) => index < 0 ? 1.0 : schedule.AlphasCumprod[index];

    /// <summary>
    /// The jump coefficients from code index <paramref name="t"/> to <paramref name="s"/> (−1 ≤ s &lt; t).
    /// <para><see cref="ModulationMode.None"/> (SRDiff, SAM+SRDiff): without E there are only two constraints (x_0 and
    /// the variance), so one more choice makes the step unique. The unmodulated jump takes σ from the Paper-mode jump
    /// over the same pair (t, s) and then B = sqrt(1 − ᾱ_s − σ²) − A·sqrt(1 − ᾱ_t): a DDIM step with that σ, so it keeps
    /// q(x_s | x_0) exactly, injects the same amount of fresh noise as the Paper-mode chain on a shared schedule, and is
    /// feasible exactly where the Paper-mode jump is (so its fewest-jump schedule is the Paper-mode one). For s = t − 1
    /// σ² = β̃_t and the step is the DDPM step (η = 1). With <paramref name="unmodulatedSigma"/> =
    /// <see cref="JumpSigma.Released"/> it takes σ from the released code's jump instead, and then A, B and σ are exactly
    /// those of the OfficialCode jump (that jump's ε coefficient A·sqrt(1 − ᾱ_t) + B is never negative, so
    /// sqrt(1 − ᾱ_s − σ²) reproduces it: with c_t = sqrt(1 − ᾱ_t)β_t it is sqrt(1 − ᾱ_s)·c_s/c_t ≥ 0), so SRDiff and SAM-DiffSR (released) run the same chain.</para>
    /// </summary>
    public static JumpCoefficients Coefficients(DiffusionSchedule schedule, ModulationMode mode, int t, int s,
                                                JumpSigma unmodulatedSigma = JumpSigma.Paper)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        RequireKnown(mode);
        schedule.CheckIndex(t);
        if (s < -1 || s >= t) throw new ArgumentOutOfRangeException(nameof(s), s, $"the next index must be in -1..{t - 1}");
        double at = AlphaBar(schedule, t), as_ = AlphaBar(schedule, s);
        double a = Math.Sqrt(as_ / at);                                                       // x_0: a·sqrt(ᾱ_t) = sqrt(ᾱ_s)
        if (mode == ModulationMode.None)
        {
            double reference = Coefficients(schedule, unmodulatedSigma.Mode(), t, s).Variance; // σ² of the chosen mode's jump
            double epsNone = Math.Sqrt(Math.Max(1 - as_ - Math.Max(reference, 0.0), 0.0));     // ε coefficient sqrt(1 − ᾱ_s − σ²)
            return new JumpCoefficients(t, s, a, epsNone - a * Math.Sqrt(1 - at), reference);
        }
        double b = (StateCoefficient(schedule, mode, s) - a * StateCoefficient(schedule, mode, t))
                   / TargetCoefficient(schedule, mode, t);                                    // E: a·P_t + b·k_t = P_s
        double epsCoef = a * Math.Sqrt(1 - at) + b;                                           // ε coefficient of a·x_t + b·n
        double variance = 1 - as_ - epsCoef * epsCoef;                                        // ε²+σ² = 1 − ᾱ_s
        return new JumpCoefficients(t, s, a, b, variance);
    }

    /// <summary>
    /// From T − 1, jump each time to the smallest index (−1 first) with σ² ≥ 0; the visited indices, descending.
    /// Always succeeds because s = t − 1 is feasible in Paper mode (σ² = β̃_t) and in OfficialCode mode whenever c is increasing.
    /// </summary>
    public static int[] GreedySchedule(DiffusionSchedule schedule, ModulationMode mode)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        RequireKnown(mode);
        var visited = new List<int>();
        int t = schedule.Timesteps - 1;
        while (t >= 0)
        {
            visited.Add(t);
            int s = -1;
            while (s < t - 1 && !Coefficients(schedule, mode, t, s).Feasible) s++;
            if (!Coefficients(schedule, mode, t, s).Feasible)
                throw new InvalidOperationException($"no feasible jump from {Paper(t)} in {mode} mode (not even to {Paper(t - 1)})");
            t = s;
        }
        return visited.ToArray();
    }

    /// <summary>
    /// A schedule with the fewest feasible jumps (shortest path from T − 1 to −1 over all feasible jumps, O(T²)
    /// coefficient evaluations); among schedules of that length it takes, at each index, the smallest next index.
    /// </summary>
    public static int[] FewestJumpsSchedule(DiffusionSchedule schedule, ModulationMode mode)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        RequireKnown(mode);
        int T = schedule.Timesteps;
        // dist[i] = fewest jumps from index i − 1 to −1 (array offset 1 so that index −1 is dist[0]).
        var dist = new int[T + 1];
        var next = new int[T + 1];
        dist[0] = 0;
        for (int t = 0; t < T; t++)
        {
            int best = int.MaxValue, arg = int.MinValue;
            for (int s = -1; s < t; s++)
                if (dist[s + 1] != int.MaxValue && dist[s + 1] + 1 < best && Coefficients(schedule, mode, t, s).Feasible)
                {
                    best = dist[s + 1] + 1;
                    arg = s;
                }
            dist[t + 1] = best;
            next[t + 1] = arg;
        }
        if (dist[T] == int.MaxValue) throw new InvalidOperationException($"no feasible schedule exists for {schedule.Description} in {mode} mode");
        var visited = new List<int>();
        for (int t = T - 1; t >= 0; t = next[t + 1]) visited.Add(t);
        return visited.ToArray();
    }

    /// <summary>The fewest feasible jumps from x_T to x_0 (the length of <see cref="FewestJumpsSchedule"/>).</summary>
    public static int MinimumJumps(DiffusionSchedule schedule, ModulationMode mode) => FewestJumpsSchedule(schedule, mode).Length;

    /// <summary>The first jump of the schedule (visited indices, implicit final −1) with σ² &lt; 0, or null when all are feasible.</summary>
    public static JumpCoefficients? FirstInfeasibleJump(DiffusionSchedule schedule, ModulationMode mode, IReadOnlyList<int> timesteps,
                                                        JumpSigma unmodulatedSigma = JumpSigma.Paper)
    {
        CheckShape(schedule, timesteps);
        RequireKnown(mode);
        for (int j = 0; j < timesteps.Count; j++)
        {
            var c = Coefficients(schedule, mode, timesteps[j], j + 1 < timesteps.Count ? timesteps[j + 1] : -1, unmodulatedSigma);
            if (!c.Feasible) return c;
        }
        return null;
    }

    /// <summary>
    /// Throws <see cref="SamplerRefusedException"/> naming the first infeasible jump (in paper steps), the nearest
    /// feasible trailing step count and the fewest-jump schedule; returns silently for a feasible schedule.
    /// </summary>
    public static void CheckSchedule(DiffusionSchedule schedule, ModulationMode mode, IReadOnlyList<int> timesteps,
                                     JumpSigma unmodulatedSigma = JumpSigma.Paper)
    {
        var bad = FirstInfeasibleJump(schedule, mode, timesteps, unmodulatedSigma);
        if (bad is not { } c) return;
        int? k = NearestFeasibleTrailingSteps(schedule, mode, timesteps.Count);
        var fewest = FewestJumpsSchedule(schedule, mode);
        throw new SamplerRefusedException(string.Create(CultureInfo.InvariantCulture,
            $"the jump {Paper(c.From)}→{Paper(c.To)} (paper steps) is infeasible for a {mode}-modulated model: sigma^2 = {c.Variance:G4} < 0, " +
            $"so no Gaussian step keeps q(x_s | x_0, E). {(k is { } kk ? $"Nearest feasible trailing step count: {kk}. " : "")}" +
            $"Fewest feasible jumps: {fewest.Length} ({Describe(fewest)}; sampler jump with steps 0)."), c.From, c.To);
    }

    /// <summary>The feasible trailing-spacing step count nearest to <paramref name="steps"/> (ties: the larger), or null if none.</summary>
    public static int? NearestFeasibleTrailingSteps(DiffusionSchedule schedule, ModulationMode mode, int steps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int T = schedule.Timesteps;
        for (int d = 0; d <= T; d++)
            foreach (int k in new[] { steps + d, steps - d })
                if (k >= 1 && k <= T && FirstInfeasibleJump(schedule, mode, DdimSampler.ComputeTimesteps(T, k, DdimSpacing.Trailing)) is null)
                    return k;
        return null;
    }

    /// <summary>Paper steps of a schedule with its final clean end, e.g. "100→99→…→1→0".</summary>
    public static string Describe(IReadOnlyList<int> timesteps) => string.Join("→", timesteps.Select(Paper).Append("0"));

    /// <summary>
    /// The sampler a <see cref="SamplingOptions"/> asks for on a model with modulation <paramref name="mode"/>:
    /// <see cref="SamplerKind.Jump"/> with Steps = 0 gives <see cref="Fewest"/>, Steps = k &gt; 0 the trailing k-step
    /// schedule. Refuses (<see cref="SamplerRefusedException"/>) an infeasible schedule, Jump on an unmodulated model,
    /// and DDIM on a modulated model except k = T with η = 1 (the DDPM step); returns null for DDPM and allowed DDIM.
    /// </summary>
    public static ModulatedJumpSampler? ForSampling(DiffusionSchedule schedule, ModulationMode mode, SamplingOptions sampling, bool clipDenoised)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(sampling);
        int T = schedule.Timesteps;
        switch (sampling.Sampler)
        {
            case SamplerKind.Jump:
                if (sampling.Steps < 0 || sampling.Steps > T)
                    throw new SamplerRefusedException($"jump steps must be 0 (fewest feasible jumps) or 1..{T} (trailing spacing), got {sampling.Steps}");
                // The automatic setting never clips Paper mode; an explicit ClipDenoised = true there is refused by the constructor.
                bool clip = sampling.ClipDenoised ?? (clipDenoised && mode != ModulationMode.Paper);
                int[] visited = sampling.Steps > 0 ? DdimSampler.ComputeTimesteps(T, sampling.Steps, DdimSpacing.Trailing)
                    : FewestJumpsSchedule(schedule, sampling.JumpSchedule == JumpScheduleKind.Shared ? ModulationMode.Paper : mode);
                return new ModulatedJumpSampler(schedule, mode, visited, clip, sampling.UnmodulatedSigma);
            case SamplerKind.Ddim when mode != ModulationMode.None && !(sampling.Steps == T && sampling.Eta == 1.0):
                var c = CultureInfo.InvariantCulture;
                var fewest = FewestJumpsSchedule(schedule, mode);
                string instead = mode == ModulationMode.OfficialCode
                    ? string.Create(c, $"Use sampler jump with steps {sampling.Steps} (exact; every trailing step count is feasible in this mode)")
                    : string.Create(c, $"Use sampler jump (exact; steps 0 = the fewest feasible jumps, {fewest.Length}: {Describe(fewest)}; steps k = trailing k, feasible for k >= {NearestFeasibleTrailingSteps(schedule, mode, 1)})");
                throw new SamplerRefusedException(string.Create(c,
                    $"DDIM (steps {sampling.Steps}, eta {sampling.Eta}) is refused for a {mode}-modulated model: its network predicts eps + k_t*E, which DDIM treats as eps, so the samples keep a bias in E. ") +
                    instead + string.Create(c, $", or ddpm (or ddim with steps {T} and eta 1)."));
            default:
                return null;
        }
    }

    /// <summary>
    /// The sampling options to use for a model instead of a request that would be refused: DDIM on a modulated model
    /// becomes <see cref="SamplerKind.Jump"/> with the same step count where that trailing schedule is feasible (every k
    /// in OfficialCode mode, k ≥ 67 for Paper mode with cosine T = 100) and the fewest feasible jumps otherwise. Every
    /// other request is returned unchanged. For pipelines that evaluate several models with one sampler setting and
    /// must say what each model really used (the library itself refuses rather than substitutes).
    /// </summary>
    public static SamplingOptions ExactSamplingFor(SamplingOptions sampling, DiffusionSchedule schedule, ModulationMode mode)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(schedule);
        if (sampling.Sampler != SamplerKind.Ddim || mode == ModulationMode.None || (sampling.Steps == schedule.Timesteps && sampling.Eta == 1.0))
            return sampling;
        bool trailingOk = sampling.Steps >= 1 && sampling.Steps <= schedule.Timesteps
            && FirstInfeasibleJump(schedule, mode, DdimSampler.ComputeTimesteps(schedule.Timesteps, sampling.Steps, DdimSpacing.Trailing)) is null;
        return sampling with { Sampler = SamplerKind.Jump, Steps = trailingOk ? sampling.Steps : 0 };
    }

    /// <summary>One jump from <paramref name="t"/> to <paramref name="s"/> given n̂ = ε_θ(x_t, t) and z (null when σ = 0).</summary>
    public Tensor Step(Tensor xt, int t, int s, Tensor nHat, Tensor? z)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(nHat);
        if (!nHat.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"the denoiser returned shape [{string.Join(",", nHat.shape)}], expected [{string.Join(",", xt.shape)}]", nameof(nHat));
        var c = Coefficients(Schedule, Mode, t, s, Sigma);
        if (!c.Feasible) throw new SamplerRefusedException($"the jump {Paper(t)}→{Paper(s)} (paper steps) is infeasible for a {Mode}-modulated model (sigma^2 = {c.Variance.ToString("G4", CultureInfo.InvariantCulture)} < 0)", t, s);
        using var grad = no_grad();
        using var scope = NewDisposeScope();
        var n = nHat;
        if (ClipDenoised)
        {
            double at = AlphaBar(Schedule, t);
            var x0 = (xt - nHat.Mul(Math.Sqrt(1 - at))).Div(Math.Sqrt(at)).ClampTo(-1.0, 1.0);     // x̂_0 (OfficialCode: an estimate of x_0)
            n = (xt - x0.Mul(Math.Sqrt(at))).Div(Math.Sqrt(1 - at));                               // n consistent with the clipped x̂_0
        }
        var next = xt.Mul(c.A).Plus(n.Mul(c.B));
        double sigma = c.Sigma;
        if (sigma > 0)
        {
            if (z is null) throw new ArgumentException($"sigma = {sigma} > 0 at t = {t} needs noise z", nameof(z));
            next = next.Plus(z.Mul(sigma));
        }
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the chain from x ~ N(0, I) (from <paramref name="noise"/>) at index T − 1 to x_0; z is drawn via
    /// <see cref="INoiseSource.Step"/> with the current index only when σ &gt; 0. Returns x_0 (caller owns it).
    /// </summary>
    /// <param name="shape">(B, C, H, W).</param>
    /// <param name="denoiser">n̂ = ε_θ(x_t, t) with t a (B,) int64 tensor.</param>
    /// <param name="noise">Source of x_T and z (default: global generator).</param>
    /// <param name="dtype">dtype of x_T (float32 by default).</param>
    /// <param name="device">Device of x_T (CPU when null).</param>
    /// <param name="progress">Reports ("jump", jumps done, jumps).</param>
    /// <param name="onStep">Observer (t, x_t) before each denoiser call; x_t is borrowed.</param>
    /// <param name="cancellationToken">Checked before each jump.</param>
    public Tensor Sample(long[] shape, Func<Tensor, Tensor, Tensor> denoiser, INoiseSource? noise = null,
                         ScalarType dtype = ScalarType.Float32, Device? device = null,
                         IProgress<ProgressInfo>? progress = null, Action<int, Tensor>? onStep = null,
                         CancellationToken cancellationToken = default)
    {
        SamplerArguments.CheckChain(shape, denoiser);
        noise ??= new GeneratorNoiseSource();
        device ??= CPU;
        return SamplerArguments.RunChain(shape, noise, dtype, device, _jumps.Select(c => c.From).ToArray(), (j, x) =>
        {
            var c = _jumps[j];
            var tt = full(new[] { shape[0] }, (long)c.From, dtype: ScalarType.Int64, device: device);
            var n = denoiser(x, tt);
            var z = c.Sigma > 0 ? noise.Step(c.From, shape, dtype, device) : null;
            return Step(x, c.From, c.To, n, z);
        }, "jump", progress, onStep, cancellationToken);
    }

    private static string Paper(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    private static void RequireKnown(ModulationMode mode)
    {
        if (mode is not (ModulationMode.Paper or ModulationMode.OfficialCode or ModulationMode.None))
            throw new SamplerRefusedException($"the jump sampler needs ModulationMode.None, Paper or OfficialCode, got {mode}");
    }

    private static void CheckShape(DiffusionSchedule schedule, IReadOnlyList<int> timesteps)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timesteps);
        int T = schedule.Timesteps;
        if (timesteps.Count == 0) throw new SamplerRefusedException("a jump schedule needs at least one visited step");
        if (timesteps[0] != T - 1)
            throw new SamplerRefusedException($"a jump schedule must start at paper step {T} (code index {T - 1}), because the chain starts from N(0, I) standing for x_T; got paper step {timesteps[0] + 1}");
        for (int j = 0; j < timesteps.Count; j++)
        {
            if (timesteps[j] < 0 || timesteps[j] >= T)
                throw new SamplerRefusedException($"jump schedule code index {timesteps[j]} is outside 0..{T - 1}");
            if (j > 0 && timesteps[j] >= timesteps[j - 1])
                throw new SamplerRefusedException($"a jump schedule must be strictly descending; got {timesteps[j - 1]} then {timesteps[j]}");
        }
    }
}
