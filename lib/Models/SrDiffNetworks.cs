using TorchSharp;
using static TorchSharp.torch;

namespace SamDiffSR.Models;

/// <summary>
/// The two networks of SRDiff / SAM-DiffSR under the official attribute names of <c>GaussianDiffusion</c>:
/// <c>denoise_fn</c> (the <see cref="Unet"/> ε_θ) and <c>rrdb</c> (the <see cref="RRDBNet"/> LR encoder, absent when
/// use_rrdb is false). Its state dict is the official GaussianDiffusion state dict minus the 12 schedule buffers,
/// which belong to the diffusion process, not to the networks.
/// </summary>
/// <remarks>
/// Construction order is the official one (U-Net, then RRDB; inside each, the official module order), so after
/// <c>torch.manual_seed(k)</c> the initial weights equal those PyTorch's default initialisation gives for the same seed.
/// </remarks>
public sealed class SrDiffNetworks : nn.Module
{
#pragma warning disable IDE1006 // official attribute names
    private readonly Unet denoise_fn;
    private readonly RRDBNet? rrdb;
#pragma warning restore IDE1006

    /// <summary>The sizes the networks were built with.</summary>
    public ModelConfig Config { get; }

    /// <summary>The noise-prediction U-Net ε_θ (official <c>denoise_fn</c>).</summary>
    public Unet Denoiser => denoise_fn;

    /// <summary>The RRDB LR encoder (official <c>rrdb</c>), or null when the config has use_rrdb = false.</summary>
    public RRDBNet? Rrdb => rrdb;

    /// <summary>Builds both networks with PyTorch-default initial weights drawn from torch's global generator.</summary>
    public SrDiffNetworks(ModelConfig config) : base(nameof(SrDiffNetworks))
    {
        Config = config.Validate();
        denoise_fn = new Unet(config);
        rrdb = config.UseRrdb ? new RRDBNet(config) : null;
        RegisterComponents();
    }

    /// <summary>
    /// The U-Net's conditioning tensor for an LR batch: cat(RRDB features[2::3]) when the RRDB is used (run it under
    /// no_grad and in eval mode when it is frozen), else the LR image itself.
    /// </summary>
    /// <param name="lr">(N, 3, h, w) float32 in [−1, 1].</param>
    /// <returns>(N, C_c, h, w) float32.</returns>
    public Tensor Conditioning(Tensor lr)
    {
        if (rrdb is null) return lr.alias();
        using var scope = NewDisposeScope();
        var feas = rrdb.Features(lr);
        return Unet.SelectConditioning(feas).MoveToOuterDisposeScope();
    }

    /// <summary>Parameter counts of the two networks.</summary>
    public ParameterCounts CountParameters() => ParameterCounts.Of(denoise_fn, rrdb);
}
