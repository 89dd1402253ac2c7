namespace SamDiffSR.Data;

/// <summary>Value range of an image tensor.</summary>
public enum TensorRange
{
    /// <summary>[0, 1]: v / 255 (torchvision <c>ToTensor</c>).</summary>
    ZeroToOne,

    /// <summary>[−1, 1]: v / 255 · 2 − 1 (<c>ToTensor</c> then <c>Normalize(0.5, 0.5)</c>, the SRDiff/SAM-DiffSR input range).</summary>
    MinusOneToOne,
}
