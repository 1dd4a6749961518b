package cortado.peft.bottleneck;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.bottleneck.BottleneckConfig.ResidualPoint;
import cortado.tensor.Tensor;

/**
 * One bottleneck adapter, adapter-hub's {@code Adapter} / {@code ParallelAdapter} (methods/modeling.py), children
 * under its names: {@code adapter_down.0} (hidden -> bottleneck), {@code adapter_up} (bottleneck -> hidden),
 * {@code dropout}. Its three steps are adapter-hub's {@code pre_forward}, {@code forward} and {@code post_forward}:
 * where the residual and the base's LayerNorm go around {@code up(act(down(x))) * scaling}.
 */
public final class BottleneckAdapter extends Module {
    private final BottleneckConfig config;

    /** {@code nn.Sequential(projection, activation)}: only the projection has parameters, as {@code adapter_down.0}. */
    static final class Down extends Module {
        Down(Module projection) { child("0", projection); }

        Module projection() { return childAt("0"); }
    }

    /** What flows between the steps: the adapter's input and the residual added around it. */
    record State(Tensor hidden, Tensor residual) {}

    /**
     * @param rule the adapter's shared PHM rule (Compacter) from its first place, or null (none yet, or no PHM)
     */
    BottleneckAdapter(int hidden, BottleneckConfig config, Parameter rule, long seed, long stream) {
        this.config = config;
        int width = config.bottleneck(hidden);
        BottleneckConfig.Phm phm = config.phm();
        if (phm != null) {
            // PHMLayers: adapter-hub's init_bert_weights touches only nn.Linear, so they keep their own init
            PhmLayer down = new PhmLayer(hidden, width, phm.dim(), phm.rank(), rule, phm.initRange(), seed, stream);
            child("adapter_down", new Down(down));
            child("adapter_up", new PhmLayer(width, hidden, phm.dim(), phm.rank(), down.rule(), 0, seed, stream + 3));
        } else {
            Linear down = new Linear(hidden, width, true), up = new Linear(width, hidden, true);
            child("adapter_down", new Down(down));
            child("adapter_up", up);
            Init.constant(down.bias().value(), 0f);
            Init.constant(up.bias().value(), 0f);
            if (config.initWeights().equals("mam_adapter")) {
                // kaiming_uniform_(a=sqrt(5)): bound gain * sqrt(3 / fan_in) with gain sqrt(2 / (1 + 5)) = 1 / sqrt(fan_in)
                Init.uniform(down.weight().value(), (float) (1 / Math.sqrt(hidden)), seed, stream);
                Init.constant(up.weight().value(), 0f);
            } else {
                // init_bert_weights: N(0, 0.02) on both weights, so a fresh adapter is near the identity
                Init.normal(down.weight().value(), 0.02f, seed, stream);
                Init.normal(up.weight().value(), 0.02f, seed, stream + 1);
            }
        }
        child("dropout", new Dropout((float) config.dropout()));
    }

    /** The down projection ({@code adapter_down.0}: a Linear, or a PhmLayer for Compacter). */
    public Module down() { return this.<Down>childAt("adapter_down").projection(); }

    /** The up projection ({@code adapter_up}). */
    public Module up() { return childAt("adapter_up"); }

    /** The shared PHM rule, or null without PHM projections. */
    Parameter phmRule() { return down() instanceof PhmLayer p ? p.rule() : null; }

    /**
     * {@code pre_forward}: the adapter's input and residual from the sublayer output {@code h}, the residual stream
     * {@code input} and the base's LayerNorm {@code norm} (null in a pre-norm block). A parallel adapter reads the
     * residual stream itself.
     */
    State pre(Tensor h, Tensor input, Layer norm) {
        if (config.isParallel()) return new State(input, input);
        Tensor residual = config.residualBeforeLn() == ResidualPoint.BEFORE_LN ? h : null;
        if (config.originalLnBefore()) {
            h = F.add(h, input);
            if (norm != null) {
                if (config.residualBeforeLn() == ResidualPoint.POST_ADD) residual = h;
                h = norm.forward(h);
            }
        }
        if (config.residualBeforeLn() == ResidualPoint.AFTER_LN) residual = h;
        if (residual == null)
            throw new IllegalStateException("residual_before_ln \"post_add\" needs original_ln_before and a post-norm"
                    + " (LayerNorm after the residual) model");
        return new State(h, residual);
    }

    /** {@code up(act(down(x))) * scaling}: what AdapterFusion attends over (adapter-hub's {@code bottleneck_up}). */
    Tensor up(State s) {
        Layer down = (Layer) down(), up = (Layer) up();
        Tensor out = up.forward(config.nonLinearity().apply(down.forward(s.hidden())));
        return config.scaling() != 1.0 ? F.scale(out, (float) config.scaling()) : out;
    }

    /** {@code forward}: {@code dropout(up(act(down(x))) * scaling)}, plus the residual for a sequential adapter. */
    Tensor forward(State s) {
        Layer dropout = childAt("dropout");
        Tensor out = dropout.forward(up(s));
        return config.isParallel() ? out : F.add(out, s.residual());
    }

    /**
     * The fusion query ({@code pre_forward} with a fusion config): the sublayer output {@code h} itself
     * (query_before_ln) or the adapter's input {@code s}; a parallel adapter's is the residual stream.
     */
    Tensor query(Tensor h, Tensor input, State s, boolean beforeLn) {
        if (config.isParallel()) return input;
        return beforeLn ? h : s.hidden();
    }

    /**
     * {@code post_forward}: a parallel adapter's output is added to the sublayer's {@code h}; then the residual
     * stream {@code input} (and the LayerNorm) when original_ln_after.
     */
    Tensor post(Tensor out, Tensor h, Tensor input, Layer norm) {
        if (config.isParallel()) out = F.add(out, h);
        if (!config.originalLnAfter()) return out;
        Tensor sum = F.add(out, input);
        return norm == null ? sum : norm.forward(sum);
    }
}
