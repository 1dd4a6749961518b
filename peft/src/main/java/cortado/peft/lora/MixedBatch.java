package cortado.peft.lora;

import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PEFT's mixed-batch inference ({@code model.generate(..., adapter_names=[...])}, {@code _mixed_batch_forward}): in
 * one forward pass each token row uses its own LoRA adapter, or none ({@code null}, PEFT's {@code "__base__"}), so
 * requests for different adapters share one batch step: the base product runs once for all rows and each adapter's
 * term is added to its own rows only. One instance is shared by every {@link LoraLayer} of a model
 * ({@code PeftModel.mixedBatch()}); whoever runs the forward sets the rows first and clears them after. Not for
 * training (no dropout is applied) and not with DoRA.
 */
public final class MixedBatch {
    private String[] adapterOfRow;   // null: mixed batching is off, every layer uses its active adapters
    private List<String> adapters = List.of();
    // One mask per adapter and input shape for the whole forward pass, not one per projection.
    private final Map<String, Tensor> masks = new HashMap<>();

    /** Routes the next forward passes: row i of every projection's input uses adapter {@code adapterOfRow[i]}. */
    public void set(String[] adapterOfRow) {
        this.adapterOfRow = adapterOfRow.clone();
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String a : adapterOfRow) if (a != null) names.add(a);
        adapters = List.copyOf(names);
        masks.clear();
    }

    /** Back to the active adapters for every row. */
    public void clear() {
        adapterOfRow = null;
        adapters = List.of();
        masks.clear();
    }

    boolean on() { return adapterOfRow != null; }

    /** The distinct adapters the rows use, in order of first use (the base's null excluded). */
    List<String> adapters() { return adapters; }

    /**
     * A [rows..., 1] mask over {@code x}'s rows: 1 where the row uses {@code adapter}, else 0. Made outside any arena:
     * every layer reads it, and a layer's arena of its own ({@code DecoderLayer.stack}) would give it back.
     */
    Tensor mask(Tensor x, String adapter) {
        return masks.computeIfAbsent(adapter + Arrays.toString(x.shape()),
                k -> StepArena.outside(() -> newMask(x, adapter)));
    }

    private Tensor newMask(Tensor x, String adapter) {
        int[] shape = x.shape();
        int rows = x.numel() / shape[shape.length - 1];
        if (rows != adapterOfRow.length)
            throw new IllegalStateException("mixed batch routes " + adapterOfRow.length + " rows, but a projection's input"
                    + " has " + rows);
        float[] m = new float[rows];
        for (int i = 0; i < rows; i++) m[i] = Objects.equals(adapterOfRow[i], adapter) ? 1f : 0f;
        int[] maskShape = Arrays.copyOf(shape, shape.length);
        maskShape[shape.length - 1] = 1;
        return x.backend().fromArray(m, maskShape);
    }
}
