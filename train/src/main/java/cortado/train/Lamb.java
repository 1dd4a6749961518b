package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"), exactly
 * {@code timm.optim.Lamb} (NVIDIA's FusedLAMB behaviour): the gradients are first divided by
 * {@code max(1, global_norm / max_grad_norm)}; Adam moments with bias correction; the update
 * {@code mhat / (sqrt(vhat) + eps) + wd * p} (weight decay inside the update, not decoupled); and, for a parameter with
 * weight decay (or always, with {@code alwaysAdapt}), the layer-wise trust ratio {@code ||p|| / ||update||} (1 when
 * either norm is 0; at most 1 with {@code trustClip}, LAMBC). So under this project's rule biases and norm gains (no
 * decay) take plain Adam steps, as they do in timm with a no-decay group. State: {@code exp_avg.NAME},
 * {@code exp_avg_sq.NAME}.
 */
public final class Lamb extends FloatStateOptimizer {
    static final String EXP_AVG = "exp_avg", EXP_AVG_SQ = "exp_avg_sq";

    /**
     * timm's options.
     *
     * @param maxGradNorm clip the global gradient norm to this before the update; 0 turns it off (timm's None)
     * @param gradAveraging scale the gradient into the first moment by 1 - beta1 (else by 1)
     */
    public record Config(float beta1, float beta2, float eps, boolean biasCorrection, boolean gradAveraging,
                         float maxGradNorm, boolean trustClip, boolean alwaysAdapt) {
        /** timm's defaults: betas (0.9, 0.999), eps 1e-6, bias correction, grad averaging, max_grad_norm 1.0. */
        public static final Config TIMM = new Config(0.9f, 0.999f, 1e-6f, true, true, 1.0f, false, false);

        public Config {
            checkUnit("beta1", beta1);
            checkUnit("beta2", beta2);
            if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
            if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be >= 0, got " + maxGradNorm);
        }
    }

    private final Config config;

    public Lamb(Map<String, Parameter> params, Config config, ParamGroups groups) {
        super(params, groups, new StateTensors((slot, name, shape) -> shape, EXP_AVG, EXP_AVG_SQ));
        this.config = config;
    }

    @Override
    public void step(float lr, float gradScale) {
        step++;
        float clipped = gradScale;
        if (config.maxGradNorm() > 0) {   // timm's _get_clip_grad_norm over every gradient of the step
            double sumSq = 0;
            for (Parameter p : params.values()) {
                Tensor g = p.value().grad();
                if (g != null) sumSq += g.backend().sumOfSquares(g);
            }
            double norm = Math.sqrt(sumSq) * gradScale;
            clipped = (float) (gradScale / Math.max(1.0, norm / config.maxGradNorm()));
        }
        float scale = clipped;
        double bc1 = config.biasCorrection() ? 1 - Math.pow(config.beta1(), step) : 1;
        double bc2 = config.biasCorrection() ? 1 - Math.pow(config.beta2(), step) : 1;
        float beta3 = config.gradAveraging() ? 1f - config.beta1() : 1f;
        forEachGradient("LAMB", (name, param, p, g) -> {
            Backend be = p.backend();
            float wd = groups.weightDecay(name, p.shape());
            Tensor update = p.zerosLike();   // scratch for this step (the step's arena when there is one)
            be.lambUpdate(p, g, state.get(EXP_AVG, name, param),
                    state.get(EXP_AVG_SQ, name, param), update, config.beta1(), beta3, config.beta2(),
                    config.eps(), wd, bc1, bc2, scale);
            double trust = 1;
            if (wd != 0 || config.alwaysAdapt()) {
                double wNorm = Math.sqrt(be.sumOfSquares(p)), uNorm = Math.sqrt(be.sumOfSquares(update));
                if (wNorm > 0 && uNorm > 0) trust = wNorm / uNorm;
                if (config.trustClip()) trust = Math.min(trust, 1.0);
            }
            be.axpyInPlace(p, (float) (-groups.lr(name, lr) * trust), update);
        });
    }

    @Override public String kind() { return OptimizerKind.LAMB.cliName(); }
}
