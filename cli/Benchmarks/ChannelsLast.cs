using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Cli.Benchmarks;

/// <summary>
/// Channels-last (NHWC-strided) storage for 4-D tensors and module weights. TorchSharp 0.107 declares
/// <see cref="memory_format"/> but exposes no <c>contiguous(memory_format)</c> or <c>Module.to(memory_format)</c>, so
/// the layout is produced by <c>permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)</c> (same shape, NHWC strides:
/// what PyTorch's <c>contiguous(memory_format=torch.channels_last)</c> gives) and installed into parameters with
/// <c>Tensor.set_</c>. libtorch's convolutions then pick their channels-last (oneDNN NHWC) kernels and propagate the
/// layout to their outputs.
/// </summary>
public static class ChannelsLast
{
    /// <summary>A channels-last copy of a 4-D tensor (other ranks are returned as an alias).</summary>
    public static Tensor Convert(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 4) return t.alias();
        using var scope = NewDisposeScope();
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when a 4-D tensor (N, C, H, W) is dense in NHWC order (C moves fastest), ignoring the strides of size-1
    /// dimensions as PyTorch's <c>is_contiguous(memory_format=torch.channels_last)</c> does (so a 1×1 kernel is both).
    /// </summary>
    public static bool IsChannelsLast(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 4) return false;
        var s = t.stride();
        var n = t.shape;
        long expected = 1;
        foreach (int d in new[] { 1, 3, 2, 0 })          // C, W, H, N from fastest to slowest
        {
            if (n[d] != 1 && s[d] != expected) return false;
            expected *= n[d];
        }
        return true;
    }

    /// <summary>Re-lays every 4-D parameter and buffer of <paramref name="module"/> out in channels-last strides, in place
    /// (values unchanged; returns the number of tensors converted).</summary>
    public static int ConvertModule(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        int n = 0;
        using var grad = no_grad();
        foreach (var (_, p) in module.named_parameters())
        {
            if (p.dim() != 4 || IsChannelsLast(p)) continue;
            using var scope = NewDisposeScope();
            p.set_(Convert(p));
            n++;
        }
        foreach (var (_, b) in module.named_buffers())
        {
            if (b.dim() != 4 || IsChannelsLast(b)) continue;
            using var scope = NewDisposeScope();
            b.set_(Convert(b));
            n++;
        }
        return n;
    }
}
