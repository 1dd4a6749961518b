package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, exactly {@code torch.optim.SGD}: L2 weight decay added to the gradient
 * ({@code g + wd * p}, not decoupled), a momentum buffer that starts as the first gradient and then follows
 * {@code b = momentum * b + (1 - dampening) * g}, and Nesterov's look-ahead {@code g + momentum * b} (Sutskever et al.
 * 2013) when asked. State: {@code momentum_buffer.NAME} (none with momentum 0). One fused kernel per parameter,
 * {@link cortado.tensor.Backend#sgdInPlace}.
 */
public final class Sgd extends FloatStateOptimizer implements ElementwiseOptimizer {
    static final String BUFFER = "momentum_buffer";

    /** torch.optim.SGD's momentum, dampening and nesterov. */
    public record Config(float momentum, float dampening, boolean nesterov) {
        /** The momentum {@code sgd} and {@code sgd-nesterov} use on the command line. */
        public static final float CLI_MOMENTUM = 0.9f;

        public Config {
            if (!(momentum >= 0) || !Float.isFinite(momentum))
                throw new IllegalArgumentException("momentum must be finite and >= 0, got " + momentum);
            if (!(dampening >= 0) || !Float.isFinite(dampening))
                throw new IllegalArgumentException("dampening must be finite and >= 0, got " + dampening);
            if (nesterov && (momentum <= 0 || dampening != 0))   // torch's own condition
                throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
    }

    private final Config config;

    public Sgd(Map<String, Parameter> params, Config config, ParamGroups groups) {
        super(params, groups, new StateTensors((slot, name, shape) -> config.momentum() != 0 ? shape : null, BUFFER));
        this.config = config;
    }

    @Override
    public void step(float lr, float gradScale) {
        step++;
        forEachGradient("SGD", (name, param, p, g) -> {
            Tensor buf = null;
            boolean first = false;
            if (config.momentum() != 0) {
                first = state.find(BUFFER, name) == null;
                buf = state.get(BUFFER, name, param);
            }
            p.backend().sgdInPlace(p, g, buf, groups.lr(name, lr), config.momentum(), config.dampening(),
                    groups.weightDecay(name, p.shape()), config.nesterov(), first, gradScale);
        });
    }

    public Config config() { return config; }

    @Override
    public java.util.List<String> stateSlots() { return config.momentum() != 0 ? java.util.List.of(BUFFER) : java.util.List.of(); }

    @Override public Tensor state(String slot, String name) { return state.find(slot, name); }

    @Override public void restoreState(int step, Map<String, float[]> values) { replaceState(step, values); }

    @Override
    public String kind() { return (config.nesterov() ? OptimizerKind.SGD_NESTEROV : OptimizerKind.SGD).cliName(); }
}
