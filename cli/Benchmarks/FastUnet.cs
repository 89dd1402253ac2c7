using SamDiffSR.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// A functional re-statement of <see cref="Unet.forward(Tensor, Tensor, Tensor)"/> over the same parameter tensors
/// (shared, not copied: gradients reach the module's parameters), used to measure two restructurings that the module
/// API does not allow:
/// <list type="bullet">
/// <item>the conditioning projection cond_proj(c) (a ConvTranspose2d of the RRDB features, constant over the whole
/// reverse chain) computed once per image instead of once per step (<see cref="ProjectConditioning"/>);</item>
/// <item>libtorch's fused <c>mish</c> kernel instead of x·tanh(softplus(x)) (three kernels and two temporaries).</item>
/// </list>
/// Also Mish(t_emb), which every ResnetBlock's time MLP applies to the same t_emb, is computed once per forward.
/// The numbers equal the module's up to float rounding (tests compare them). Bench-only: adopting a gain in the
/// library means changing <see cref="Unet"/> itself.
/// </summary>
public sealed class FastUnet
{
    private readonly Dictionary<string, Tensor> _p;
    private readonly ModelConfig _config;
    private readonly SinusoidalPosEmb _posEmb;

    /// <summary>Wraps <paramref name="unet"/>'s parameters.</summary>
    /// <param name="unet">The module whose parameters are used (by reference).</param>
    /// <param name="fusedMish">Use the fused <c>mish</c> kernel (otherwise the official x·tanh(softplus(x))).</param>
    public FastUnet(Unet unet, bool fusedMish)
    {
        ArgumentNullException.ThrowIfNull(unet);
        _config = unet.Config;
        FusedMish = fusedMish;
        _p = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in unet.named_parameters()) _p[name] = p;
        _posEmb = new SinusoidalPosEmb(_config.Hidden);
    }

    /// <summary>Whether the fused mish kernel is used.</summary>
    public bool FusedMish { get; }

    /// <summary>The time embedding t_emb = Linear(Mish(Linear(PE(t)))) for (N,) int64 code steps → (N, dim).</summary>
    public Tensor TimeEmbedding(Tensor t)
    {
        using var scope = NewDisposeScope();
        var e = _posEmb.call(t);
        e = F.linear(e, P("mlp.0.weight"), P("mlp.0.bias"));
        e = Mish(e);
        e = F.linear(e, P("mlp.2.weight"), P("mlp.2.bias"));
        return e.MoveToOuterDisposeScope();
    }

    /// <summary>cond_proj(c): (N, C_c, h, w) → (N, dim, sh, sw), ConvTranspose2d(kernel 2s, stride s, padding s/2).</summary>
    public Tensor ProjectConditioning(Tensor cond)
    {
        int s = _config.Scale;
        return F.conv_transpose2d(cond, P("cond_proj.weight"), P("cond_proj.bias"), strides: [s, s], padding: [s / 2, s / 2]);
    }

    /// <summary>ε_θ(x_t, t, c) exactly as <see cref="Unet.forward(Tensor, Tensor, Tensor)"/>.</summary>
    public Tensor Forward(Tensor x, Tensor t, Tensor cond)
    {
        using var scope = NewDisposeScope();
        return Forward(x, TimeEmbedding(t), ProjectConditioning(cond), projected: true).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ε_θ from a precomputed time embedding (<see cref="TimeEmbedding"/>) and projected conditioning
    /// (<see cref="ProjectConditioning"/>).
    /// </summary>
    /// <param name="x">(N, 3 + extra, H, W) x_t.</param>
    /// <param name="timeEmb">(N, dim) t_emb.</param>
    /// <param name="projectedCond">(N, dim, H, W) cond_proj(c).</param>
    /// <param name="projected">Must be true (guards against passing the raw conditioning).</param>
    public Tensor Forward(Tensor x, Tensor timeEmb, Tensor projectedCond, bool projected)
    {
        if (!projected) throw new ArgumentException("pass cond_proj(c) (ProjectConditioning) as projectedCond", nameof(projected));
        using var scope = NewDisposeScope();
        var mt = Mish(timeEmb);                                           // Mish(t_emb), shared by every ResnetBlock's time MLP
        int levels = _config.DimMults.Length;
        var skips = new Stack<Tensor>();
        for (int i = 0; i < levels; i++)
        {
            x = Resnet($"downs.{i}.0.", x, mt);
            x = Resnet($"downs.{i}.1.", x, mt);
            if (i == 0) x = x + projectedCond;                            // conditioning added after level 0
            skips.Push(x);
            if (i < levels - 1) x = Conv3x3Reflect(x, $"downs.{i}.2.conv.1.", stride: 2);   // Downsample
        }
        x = Resnet("mid_block1.", x, mt);
        x = Resnet("mid_block2.", x, mt);
        for (int j = 0; j < levels - 1; j++)
        {
            x = torch.cat([x, skips.Pop()], 1);
            x = Resnet($"ups.{j}.0.", x, mt);
            x = Resnet($"ups.{j}.1.", x, mt);
            x = F.conv_transpose2d(x, P($"ups.{j}.2.conv.0.weight"), P($"ups.{j}.2.conv.0.bias"), strides: [2, 2], padding: [1, 1]);   // Upsample
        }
        x = Mish(Conv3x3Reflect(x, "final_conv.0.block.1.", stride: 1));
        x = F.conv2d(x, P("final_conv.1.weight"), P("final_conv.1.bias"));
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Resnet(string prefix, Tensor x, Tensor mishTimeEmb)
    {
        var h = Mish(Conv3x3Reflect(x, prefix + "block1.block.1.", stride: 1));
        h = h + F.linear(mishTimeEmb, P(prefix + "mlp.1.weight"), P(prefix + "mlp.1.bias")).unsqueeze(-1).unsqueeze(-1);
        h = Mish(Conv3x3Reflect(h, prefix + "block2.block.1.", stride: 1));
        var res = _p.TryGetValue(prefix + "res_conv.weight", out var w) ? F.conv2d(x, w, P(prefix + "res_conv.bias")) : x;
        return h + res;
    }

    private Tensor Conv3x3Reflect(Tensor x, string prefix, long stride) =>
        F.conv2d(F.pad(x, [1, 1, 1, 1], PaddingModes.Reflect), P(prefix + "weight"), P(prefix + "bias"), strides: [stride, stride]);

    private Tensor Mish(Tensor x) => FusedMish ? F.mish(x) : x.mul(F.softplus(x).tanh());

    private Tensor P(string name) => _p.TryGetValue(name, out var t) ? t
        : throw new InvalidOperationException($"U-Net parameter '{name}' not found; FastUnet expects the official module tree.");
}
