using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SamDiffSR.Training;

/// <summary>
/// TorchSharp's <see cref="TorchSharp.Modules.Adam"/> with the same update, operation for operation (bitwise the same weights and the same
/// saved state), but with every number passed to libtorch held in a Scalar that lives until the call returns.
/// TorchSharp 0.107's <c>Adam.step</c> writes <c>exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1)</c> and the like, whose
/// temporary Scalars the finalizer may free during the native call when another thread (the prefetching batch loader)
/// triggers a garbage collection (see <see cref="Runtime.ScalarOps"/>). Options as TorchSharp's Adam; amsgrad, weight
/// decay and maximize are supported as there. The class is named <c>Adam</c> (nested here) because TorchSharp writes the
/// optimizer's type name into <c>optimizer.bin</c> and refuses another name on loading: checkpoints stay interchangeable
/// with TorchSharp's Adam in both directions.
/// </summary>
public static class StableOptimizers
{
    /// <inheritdoc cref="StableOptimizers"/>
    public sealed class Adam : TorchSharp.Modules.Adam
    {
        /// <summary>Adam over <paramref name="parameters"/> with learning rate <paramref name="lr"/> and PyTorch's defaults.</summary>
        public Adam(IEnumerable<Parameter> parameters, double lr) : base(parameters, lr) { }

        /// <inheritdoc />
        public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, weightDecay = options.weight_decay!.Value, eps = options.eps!.Value;
            bool amsgrad = options.amsgrad!.Value, maximize = options.maximize!.Value;
            double lr = options.LearningRate!.Value;
            using Scalar b1 = beta1, oneMinusB1 = 1 - beta1, b2 = beta2, oneMinusB2 = 1 - beta2, epsS = eps, wd = weightDecay;
            foreach (var param in group.Parameters)
            {
                var state = (State)_state[param.Handle];
                var grad = param.grad;
                if (grad is null) continue;
                if (maximize) grad = -grad;
                state.step += 1;
                double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                if (weightDecay != 0) grad = grad.add(param, wd);
                state.exp_avg.mul_(b1).add_(grad, oneMinusB1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad.conj(), oneMinusB2);
                using Scalar sqrtBc2 = Math.Sqrt(biasCorrection2), negStep = -(lr / biasCorrection1);
                Tensor denom;
                if (amsgrad)
                {
                    var t0 = state.max_exp_avg_sq;
                    state.max_exp_avg_sq = maximum(t0, state.exp_avg_sq).DetachFromDisposeScope();
                    t0.Dispose();
                    denom = state.max_exp_avg_sq.sqrt().div(sqrtBc2).add_(epsS);
                }
                else
                    denom = state.exp_avg_sq.sqrt().div(sqrtBc2).add_(epsS);
                param.addcdiv_(state.exp_avg, denom, negStep);
            }
        }, closure);
    }
}
