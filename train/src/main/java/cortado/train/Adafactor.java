package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Adafactor (Shazeer &amp; Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"), exactly
 * {@code transformers.optimization.Adafactor}: for a parameter of rank &gt;= 2 the second moment is factored into row
 * and column averages of {@code g^2 + eps1} (memory R + C instead of R x C per matrix), vectors keep a full one; the
 * decay is {@code beta2_t = 1 - t^decay_rate} (-0.8); the update {@code g / sqrt(vhat)} is divided by
 * {@code max(1, rms(update) / clip_threshold)}; the step size is {@code rho_t * max(eps2, rms(p))} with
 * {@code scale_parameter}, where {@code rho_t} is the relative step {@code min(1e-2, 1/sqrt(t))} (with
 * {@code warmup_init} {@code min(1e-6 t, 1/sqrt(t))}) or the learning rate given; an optional first moment
 * ({@code beta1}); decoupled weight decay {@code p -= wd * step_size * p}.
 *
 * <p>With {@code relativeStep} the schedule's learning rate is not used (as transformers refuses an lr then); a
 * parameter group's lr scale still multiplies the relative step. State: {@code exp_avg_sq_row.NAME},
 * {@code exp_avg_sq_col.NAME} (factored) or {@code exp_avg_sq.NAME}, and {@code exp_avg.NAME} with beta1. One step
 * counter for all parameters (transformers keeps one per parameter; they agree whenever every parameter has a gradient
 * at every step, as in {@link Trainer}).
 */
public final class Adafactor extends FloatStateOptimizer {
    static final String ROW = "exp_avg_sq_row", COL = "exp_avg_sq_col", SQ = "exp_avg_sq", EXP_AVG = "exp_avg";

    /**
     * transformers' options.
     *
     * @param beta1 the first moment's decay, or NaN for none (transformers' None)
     */
    public record Config(float eps1, float eps2, float clipThreshold, float decayRate, float beta1,
                         boolean scaleParameter, boolean relativeStep, boolean warmupInit) {
        /** The class's defaults: relative step, scale_parameter, no first moment. */
        public static final Config TRANSFORMERS = new Config(1e-30f, 1e-3f, 1.0f, -0.8f, Float.NaN, true, true, false);
        /**
         * What transformers' Trainer uses for {@code optim="adafactor"}: scale_parameter and relative_step off, so the
         * schedule's learning rate is the step size.
         */
        public static final Config HF_TRAINER = new Config(1e-30f, 1e-3f, 1.0f, -0.8f, Float.NaN, false, false, false);

        public Config {
            if (!(eps1 > 0) || !(eps2 > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps1 + ", " + eps2);
            if (!(clipThreshold > 0)) throw new IllegalArgumentException("clip threshold must be > 0, got " + clipThreshold);
            if (!(decayRate < 0)) throw new IllegalArgumentException("decay rate must be < 0, got " + decayRate);
            if (!Float.isNaN(beta1)) checkUnit("beta1", beta1);
            if (warmupInit && !relativeStep)   // transformers' own check
                throw new IllegalArgumentException("warmup_init requires relative_step");
        }

        public boolean firstMoment() { return !Float.isNaN(beta1); }
    }

    private final Config config;

    public Adafactor(Map<String, Parameter> params, Config config, ParamGroups groups) {
        super(params, groups, new StateTensors(Adafactor::stateShape, ROW, COL, SQ, EXP_AVG));
        this.config = config;
    }

    private static boolean factored(int[] shape) { return shape.length >= 2; }

    /** transformers' shapes: row grad_shape[:-1], column grad_shape[:-2] + grad_shape[-1:]. */
    private static int[] stateShape(String slot, String name, int[] shape) {
        return switch (slot) {
            case ROW -> factored(shape) ? Arrays.copyOf(shape, shape.length - 1) : null;
            case COL -> {
                if (!factored(shape)) yield null;
                int[] c = Arrays.copyOf(shape, shape.length - 1);
                c[c.length - 1] = shape[shape.length - 1];
                yield c;
            }
            case SQ -> factored(shape) ? null : shape;
            default -> shape;   // exp_avg; only created with beta1
        };
    }

    @Override
    public void step(float lr, float gradScale) {
        step++;
        double beta2t = 1.0 - Math.pow(step, config.decayRate());
        forEachGradient("Adafactor", (name, param, p, g) -> {
            Backend be = p.backend();
            long numel = p.numelLong();
            double rms = Math.sqrt(be.sumOfSquares(p) / numel);   // of the parameter before this update
            double stepSize = stepSize(groups.lr(name, lr), groups.lrScale(name), rms);

            Tensor update = p.zerosLike();   // scratch for this step (the step's arena when there is one)
            double sumSq;
            int[] shape = p.shape();
            if (factored(shape)) {
                int rows = shape[shape.length - 2], cols = shape[shape.length - 1];
                int matrices = (int) (numel / ((long) rows * cols));
                Tensor gs = gradScale == 1f ? g : be.scale(g, gradScale);
                Tensor sq = be.addScalar(be.mul(gs, gs), config.eps1()).reshape(matrices, rows, cols);
                Tensor row = state.get(ROW, name, param), col = state.get(COL, name, param);
                movingAverage(be, row, be.scale(be.sum(sq, 2, false), 1f / cols), beta2t);   // update.mean(dim=-1)
                movingAverage(be, col, be.scale(be.sum(sq, 1, false), 1f / rows), beta2t);  // update.mean(dim=-2)
                sumSq = be.adafactorFactoredUpdate(gs, row, col, update, matrices, rows, cols, 1f);
            } else {
                sumSq = be.adafactorUnfactoredUpdate(g, state.get(SQ, name, param), update, (float) beta2t,
                        config.eps1(), gradScale);
            }
            double clip = Math.max(1.0, Math.sqrt(sumSq / numel) / config.clipThreshold());
            be.scaleInPlace(update, (float) (stepSize / clip));
            if (config.firstMoment()) {
                Tensor m = state.get(EXP_AVG, name, param);
                be.scaleInPlace(m, config.beta1());
                be.axpyInPlace(m, 1f - config.beta1(), update);
                update = m;
            }
            float wd = groups.weightDecay(name, shape);
            if (wd != 0) be.scaleInPlace(p, (float) (1.0 - wd * stepSize));
            be.axpyInPlace(p, -1f, update);
        });
    }

    /** transformers' _get_lr: the relative step or the given lr, times max(eps2, rms(p)) with scale_parameter. */
    private double stepSize(float lr, float lrScale, double rms) {
        double rho = lr;
        if (config.relativeStep()) {
            double min = config.warmupInit() ? 1e-6 * step : 1e-2;
            rho = Math.min(min, 1.0 / Math.sqrt(step)) * lrScale;
        }
        return config.scaleParameter() ? Math.max(config.eps2(), rms) * rho : rho;
    }

    /** s = beta2t * s + (1 - beta2t) * mean, in place. */
    private static void movingAverage(Backend be, Tensor s, Tensor mean, double beta2t) {
        be.scaleInPlace(s, (float) beta2t);
        be.axpyInPlace(s, (float) (1.0 - beta2t), mean.reshape(s.shape()));
    }

    public Config config() { return config; }

    @Override
    public String kind() {
        return (config.relativeStep() ? OptimizerKind.ADAFACTOR_RELATIVE : OptimizerKind.ADAFACTOR).cliName();
    }
}
