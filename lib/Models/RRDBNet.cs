using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SamDiffSR.Runtime;

namespace SamDiffSR.Models;

/// <summary>
/// The RRDB low-resolution encoder D of SRDiff / SAM-DiffSR (ESRGAN's RRDBNet; official
/// <c>diffsr_modules.RRDBNet</c>, docs/official-code.md §RRDB encoder). Input: LR image in [−1, 1], mapped to [0, 1] by (x+1)/2;
/// conv_first 3×3 3→nf; nb RRDB blocks; trunk_conv; fused = conv_first output + trunk_conv output; then log2(s)
/// stages of [nearest ×2 → 3×3 conv → LeakyReLU(0.2)], HRconv, LeakyReLU, conv_last 3×3 nf→3, clamp to [0, 1], mapped
/// back to [−1, 1]. The nb block outputs plus the fused tensor are the conditioning features.
/// </summary>
/// <remarks>
/// Official deviation kept out: the official constructor always builds <c>upconv1</c> and <c>upconv2</c> (and
/// upsamples ×4) unless the scale is 8; here a ×2 model has only <c>upconv1</c>, so its SR output has the right size.
/// The ×4 and ×8 layouts equal the official ones key for key.
/// </remarks>
public sealed class RRDBNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // official attribute names (state-dict keys); declared in the official order
    private readonly Conv2d conv_first;
    private readonly Sequential RRDB_trunk;
    private readonly Conv2d trunk_conv;
    private readonly Conv2d upconv1;
    private readonly Conv2d? upconv2;
    private readonly Conv2d? upconv3;
    private readonly Conv2d HRconv;
    private readonly Conv2d conv_last;
    private readonly StableLeakyReLU lrelu;
#pragma warning restore IDE1006

    /// <summary>Number of RRDB blocks nb.</summary>
    public int NumBlocks { get; }

    /// <summary>Feature width nf (channels of every conditioning feature).</summary>
    public int NumFeatures { get; }

    /// <summary>Super-resolution factor s of the RRDB output.</summary>
    public int Scale { get; }

    /// <summary>Builds the encoder from a config (uses rrdb_num_block, rrdb_num_feat, gc = nf/2 and sr_scale).</summary>
    public RRDBNet(ModelConfig config) : this(config.Validate().RrdbNumFeat, config.RrdbNumBlock, config.RrdbGrowth, config.Scale) { }

    /// <summary>Builds the encoder (official <c>RRDBNet(3, 3, nf, nb, gc)</c>).</summary>
    /// <param name="nf">Feature width.</param>
    /// <param name="nb">Number of RRDB blocks (≥ 1).</param>
    /// <param name="gc">Growth channels of each dense block.</param>
    /// <param name="scale">2, 4 or 8.</param>
    public RRDBNet(int nf, int nb, int gc, int scale) : base(nameof(RRDBNet))
    {
        if (nb < 1) throw new ArgumentException($"RRDBNet needs at least one block, got {nb}.", nameof(nb));
        if (scale is not (2 or 4 or 8)) throw new ArgumentException($"RRDBNet scale must be 2, 4 or 8, got {scale}.", nameof(scale));
        NumBlocks = nb; NumFeatures = nf; Scale = scale;
        // Construction order = official order, so that torch.manual_seed gives PyTorch's default init.
        conv_first = nn.Conv2d(3, nf, 3, padding: 1);
        var blocks = new nn.Module<Tensor, Tensor>[nb];
        for (int i = 0; i < nb; i++) blocks[i] = new RRDB(nf, gc);
        RRDB_trunk = nn.Sequential(blocks);
        trunk_conv = nn.Conv2d(nf, nf, 3, padding: 1);
        upconv1 = nn.Conv2d(nf, nf, 3, padding: 1);
        if (scale >= 4) upconv2 = nn.Conv2d(nf, nf, 3, padding: 1);
        if (scale == 8) upconv3 = nn.Conv2d(nf, nf, 3, padding: 1);
        HRconv = nn.Conv2d(nf, nf, 3, padding: 1);
        conv_last = nn.Conv2d(nf, 3, 3, padding: 1);
        lrelu = new StableLeakyReLU(0.2);
        RegisterComponents();
    }

    /// <summary>LR (N, 3, H, W) in [−1, 1] → SR (N, 3, sH, sW) in [−1, 1] (stage-1 RRDB output).</summary>
    public override Tensor forward(Tensor lr)
    {
        var enc = Encode(lr);
        foreach (var f in enc.Features) f.Dispose();
        return enc.Output;
    }

    /// <summary>
    /// Runs the encoder and returns the SR output and the nb + 1 conditioning features
    /// (official <c>forward(x, get_fea=True)</c>).
    /// </summary>
    /// <param name="lr">(N, 3, H, W) float32 in [−1, 1].</param>
    public RrdbEncoding Encode(Tensor lr)
    {
        using var scope = NewDisposeScope();
        var feas = Trunk(lr);
        var fea = feas[^1];
        fea = lrelu.call(upconv1.call(Up2(fea)));
        if (upconv2 is not null) fea = lrelu.call(upconv2.call(Up2(fea)));
        if (upconv3 is not null) fea = lrelu.call(upconv3.call(Up2(fea)));
        var feaHr = HRconv.call(fea);
        var o = conv_last.call(lrelu.call(feaHr)).ClampTo(0, 1).Mul(2).Sub(1);
        foreach (var f in feas) f.MoveToOuterDisposeScope();
        return new RrdbEncoding(o.MoveToOuterDisposeScope(), feas);
    }

    /// <summary>
    /// Only the nb + 1 conditioning features (the trunk), without the upsampling branch, which the diffusion stage
    /// does not use: same values as <see cref="Encode"/>'s features at a fraction of the cost.
    /// </summary>
    /// <param name="lr">(N, 3, H, W) float32 in [−1, 1].</param>
    /// <returns>nb + 1 tensors (N, nf, H, W); the caller owns them.</returns>
    public IReadOnlyList<Tensor> Features(Tensor lr)
    {
        using var scope = NewDisposeScope();
        var feas = Trunk(lr);
        foreach (var f in feas) f.MoveToOuterDisposeScope();
        return feas;
    }

    private List<Tensor> Trunk(Tensor lr)
    {
        var feas = new List<Tensor>(NumBlocks + 1);
        var x = lr.Add(1).Div(2);
        var feaFirst = conv_first.call(x);
        var fea = feaFirst;
        foreach (var block in RRDB_trunk.children())
        {
            fea = ((nn.Module<Tensor, Tensor>)block).call(fea);
            feas.Add(fea);
        }
        feas.Add(feaFirst.Plus(trunk_conv.call(fea)));
        return feas;
    }

    private static Tensor Up2(Tensor x) =>
        nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
}
