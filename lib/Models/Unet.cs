using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// The conditional noise-prediction U-Net ε_θ(x_t, t, c) of SRDiff / SAM-DiffSR (official
/// <c>diffsr_modules.Unet</c> with groups = 0, use_attn = false, up_input = false; docs/official-code.md §Conditional U-Net).
/// </summary>
/// <remarks>
/// <para>Channels: dims = [3 + extra, dim·m_1, …, dim·m_L]. Encoder level i: two <see cref="ResnetBlock"/>s, then
/// (for every level but the last) a <see cref="Downsample"/>. After the two level-0 blocks the projected conditioning
/// cond_proj(c) (ConvTranspose2d(C_c, dim, 2s, s, s/2), exactly s× the LR size) is added; every level's activations are
/// pushed on the skip stack. Middle: two ResnetBlocks. Decoder: L − 1 levels, each concat(x, skip) → two ResnetBlocks
/// → <see cref="Upsample"/>. The level-0 skip is pushed but never used (kept for weight compatibility). Head:
/// Block(dim, dim) → Conv2d 1×1 dim→3. Time: <see cref="SinusoidalPosEmb"/>(dim) → Linear(dim, 4dim) → Mish →
/// Linear(4dim, dim), shared by every ResnetBlock.</para>
/// <para>Field names and nesting equal the official module tree, so state-dict keys match one to one
/// (e.g. <c>downs.0.0.block1.block.1.weight</c>). HR height and width must be multiples of 2^(L−1).</para>
/// </remarks>
public sealed class Unet : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute names (state-dict keys); declared in the official order
    private readonly ConvTranspose2d cond_proj;
    private readonly SinusoidalPosEmb time_pos_emb;
    private readonly Sequential mlp;
    private readonly ModuleList<nn.Module> downs;
    private readonly ModuleList<nn.Module> ups;
    private readonly ResnetBlock mid_block1;
    private readonly ResnetBlock mid_block2;
    private readonly Sequential final_conv;
#pragma warning restore IDE1006

    /// <summary>The sizes this network was built with.</summary>
    public ModelConfig Config { get; }

    /// <summary>Builds the U-Net for <paramref name="config"/> (hidden_size, dim_mults, conditioning width, scale,
    /// extra input channels).</summary>
    public Unet(ModelConfig config) : base(nameof(Unet))
    {
        Config = config.Validate();
        int dim = config.Hidden, s = config.Scale;
        var dims = new List<long> { config.UnetInputChannels };
        foreach (var m in config.DimMults) dims.Add((long)dim * m);
        var inOut = new List<(long In, long Out)>();
        for (int i = 0; i + 1 < dims.Count; i++) inOut.Add((dims[i], dims[i + 1]));
        int numResolutions = inOut.Count;

        // Construction order = official order (cond_proj, mlp, downs, mid, ups, final_conv) so that a seeded
        // generator reproduces PyTorch's default initialisation.
        cond_proj = nn.ConvTranspose2d(config.ConditioningChannels, dim, 2 * s, stride: s, padding: s / 2);
        time_pos_emb = new SinusoidalPosEmb(dim);
        mlp = nn.Sequential(nn.Linear(dim, dim * 4), new Mish(), nn.Linear(dim * 4, dim));

        downs = new ModuleList<nn.Module>();
        for (int ind = 0; ind < numResolutions; ind++)
        {
            var (dimIn, dimOut) = inOut[ind];
            bool isLast = ind >= numResolutions - 1;
            downs.Add(new ModuleList<nn.Module>(
                new ResnetBlock(dimIn, dimOut, dim),
                new ResnetBlock(dimOut, dimOut, dim),
                isLast ? nn.Identity() : new Downsample(dimOut)));
        }

        long midDim = dims[^1];
        mid_block1 = new ResnetBlock(midDim, midDim, dim);
        mid_block2 = new ResnetBlock(midDim, midDim, dim);

        ups = new ModuleList<nn.Module>();
        // reversed(in_out[1:]); the official is_last test can never be true here, so every level upsamples.
        for (int ind = numResolutions - 1; ind >= 1; ind--)
        {
            var (dimIn, dimOut) = inOut[ind];
            ups.Add(new ModuleList<nn.Module>(
                new ResnetBlock(dimOut * 2, dimIn, dim),
                new ResnetBlock(dimIn, dimIn, dim),
                new Upsample(dimIn)));
        }

        final_conv = nn.Sequential(new Block(dim, dim), nn.Conv2d(dim, 3, 1));
        RegisterComponents();
    }

    /// <summary>
    /// Predicts the noise ε̂ = ε_θ(x_t, t, c).
    /// </summary>
    /// <param name="x">(N, 3 + extra, H, W) float32: the noisy residual x_t (with the extra channels, e.g. the SAM mask
    /// for "SAM+SRDiff", already concatenated); H, W multiples of <see cref="ModelConfig.SpatialMultiple"/>.</param>
    /// <param name="time">(N) int64 code timesteps 0..T−1.</param>
    /// <param name="cond">(N, C_c, H/s, W/s) float32: the concatenated conditioning features
    /// (<see cref="SelectConditioning"/> of the RRDB features, or the LR image when use_rrdb is false).</param>
    /// <returns>(N, 3, H, W) float32 predicted noise.</returns>
    public override Tensor forward(Tensor x, Tensor time, Tensor cond)
    {
        using var scope = NewDisposeScope();
        return ForwardProjected(x, time, ProjectConditioning(cond)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// cond_proj(c): the conditioning projected to the HR grid, (N, C_c, h, w) → (N, dim, s·h, s·w). It does not depend
    /// on x_t or t, so a sampler computes it once per image and calls <see cref="ForwardProjected"/> at every step
    /// (the official code recomputes it at each of the T steps; the result is the same tensor).
    /// </summary>
    public Tensor ProjectConditioning(Tensor cond) => cond_proj.call(cond);

    /// <summary>
    /// <see cref="forward(Tensor, Tensor, Tensor)"/> with the conditioning already projected by
    /// <see cref="ProjectConditioning"/>; the result is identical.
    /// </summary>
    /// <param name="x">(N, 3 + extra, H, W) x_t.</param>
    /// <param name="time">(N) int64 code timesteps.</param>
    /// <param name="projectedCond">(N, dim, H, W) from <see cref="ProjectConditioning"/>.</param>
    public Tensor ForwardProjected(Tensor x, Tensor time, Tensor projectedCond)
    {
        if (projectedCond.dim() != 4 || projectedCond.shape[1] != Config.Hidden || x.dim() != 4
            || projectedCond.shape[2] != x.shape[2] || projectedCond.shape[3] != x.shape[3])
            throw new ArgumentException($"projectedCond must be cond_proj(c), shaped (N, {Config.Hidden}, H, W) like x_t [{string.Join(",", x.shape)}]; " +
                                        $"got [{string.Join(",", projectedCond.shape)}]. Pass the raw RRDB conditioning to forward instead.", nameof(projectedCond));
        using var scope = NewDisposeScope();
        var t = mlp.call(time_pos_emb.call(time));
        var c = projectedCond;
        var skips = new Stack<Tensor>();
        int i = 0;
        foreach (var level in downs)
        {
            var parts = (ModuleList<nn.Module>)level;
            x = ((ResnetBlock)parts[0]).call(x, t);
            x = ((ResnetBlock)parts[1]).call(x, t);
            if (i == 0) x = x.Plus(c);
            skips.Push(x);
            x = ((nn.Module<Tensor, Tensor>)parts[2]).call(x);
            i++;
        }
        x = mid_block1.call(x, t);
        x = mid_block2.call(x, t);
        foreach (var level in ups)
        {
            var parts = (ModuleList<nn.Module>)level;
            x = torch.cat([x, skips.Pop()], 1);
            x = ((ResnetBlock)parts[0]).call(x, t);
            x = ((ResnetBlock)parts[1]).call(x, t);
            x = ((Upsample)parts[2]).call(x);
        }
        return final_conv.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Predicts the noise from the full list of RRDB features (official call signature).</summary>
    public Tensor forward(Tensor x, Tensor time, IReadOnlyList<Tensor> rrdbFeatures)
    {
        using var scope = NewDisposeScope();
        return forward(x, time, SelectConditioning(rrdbFeatures)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The official conditioning selection <c>torch.cat(feas[2::3], 1)</c>: features 2, 5, 8, … of the RRDB's
    /// nb + 1 features, concatenated along channels.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 3 features (nothing to select).</exception>
    public static Tensor SelectConditioning(IReadOnlyList<Tensor> rrdbFeatures)
    {
        if (rrdbFeatures.Count < 3)
            throw new ArgumentException($"the U-Net conditions on RRDB features [2::3]; got only {rrdbFeatures.Count} features (need rrdb_num_block >= 2).", nameof(rrdbFeatures));
        var picked = new List<Tensor>();
        for (int k = 2; k < rrdbFeatures.Count; k += 3) picked.Add(rrdbFeatures[k]);
        return picked.Count == 1 ? picked[0].alias() : torch.cat(picked, 1);
    }
}
