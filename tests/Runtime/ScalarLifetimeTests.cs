using SamDiffSR.Models;
using SamDiffSR.Runtime;
using SamDiffSR.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SamDiffSR.Tests.Runtime;

/// <summary>
/// The Scalar-lifetime workarounds (<see cref="ScalarOps"/>, <see cref="Mish"/>, <see cref="StableOptimizers.Adam"/>): each gives
/// bitwise the result of the TorchSharp call it replaces, and a long run of them survives another thread forcing
/// garbage collections (the situation that crashed a training run with "Unknown scalar type").
/// </summary>
public class ScalarLifetimeTests
{
    public ScalarLifetimeTests() => TorchRuntime.Initialize(threads: 1);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void ScalarOps_AreBitwiseTheOperators()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(seed: 3);
        var x = randn([4, 5], generator: g);
        var y = randn([4, 5], generator: g);
        Assert.True(Same(x * 0.2, x.Mul(0.2)));
        Assert.True(Same(x / 1.7, x.Div(1.7)));
        Assert.True(Same(x + 1, x.Add(1)));
        Assert.True(Same(x - 1, x.Sub(1)));
        Assert.True(Same(x + y, x.Plus(y)));
        Assert.True(Same(x.clamp(-0.5, 0.5), x.ClampTo(-0.5, 0.5)));
        Assert.True(Same(x.clone().mul_(0.9).add_(y, alpha: 0.1), x.clone().MulInPlace(0.9).AddScaledInPlace(y, 0.1)));
        Assert.True(Same(x.clone().div_(3.0), x.clone().DivInPlace(3.0)));
        var t = tensor(new long[] { 0, 1, 0, 7 });
        Assert.True(Same(t != 0, t.NotEqual(0)));
        Assert.False(Same(x * 0.2, x.Mul(0.3)));   // the comparison can fail
    }

    [Fact]
    public void Mish_UsesLongLivedScalars_AndMatchesTheComposition()
    {
        Assert.True(Mish.UsesStableSoftplus, "TorchSharp's private softplus(Scalar, Scalar) was not found; Mish falls back to temporary Scalars");
        using var scope = NewDisposeScope();
        var x = randn([3, 8], generator: new Generator(seed: 5)) * 12;   // both sides of the threshold 20 after scaling
        x[0, 0] = tensor(25f);
        using var mish = new Mish();
        Assert.True(Same(x * nn.functional.softplus(x).tanh(), mish.call(x)));
    }

    [Fact]
    public void StableOptimizersAdam_IsBitwiseTorchSharpsAdam_WeightsAndSavedState()
    {
        var (a, b) = (Net(), Net());
        using var opA = optim.Adam(a.parameters(), lr: 1e-2);
        using var opB = new StableOptimizers.Adam(b.parameters(), 1e-2);
        var g = new Generator(seed: 11);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var input = randn([6, 4], generator: g);
            foreach (var (net, op) in new (nn.Module<Tensor, Tensor>, optim.Optimizer)[] { (a, opA), (b, opB) })
            {
                op.zero_grad();
                net.call(input).square().mean().backward();
                op.step();
            }
        }
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) Assert.True(Same(pa, pb));
        byte[] Saved(TorchSharp.Modules.OptimizerHelper op)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) op.save_state_dict(w);
            return ms.ToArray();
        }
        Assert.Equal(Saved(opA), Saved(opB));
        a.Dispose(); b.Dispose();
    }

    private static nn.Module<Tensor, Tensor> Net()
    {
        manual_seed(7);
        return nn.Sequential(nn.Linear(4, 8), new Mish(), nn.Linear(8, 2));
    }

    [Fact]
    public async Task ManyScalarOps_SurviveCollectionsForcedFromAnotherThread()
    {
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            int n = 0;
            while (!stop.IsCancellationRequested)
            {
                _ = new byte[64 * 1024];   // allocate, as the batch loader does, and force collections + finalizers
                if (++n % 8 == 0) { GC.Collect(); GC.WaitForPendingFinalizers(); }
            }
        });
        var x = randn([16, 16], generator: new Generator(seed: 1));
        double sum = 0;
        for (int i = 0; i < 20_000; i++)
        {
            using var scope = NewDisposeScope();
            sum += x.Mul(0.5).Add(1).ClampTo(-1, 1.2).Div(2).Sub(0.25).Plus(x).sum().item<float>();
        }
        stop.Cancel();
        await collector;
        double expected = 20_000 * x.Mul(0.5).Add(1).ClampTo(-1, 1.2).Div(2).Sub(0.25).Plus(x).sum().item<float>();
        Assert.Equal(expected, sum, 1e-6 * Math.Abs(expected) + 1e-6);
    }
}
