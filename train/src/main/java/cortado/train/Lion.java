package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as
 * {@code timm.optim.Lion} (the paper's Algorithm 2 with timm's defaults betas (0.9, 0.99)): decoupled decay
 * {@code p *= 1 - lr * wd}, the update {@code -lr * sign(b1 m + (1 - b1) g)}, then {@code m = b2 m + (1 - b2) g}.
 * Every update has magnitude lr per element, so Lion wants a learning rate 3-10x below AdamW's (the paper). State:
 * {@code exp_avg.NAME}, one tensor per parameter (half AdamW's). One fused kernel, {@link cortado.tensor.Backend#lionInPlace}.
 */
public final class Lion extends FloatStateOptimizer implements ElementwiseOptimizer {
    static final String EXP_AVG = "exp_avg";

    /** timm's betas. */
    public record Config(float beta1, float beta2) {
        public static final Config TIMM = new Config(0.9f, 0.99f);

        public Config {
            checkUnit("beta1", beta1);
            checkUnit("beta2", beta2);
        }
    }

    private final Config config;

    public Lion(Map<String, Parameter> params, Config config, ParamGroups groups) {
        super(params, groups, new StateTensors((slot, name, shape) -> shape, EXP_AVG));
        this.config = config;
    }

    @Override
    public void step(float lr, float gradScale) {
        step++;
        forEachGradient("Lion", (name, param, p, g) -> {
            p.backend().lionInPlace(p, g, state.get(EXP_AVG, name, param), groups.lr(name, lr),
                    config.beta1(), config.beta2(), groups.weightDecay(name, p.shape()), gradScale);
        });
    }

    @Override public String kind() { return OptimizerKind.LION.cliName(); }

    @Override public java.util.List<String> stateSlots() { return java.util.List.of(EXP_AVG); }

    @Override public Tensor state(String slot, String name) { return state.find(slot, name); }

    @Override public void restoreState(int step, Map<String, float[]> values) { replaceState(step, values); }
}
