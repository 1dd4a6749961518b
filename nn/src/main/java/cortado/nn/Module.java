package cortado.nn;

import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node of the model tree: named parameters and named children, in registration order, so that the dotted names
 * ({@code transformer.h.0.attn.c_attn.weight}) are exactly Hugging Face's. A child can be replaced by name, which is
 * how PEFT wraps a layer without the model knowing.
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private boolean checkpointActivations;

    /** Registers a parameter under {@code name} and returns it. */
    protected final Parameter param(String name, Tensor init) {
        if (params.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("name '" + name + "' registered twice in " + getClass().getSimpleName());
        Parameter p = new Parameter(init);
        params.put(name, p);
        return p;
    }

    /** Removes the parameter registered under {@code name} (a layer whose weight became a frozen kernel format). */
    protected final void removeParam(String name) {
        if (params.remove(name) == null)
            throw new IllegalArgumentException("no parameter '" + name + "' in " + getClass().getSimpleName());
    }

    /** Registers a child module under {@code name} and returns it. */
    protected final <M extends Module> M child(String name, M module) {
        if (params.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("name '" + name + "' registered twice in " + getClass().getSimpleName());
        children.put(name, module);
        return module;
    }

    /** Removes the child registered under {@code name} (PEFT's delete_adapter drops an adapter's modules). */
    protected final void removeChild(String name) {
        if (children.remove(name) == null)
            throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
    }

    /** The direct children, by name. */
    public final Map<String, Module> children() { return java.util.Collections.unmodifiableMap(children); }

    /** This module's own parameters (not its children's), by name. */
    public final Map<String, Parameter> ownParameters() { return java.util.Collections.unmodifiableMap(params); }

    /** Every parameter of the tree, keyed by dotted path, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        params.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    /** Every module of the tree keyed by dotted path ("" for this one). */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String path, Map<String, Module> out) {
        out.put(path, this);
        children.forEach((n, c) -> c.collectModules(path.isEmpty() ? n : path + "." + n, out));
    }

    /** The module at a dotted path, e.g. {@code transformer.h.0.attn}. */
    public final Module get(String path) {
        Module m = this;
        if (path.isEmpty()) return m;
        for (String part : path.split("\\.")) {
            Module next = m.children.get(part);
            if (next == null) throw new IllegalArgumentException("no module '" + path + "' (missing '" + part + "')");
            m = next;
        }
        return m;
    }

    /**
     * Replaces the child at a dotted path and returns the old one. Layers look their children up through fields set at
     * construction, so a module whose children can be replaced reads them with {@link #childAt} at forward time.
     */
    public final Module replace(String path, Module replacement) {
        int dot = path.lastIndexOf('.');
        Module parent = dot < 0 ? this : get(path.substring(0, dot));
        String name = dot < 0 ? path : path.substring(dot + 1);
        if (!parent.children.containsKey(name)) throw new IllegalArgumentException("no module '" + path + "'");
        return parent.children.put(name, replacement);
    }

    /** The current child registered under {@code name} (after any replacement). */
    @SuppressWarnings("unchecked")
    protected final <M extends Module> M childAt(String name) {
        Module m = children.get(name);
        if (m == null) throw new IllegalStateException("no child '" + name + "' in " + getClass().getSimpleName());
        return (M) m;
    }

    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    public boolean isTraining() { return training; }

    /** Whether blocks under this module recompute their activations during backward ({@link #checkpointActivations}). */
    public boolean checkpointsActivations() { return checkpointActivations; }

    /**
     * Turns activation checkpointing on or off for the whole tree: each {@link Block} then keeps only its input during
     * the forward pass and runs again during backward ({@code F.checkpoint}), the same gradients for less memory.
     */
    public final void checkpointActivations(boolean on) {
        checkpointActivations = on;
        children.values().forEach(c -> c.checkpointActivations(on));
    }

    /** Switches training mode (dropout) for the whole tree, torch's {@code module.train(mode)}. */
    public final void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    /** Training mode for the whole tree: dropout drops. */
    public final void train() { train(true); }

    /** Eval mode for the whole tree: dropout is the identity (what generation and evaluation run in). */
    public final void eval() { train(false); }

    /**
     * Seeds every {@link Dropout} of the tree: each gets {@code seed}, a site from its dotted path (so layers draw
     * independent masks, and the same ones in every process), and step 0.
     */
    public final void seedDropout(long seed) {
        namedModules().forEach((path, m) -> {
            if (m instanceof Dropout d) d.seed(seed, Dropout.site(path));
        });
    }

    /** Sets every {@link Dropout} of the tree to draw its next mask for {@code step} (a trainer's micro-step). */
    public final void dropoutStep(long step) {
        for (Module m : namedModules().values()) if (m instanceof Dropout d) d.setStep(step);
    }
}
