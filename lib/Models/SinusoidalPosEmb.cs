using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// Sinusoidal timestep embedding (official <c>commons.SinusoidalPosEmb</c>, after Vaswani et al. 2017):
/// with half = dim/2 and f_j = exp(−j·ln(10000)/(half − 1)), j = 0..half−1,
/// emb(t) = [sin(t f_0), …, sin(t f_{half−1}), cos(t f_0), …, cos(t f_{half−1})] (sin block then cos block).
/// t is the raw code timestep index 0..T−1 (not rescaled). Parameter-free.
/// </summary>
public sealed class SinusoidalPosEmb : nn.Module<Tensor, Tensor>
{
    private readonly long _dim;

    /// <summary>Creates the embedding of width <paramref name="dim"/> (even, ≥ 4).</summary>
    public SinusoidalPosEmb(long dim) : base(nameof(SinusoidalPosEmb))
    {
        if (dim < 4 || dim % 2 != 0) throw new ArgumentException($"SinusoidalPosEmb needs an even dim >= 4, got {dim}.", nameof(dim));
        _dim = dim;
    }

    /// <summary>time: (N) integer or float timesteps → (N, dim) float32.</summary>
    public override Tensor forward(Tensor time)
    {
        using var scope = NewDisposeScope();
        long half = _dim / 2;
        // Same float path as the official code: the scale is a Python double, arange is int64, the product float32.
        double step = Math.Log(10000.0) / (half - 1);
        var freqs = torch.arange(half, dtype: ScalarType.Int64, device: time.device).Mul(-step).exp();
        var args = time.to_type(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return torch.cat([args.sin(), args.cos()], 1).MoveToOuterDisposeScope();
    }
}
