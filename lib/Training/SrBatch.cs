using static TorchSharp.torch;

namespace SamDiffSR.Training;

/// <summary>A training batch: (B,3,P,P) HR, (B,3,P/s,P/s) LR, (B,3,P,P) LR-up, all in [−1, 1]; (B,1,P,P) SPE or null.</summary>
public sealed class SrBatch(Tensor hr, Tensor lr, Tensor lrUp, Tensor? mask) : IDisposable
{
    public Tensor Hr { get; } = hr;
    public Tensor Lr { get; } = lr;
    public Tensor LrUp { get; } = lrUp;
    public Tensor? Mask { get; } = mask;

    public void Dispose() { Hr.Dispose(); Lr.Dispose(); LrUp.Dispose(); Mask?.Dispose(); }
}
