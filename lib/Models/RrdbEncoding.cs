using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// Output of <see cref="RRDBNet.Encode"/>: the RRDB super-resolved image and the LR-resolution feature maps that
/// condition the U-Net (official <c>RRDBNet.forward(x, get_fea=True)</c> → <c>(out, feas)</c>).
/// </summary>
/// <param name="Output">RRDB SR image, (N, 3, sH, sW) float32 in [−1, 1].</param>
/// <param name="Features">
/// nb + 1 maps of shape (N, nf, H, W): the output of each RRDB block in order, then the fused trunk
/// conv_first(x) + trunk_conv(last block output).
/// </param>
public sealed record RrdbEncoding(Tensor Output, IReadOnlyList<Tensor> Features) : IDisposable
{
    /// <summary>Disposes the output and every feature map.</summary>
    public void Dispose()
    {
        Output.Dispose();
        foreach (var f in Features) f.Dispose();
    }
}
