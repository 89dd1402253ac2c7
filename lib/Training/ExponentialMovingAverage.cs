using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;
using SamDiffSR.Runtime;

namespace SamDiffSR.Training;

/// <summary>
/// Exponential moving average of a module's parameters (not in the official code, which has no EMA; an option
/// here): shadow ← decay·shadow + (1 − decay)·θ after every optimiser step. <see cref="SwapIn"/> copies the
/// averaged weights into the module for evaluation and returns a handle that restores the live weights.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly List<(string Name, Parameter Live, Tensor Shadow)> _params = new();

    /// <summary>Decay per step, e.g. 0.999.</summary>
    public double Decay { get; }

    public ExponentialMovingAverage(nn.Module module, double decay)
    {
        if (decay is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), "EMA decay must be in (0, 1)");
        Decay = decay;
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
            if (p.requires_grad) _params.Add((name, p, Copy(p)));
    }

    /// <summary>A detached copy outside any dispose scope; the intermediate detach() handle is released.</summary>
    private static Tensor Copy(Tensor t)
    {
        using var d = t.detach();
        return d.clone().DetachFromDisposeScope();
    }

    /// <summary>Shadow tensors by parameter name (for checkpoints).</summary>
    public IEnumerable<(string Name, Tensor Shadow)> Shadows => _params.Select(p => (p.Name, p.Shadow));

    /// <summary>shadow ← decay·shadow + (1 − decay)·θ.</summary>
    public void Update()
    {
        using var _ = no_grad();
        foreach (var (_, live, shadow) in _params) shadow.MulInPlace(Decay).AddScaledInPlace(live, 1 - Decay);
    }

    /// <summary>Loads shadows saved by a checkpoint (names must match).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> shadows)
    {
        using var _ = no_grad();
        foreach (var (name, _, shadow) in _params)
        {
            if (!shadows.TryGetValue(name, out var s)) throw new InvalidDataException($"EMA state lacks parameter '{name}'");
            shadow.copy_(s);
        }
    }

    /// <summary>Copies the averaged weights into the module; dispose the result to restore the live weights.</summary>
    public IDisposable SwapIn()
    {
        using var _ = no_grad();
        var backup = _params.Select(p => Copy(p.Live)).ToList();
        foreach (var (_, live, shadow) in _params) live.copy_(shadow);
        return new Restore(_params, backup);
    }

    private sealed class Restore(List<(string Name, Parameter Live, Tensor Shadow)> ps, List<Tensor> backup) : IDisposable
    {
        public void Dispose()
        {
            using var _ = no_grad();
            for (int i = 0; i < ps.Count; i++) { ps[i].Live.copy_(backup[i]); backup[i].Dispose(); }
        }
    }

    public void Dispose()
    {
        foreach (var p in _params) p.Shadow.Dispose();
        _params.Clear();
    }
}
