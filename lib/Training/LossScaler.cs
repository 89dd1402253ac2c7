using TorchSharp;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Training;

/// <summary>
/// Dynamic loss scaling for float16 training (what PyTorch's <c>torch.amp.GradScaler</c> does; TorchSharp 0.107 has
/// none). The loss is multiplied by <see cref="Scale"/> before backward so that small float16 gradients do not
/// underflow; the gradients (float32, the weights stay float32) are divided by it again before clipping and the
/// optimiser step. A step whose gradients contain inf/NaN is skipped and the scale halved; after
/// <see cref="GrowthInterval"/> good steps in a row it doubles. Defaults are GradScaler's (2^16, ×2, ×0.5, 2000).
/// </summary>
public sealed class LossScaler
{
    public LossScaler(double initialScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
    {
        if (initialScale <= 0 || growthFactor <= 1 || backoffFactor is <= 0 or >= 1 || growthInterval < 1)
            throw new ArgumentException("loss scaler: scale > 0, growth > 1, backoff in (0, 1), interval >= 1");
        Scale = initialScale; GrowthFactor = growthFactor; BackoffFactor = backoffFactor; GrowthInterval = growthInterval;
    }

    /// <summary>The current loss scale.</summary>
    public double Scale { get; private set; }

    /// <summary>Good steps since the last change of the scale.</summary>
    public int GoodSteps { get; private set; }

    public double GrowthFactor { get; }
    public double BackoffFactor { get; }
    public int GrowthInterval { get; }

    /// <summary>Steps skipped so far (non-finite gradients).</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>The loss times the scale (call backward on this).</summary>
    public Tensor ScaleLoss(Tensor loss) => loss.Mul(Scale);

    /// <summary>Divides every gradient by the scale in place; returns false if any gradient is inf or NaN.</summary>
    public bool UnscaleAndCheck(IEnumerable<Tensor> parameters)
    {
        bool finite = true;
        using var _ = no_grad();
        foreach (var p in parameters)
        {
            var g = p.grad;   // a handle; the caller's dispose scope releases it
            if (g is null) continue;
            g.DivInPlace(Scale);
            if (finite)
            {
                using var ok = isfinite(g).all();
                finite = ok.item<bool>();
            }
        }
        return finite;
    }

    /// <summary>Updates the scale after a step: halve (and count a skip) if the gradients were not finite, else maybe grow.</summary>
    public void Update(bool finite)
    {
        if (!finite)
        {
            Scale *= BackoffFactor; GoodSteps = 0; SkippedSteps++;
            return;
        }
        if (++GoodSteps >= GrowthInterval) { Scale *= GrowthFactor; GoodSteps = 0; }
    }

    /// <summary>Restores a saved state (checkpoint resume).</summary>
    public void Restore(double scale, int goodSteps, long skipped)
    {
        if (!(scale > 0) || goodSteps < 0) throw new InvalidDataException($"invalid loss-scaler state: scale {scale}, good steps {goodSteps}");
        Scale = scale; GoodSteps = goodSteps; SkippedSteps = skipped;
    }
}
