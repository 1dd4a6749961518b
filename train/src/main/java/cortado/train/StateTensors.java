package cortado.train;

import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.quant.RawSafetensorsWriter;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An optimizer's float32 state tensors, each named {@code SLOT.PARAM} with PyTorch's state names as slots
 * ({@code exp_avg.h.0.attn.c_attn.weight}, {@code momentum_buffer.lm_head.weight}, ...), created on the parameter's
 * backend outside any step arena (state outlives the step), saved to and restored from an optimizer state file.
 */
final class StateTensors {
    /** The shape of slot {@code slot} of a parameter of shape {@code param}, or null when it has none. */
    @FunctionalInterface
    interface Shapes { int[] of(String slot, String name, int[] param); }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final String[] slots;
    private final Shapes shapes;

    StateTensors(Shapes shapes, String... slots) {
        this.shapes = shapes;
        this.slots = slots.clone();
    }

    /** Slot {@code slot} of parameter {@code name}, or null before its first update. */
    Tensor find(String slot, String name) { return tensors.get(slot + "." + name); }

    /** Slot {@code slot} of parameter {@code name}, created as zeros on first use. */
    Tensor get(String slot, String name, Parameter p) {
        return tensors.computeIfAbsent(slot + "." + name, k -> {
            int[] shape = shapes.of(slot, name, p.shape());
            if (shape == null) throw new IllegalStateException(name + " has no " + slot + " state");
            return StepArena.outside(() -> p.value().backend().zeros(shape));
        });
    }

    /**
     * Replaces the state with {@code values}, keyed {@code SLOT.PARAM} (each its slot's element count); a key that
     * is not a slot of {@code params} is an error naming it.
     */
    void replace(Map<String, float[]> values, Map<String, Parameter> params) {
        Map<String, Tensor> read = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet())
            for (String slot : slots) {
                String key = slot + "." + e.getKey();
                int[] shape = shapes.of(slot, e.getKey(), e.getValue().shape());
                if (shape == null || !values.containsKey(key)) continue;
                cortado.tensor.Backend b = e.getValue().value().backend();
                read.put(key, StepArena.outside(() -> b.fromArray(values.get(key).clone(), shape)));
            }
        for (String key : values.keySet())
            if (!read.containsKey(key)) throw new IllegalArgumentException("state " + key + " matches no slot of a trainable parameter");
        tensors.clear();
        tensors.putAll(read);
    }

    long bytes() {
        long b = 0;
        for (Tensor t : tensors.values()) b += 4 * t.numelLong();
        return b;
    }

    void addTo(RawSafetensorsWriter w) {
        tensors.forEach((n, t) -> w.addF32(n, AdamW8bit.longs(t.shape()), t.toArray()));
    }

    /**
     * Replaces the state with what {@code f} holds for {@code params} (a parameter absent from the file has not been
     * updated yet); any tensor of the file that is not a slot of these parameters is an error naming it.
     */
    void read(OptimizerStateFile f, Map<String, Parameter> params) {
        Map<String, Tensor> read = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet())
            for (String slot : slots) {
                String key = slot + "." + e.getKey();
                int[] shape = shapes.of(slot, e.getKey(), e.getValue().shape());
                if (shape == null || !f.contains(key)) continue;
                cortado.tensor.Backend b = e.getValue().value().backend();
                float[] values = f.floats(key, shape);
                read.put(key, StepArena.outside(() -> b.fromArray(values, shape)));
                known.add(key);
            }
        String extra = f.unexpected(known);
        if (extra != null) throw new CheckpointException(f.path() + ": tensor " + extra + " matches no trainable parameter");
        tensors.clear();
        tensors.putAll(read);
    }
}
