package cortado.train;

import cortado.nn.Parameter;
import cortado.quant.RawSafetensorsWriter;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What SGD, LAMB, Lion and Adafactor share: the trainable parameters, their {@link ParamGroups}, one step counter
 * and float32 state tensors saved under PyTorch's state names, so {@code --resume} restores them bit for bit.
 */
abstract class FloatStateOptimizer implements Optimizer {
    protected final Map<String, Parameter> params = new LinkedHashMap<>();
    protected final ParamGroups groups;
    protected final StateTensors state;
    protected int step;

    FloatStateOptimizer(Map<String, Parameter> params, ParamGroups groups, StateTensors state) {
        params.forEach((name, p) -> { if (p.trainable()) this.params.put(name, p); });
        this.groups = groups;
        this.state = state;
    }

    @Override public void zeroGrad() { for (Parameter p : params.values()) p.value().setGrad(null); }

    @Override public Map<String, Parameter> parameters() { return Collections.unmodifiableMap(params); }

    @Override public int stepCount() { return step; }

    @Override public long stateBytesResident() { return state.bytes(); }

    @Override public long stateBytesTotal() { return state.bytes(); }

    public ParamGroups groups() { return groups; }

    @Override
    public void saveState(Path file) {
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        state.addTo(w);
        OptimizerStateFile.write(file, w, kind(), step);
    }

    @Override
    public void loadState(Path file) {
        try (OptimizerStateFile f = OptimizerStateFile.open(file, kind())) {
            state.read(f, params);
            step = f.step();
        }
    }

    /** One parameter's in-place update, given its contiguous gradient. */
    @FunctionalInterface
    protected interface ParameterUpdate {
        void apply(String name, Parameter param, Tensor p, Tensor g);
    }

    /** Runs {@code update} on every parameter that has a gradient, in order; updates are in place, so a
     * non-contiguous parameter is refused, naming it and the optimizer. */
    protected final void forEachGradient(String optimizer, ParameterUpdate update) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor p = e.getValue().value();
            Tensor g = p.grad();
            if (g == null) continue;
            if (!p.isContiguous())
                throw new IllegalStateException("parameter " + e.getKey() + " is not contiguous; " + optimizer
                        + " updates in place");
            update.apply(e.getKey(), e.getValue(), p, g.contiguous());
        }
    }

    /** For {@link ElementwiseOptimizer#restoreState}: the state becomes {@code values} ({@code SLOT.NAME}), the step {@code step}. */
    protected final void replaceState(int step, Map<String, float[]> values) {
        if (step < 0) throw new IllegalArgumentException("negative optimizer step " + step);
        state.replace(values, params);
        this.step = step;
    }

    static void checkUnit(String what, double x) {
        if (!(x >= 0 && x < 1)) throw new IllegalArgumentException(what + " must lie in [0, 1), got " + x);
    }
}
