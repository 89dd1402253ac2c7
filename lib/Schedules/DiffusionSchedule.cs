using System.Collections.ObjectModel;

namespace SamDiffSR.Schedules;

/// <summary>
/// Every per-step quantity of the (structure-modulated) diffusion process, computed in float64 from β_1..β_T, plus
/// the float32 copies that the official code registers as buffers (each the float32 cast of the float64 value).
/// <para>
/// <b>Indexing.</b> All arrays are indexed by the code step i = 0..T−1, which is the paper's step t = i + 1
/// (the official code passes i to <c>extract</c> and to the U-Net's time embedding). So <c>Betas[0]</c> is β_1,
/// <c>AlphasCumprod[i]</c> is ᾱ_{i+1} and <c>AlphasCumprodPrev[i]</c> is ᾱ_i with ᾱ_0 = 1.
/// </para>
/// <para>
/// <b>φ_t, the coefficient of E_SAM in q(x_t | x_0, E_SAM) (paper eq. 3 and 12).</b> Iterating the modulated step
/// x_t = sqrt(α_t) x_{t−1} + sqrt(β_t)(ε_t + E) (eq. 9) gives the recursion φ_t = sqrt(α_t) φ_{t−1} + sqrt(β_t),
/// φ_0 = 0, whose closed form is φ_t = Σ_{i=1..t} sqrt(ᾱ_t/ᾱ_i)·sqrt(β_i) = Σ_i sqrt(α_t⋯α_{i+1} β_i).
/// The paper prints this wrongly in two places:
/// (1) eq. 3 and the end of eq. 11 write φ_t = Σ_i sqrt(ᾱ_t β_i/α_i), i.e. they divide by α_i where the product
/// must stop at α_{i+1}, i.e. divide by ᾱ_i; the two agree only for i = 1, so the printed sum is already wrong at
/// t = 2 (its last term is sqrt(α_1 β_2) instead of sqrt(β_2)); for T = 100 cosine it gives 3.94 instead of 4.58 at
/// t = 50 and 0.027 instead of 1.08 at t = 100;
/// (2) the middle line of eq. 11 writes the first term as sqrt(α_t⋯α_2)·β_1 (β_1 outside the root) where it must be
/// sqrt(α_t⋯α_2·β_1), and the same slip appears in the noise term sqrt(α_t⋯α_2)β_1 ε_1.
/// (Also, eq. 4 in §4.1 writes 1 − α_t (and a tilde) where Appendix eq. 15 correctly has 1 − ᾱ_t.)
/// The recursion is also exactly what makes the DDPM posterior mean of eq. 15 (written with the paper's target
/// ε + sqrt((1−ᾱ_t)/β_t)E) equal the Bayesian posterior mean of eq. 13/14: the E terms cancel only if
/// sqrt(α_t) φ_{t−1} + sqrt(β_t) = φ_t. This class uses the recursion (<see cref="Phi"/>).
/// </para>
/// <para>
/// <b>Coefficients of E in the training target.</b> Paper eq. 5/17: sqrt((1−ᾱ_t)/β_t)
/// (<see cref="PaperTargetCoefficient"/>). Official code (models_sr/diffusion.py, <c>mask_coefficient</c>):
/// c_t = sqrt(1−ᾱ_t)·β_t (<see cref="OfficialMaskCoefficient"/>), fed through the ordinary q_sample, which puts
/// (1−ᾱ_t)·β_t·E into x_t (<see cref="PhiCode"/>). The maintainers call the code's coefficient a bug (upstream issues
/// #5 and #9); it is kept to reproduce the released checkpoint.
/// </para>
/// Immutable; holds no tensors (see <see cref="ScheduleBuffers"/> for the device copies).
/// </summary>
public sealed class DiffusionSchedule
{
    /// <summary>Clip applied to the posterior variance before the log (official code: log(max(var, 1e-20))).</summary>
    public const double PosteriorVarianceFloor = 1e-20;

    /// <summary>
    /// Names of the 12 float32 buffers that the official <c>GaussianDiffusion</c> registers (and that appear in its
    /// state_dict), in registration order.
    /// </summary>
    public static IReadOnlyList<string> OfficialBufferNames { get; } = Array.AsReadOnly(new[]
    {
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
        "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
    });

    private readonly Dictionary<string, ReadOnlyCollection<float>> _f32;

    /// <summary>Builds the schedule from explicit betas (code index 0..T−1); each β must lie in (0, 1).</summary>
    /// <param name="betas">β_1..β_T as a float64 array indexed by code step.</param>
    /// <param name="description">A short label, e.g. "cosine(T=100, s=0.008)".</param>
    public DiffusionSchedule(IReadOnlyList<double> betas, string description = "custom")
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count < 1) throw new ArgumentException("a schedule needs at least one beta", nameof(betas));
        for (int i = 0; i < betas.Count; i++)
            if (!(betas[i] > 0 && betas[i] < 1))
                throw new ArgumentException($"beta[{i}] = {betas[i]} is outside (0, 1); every beta_t must satisfy 0 < beta_t < 1", nameof(betas));

        Description = description;
        int T = betas.Count;
        Timesteps = T;
        var b = betas.ToArray();
        var a = new double[T];
        var ac = new double[T];
        var acPrev = new double[T];
        double prod = 1;
        for (int i = 0; i < T; i++)
        {
            a[i] = 1 - b[i];                 // α_t = 1 − β_t
            acPrev[i] = prod;                // ᾱ_{t−1}, with ᾱ_0 = 1
            prod *= a[i];
            ac[i] = prod;                    // ᾱ_t = Π_{i≤t} α_i (numpy cumprod order)
        }

        double[] Map(Func<int, double> f) { var r = new double[T]; for (int i = 0; i < T; i++) r[i] = f(i); return r; }

        // q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 − ᾱ_t) I)   (eq. 3 without E)
        var sqrtAc = Map(i => Math.Sqrt(ac[i]));
        var sqrt1m = Map(i => Math.Sqrt(1 - ac[i]));
        var log1m = Map(i => Math.Log(1 - ac[i]));
        // x̂_0 = sqrt(1/ᾱ_t) x_t − sqrt(1/ᾱ_t − 1) ε̂   (inverse of q_sample)
        var sqrtRecip = Map(i => Math.Sqrt(1 / ac[i]));
        var sqrtRecipm1 = Map(i => Math.Sqrt(1 / ac[i] - 1));
        // q(x_{t−1} | x_t, x_0) = N(coef1 x_0 + coef2 x_t, β̃_t I), β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t)   (eq. 14/16)
        var postVar = Map(i => b[i] * (1 - acPrev[i]) / (1 - ac[i]));
        var postLogVar = Map(i => Math.Log(Math.Max(postVar[i], PosteriorVarianceFloor)));
        var coef1 = Map(i => b[i] * Math.Sqrt(acPrev[i]) / (1 - ac[i]));
        var coef2 = Map(i => (1 - acPrev[i]) * Math.Sqrt(a[i]) / (1 - ac[i]));
        // φ_t = sqrt(α_t) φ_{t−1} + sqrt(β_t), φ_0 = 0: coefficient of E in q(x_t | x_0, E)   (eq. 9 iterated; eq. 3/11 misprint it)
        var phi = new double[T];
        double p = 0;
        for (int i = 0; i < T; i++) { p = Math.Sqrt(a[i]) * p + Math.Sqrt(b[i]); phi[i] = p; }
        // Paper target ε + sqrt((1 − ᾱ_t)/β_t) E   (eq. 5/17)
        var coefPaper = Map(i => Math.Sqrt((1 - ac[i]) / b[i]));
        // Official code target ε + sqrt(1 − ᾱ_t) β_t E   (models_sr/diffusion.py mask_coefficient)
        var coefOfficial = Map(i => Math.Sqrt(1 - ac[i]) * b[i]);
        // Official code's coefficient of E inside x_t: sqrt(1 − ᾱ_t) · c_t = (1 − ᾱ_t) β_t
        var phiCode = Map(i => (1 - ac[i]) * b[i]);

        Betas = Ro(b); Alphas = Ro(a); AlphasCumprod = Ro(ac); AlphasCumprodPrev = Ro(acPrev);
        SqrtAlphasCumprod = Ro(sqrtAc); SqrtOneMinusAlphasCumprod = Ro(sqrt1m); LogOneMinusAlphasCumprod = Ro(log1m);
        SqrtRecipAlphasCumprod = Ro(sqrtRecip); SqrtRecipm1AlphasCumprod = Ro(sqrtRecipm1);
        PosteriorVariance = Ro(postVar); PosteriorLogVarianceClipped = Ro(postLogVar);
        PosteriorMeanCoef1 = Ro(coef1); PosteriorMeanCoef2 = Ro(coef2);
        Phi = Ro(phi); PaperTargetCoefficient = Ro(coefPaper); OfficialMaskCoefficient = Ro(coefOfficial); PhiCode = Ro(phiCode);

        _f32 = new Dictionary<string, ReadOnlyCollection<float>>(StringComparer.Ordinal)
        {
            ["betas"] = F32(b), ["alphas_cumprod"] = F32(ac), ["alphas_cumprod_prev"] = F32(acPrev),
            ["sqrt_alphas_cumprod"] = F32(sqrtAc), ["sqrt_one_minus_alphas_cumprod"] = F32(sqrt1m),
            ["log_one_minus_alphas_cumprod"] = F32(log1m), ["sqrt_recip_alphas_cumprod"] = F32(sqrtRecip),
            ["sqrt_recipm1_alphas_cumprod"] = F32(sqrtRecipm1), ["posterior_variance"] = F32(postVar),
            ["posterior_log_variance_clipped"] = F32(postLogVar), ["posterior_mean_coef1"] = F32(coef1),
            ["posterior_mean_coef2"] = F32(coef2),
        };
        MaskCoefficientF32 = F32(coefOfficial);
        var s1m32 = _f32["sqrt_one_minus_alphas_cumprod"];
        // What the official code realises in float32: sqrt_one_minus_alphas_cumprod[t] * mask_coefficient[t].
        PhiCodeF32 = Array.AsReadOnly(Enumerable.Range(0, T).Select(i => s1m32[i] * MaskCoefficientF32[i]).ToArray());
        PhiF32 = F32(phi);
        PaperTargetCoefficientF32 = F32(coefPaper);
    }

    /// <summary>The official configuration's schedule: cosine, s = 0.008, β clipped at 0.999.</summary>
    public static DiffusionSchedule Cosine(int timesteps, double s = BetaSchedule.DefaultCosineOffset) =>
        new(BetaSchedule.Cosine(timesteps, s), $"cosine(T={timesteps}, s={s})");

    /// <summary>Linear schedule linspace(1e-4, 0.02, T); <paramref name="forceLastBeta"/> sets β_T = 0.999 like the official res mode.</summary>
    public static DiffusionSchedule Linear(int timesteps, bool forceLastBeta = false,
                                           double start = BetaSchedule.DefaultLinearStart, double end = BetaSchedule.DefaultLinearEnd) =>
        new(BetaSchedule.Linear(timesteps, start, end, forceLastBeta), $"linear(T={timesteps}, {start}..{end}{(forceLastBeta ? ", last=0.999" : "")})");

    /// <summary>Builds a schedule of the given kind with the default parameters of that kind.</summary>
    public static DiffusionSchedule Create(BetaScheduleKind kind, int timesteps, bool forceLastLinearBeta = false) => kind switch
    {
        BetaScheduleKind.Cosine => Cosine(timesteps),
        BetaScheduleKind.Linear => Linear(timesteps, forceLastLinearBeta),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown beta schedule kind"),
    };

    /// <summary>A short label of how the betas were made.</summary>
    public string Description { get; }

    /// <summary>T, the number of diffusion steps (paper: 100).</summary>
    public int Timesteps { get; }

    /// <summary>β_t (eq. 1), code index 0..T−1 = paper t − 1.</summary>
    public IReadOnlyList<double> Betas { get; }
    /// <summary>α_t = 1 − β_t.</summary>
    public IReadOnlyList<double> Alphas { get; }
    /// <summary>ᾱ_t = Π_{i=1..t} α_i.</summary>
    public IReadOnlyList<double> AlphasCumprod { get; }
    /// <summary>ᾱ_{t−1}, with ᾱ_0 = 1 at code index 0.</summary>
    public IReadOnlyList<double> AlphasCumprodPrev { get; }
    /// <summary>sqrt(ᾱ_t): scale of x_0 in q(x_t | x_0).</summary>
    public IReadOnlyList<double> SqrtAlphasCumprod { get; }
    /// <summary>sqrt(1 − ᾱ_t): standard deviation of q(x_t | x_0).</summary>
    public IReadOnlyList<double> SqrtOneMinusAlphasCumprod { get; }
    /// <summary>log(1 − ᾱ_t): log-variance of q(x_t | x_0).</summary>
    public IReadOnlyList<double> LogOneMinusAlphasCumprod { get; }
    /// <summary>sqrt(1/ᾱ_t): scale of x_t in x̂_0 = sqrt(1/ᾱ_t) x_t − sqrt(1/ᾱ_t − 1) ε̂.</summary>
    public IReadOnlyList<double> SqrtRecipAlphasCumprod { get; }
    /// <summary>sqrt(1/ᾱ_t − 1): scale of ε̂ in x̂_0.</summary>
    public IReadOnlyList<double> SqrtRecipm1AlphasCumprod { get; }
    /// <summary>β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t): variance of q(x_{t−1} | x_t, x_0) (eq. 14). Zero at code index 0.</summary>
    public IReadOnlyList<double> PosteriorVariance { get; }
    /// <summary>log(max(β̃_t, 1e-20)): the clipped log-variance used by the sampler (−46.05 at code index 0).</summary>
    public IReadOnlyList<double> PosteriorLogVarianceClipped { get; }
    /// <summary>β_t sqrt(ᾱ_{t−1})/(1 − ᾱ_t): coefficient of x_0 in the posterior mean μ̃_t.</summary>
    public IReadOnlyList<double> PosteriorMeanCoef1 { get; }
    /// <summary>(1 − ᾱ_{t−1}) sqrt(α_t)/(1 − ᾱ_t): coefficient of x_t in the posterior mean μ̃_t.</summary>
    public IReadOnlyList<double> PosteriorMeanCoef2 { get; }

    /// <summary>
    /// φ_t, the coefficient of E_SAM in q(x_t | x_0, E_SAM) (eq. 3/12), from the recursion
    /// φ_t = sqrt(α_t) φ_{t−1} + sqrt(β_t), φ_0 = 0 (= Σ_i sqrt(ᾱ_t/ᾱ_i)·sqrt(β_i); the paper's printed sum in eq. 3/11
    /// divides by α_i instead of ᾱ_i and is wrong for t ≥ 2, see the class remarks).
    /// </summary>
    public IReadOnlyList<double> Phi { get; }
    /// <summary>sqrt((1 − ᾱ_t)/β_t): the paper's coefficient of E_SAM in the training target (eq. 5/17).</summary>
    public IReadOnlyList<double> PaperTargetCoefficient { get; }
    /// <summary>c_t = sqrt(1 − ᾱ_t)·β_t: the official code's <c>mask_coefficient</c> (coefficient of E in its target; a known bug).</summary>
    public IReadOnlyList<double> OfficialMaskCoefficient { get; }
    /// <summary>(1 − ᾱ_t)·β_t: the coefficient of E in x_t that the official code actually realises.</summary>
    public IReadOnlyList<double> PhiCode { get; }

    /// <summary>The float32 copy (cast of the float64 value) of one of the 12 official buffers, by its official name.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="OfficialBufferNames"/>.</exception>
    public IReadOnlyList<float> OfficialBufferF32(string name) =>
        _f32.TryGetValue(name, out var v) ? v
            : throw new ArgumentException($"'{name}' is not an official schedule buffer; expected one of {string.Join(", ", OfficialBufferNames)}", nameof(name));

    /// <summary>float32 cast of <see cref="OfficialMaskCoefficient"/> (the official <c>mask_coefficient</c> tensor).</summary>
    public IReadOnlyList<float> MaskCoefficientF32 { get; }
    /// <summary>float32 product sqrt_one_minus_alphas_cumprod_f32 · mask_coefficient_f32, as the official code realises (1 − ᾱ_t)β_t.</summary>
    public IReadOnlyList<float> PhiCodeF32 { get; }
    /// <summary>float32 cast of <see cref="Phi"/>.</summary>
    public IReadOnlyList<float> PhiF32 { get; }
    /// <summary>float32 cast of <see cref="PaperTargetCoefficient"/>.</summary>
    public IReadOnlyList<float> PaperTargetCoefficientF32 { get; }

    /// <summary>Throws unless 0 ≤ <paramref name="index"/> &lt; T (code index; paper t = index + 1).</summary>
    public void CheckIndex(int index, string paramName = "t")
    {
        if (index < 0 || index >= Timesteps)
            throw new ArgumentOutOfRangeException(paramName, index, $"code step index must be in 0..{Timesteps - 1} (paper t = index + 1)");
    }

    private static ReadOnlyCollection<double> Ro(double[] v) => Array.AsReadOnly(v);

    private static ReadOnlyCollection<float> F32(double[] v) => Array.AsReadOnly(v.Select(x => (float)x).ToArray());
}
