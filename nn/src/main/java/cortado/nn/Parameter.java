package cortado.nn;

import cortado.tensor.Tensor;

/**
 * A named slot in a {@link Module} that holds a trainable tensor. The slot, not the tensor, is what a module owns, so
 * loading a checkpoint or quantizing a layer can swap the tensor in place. Frozen parameters (PEFT base weights) keep
 * {@code requiresGrad} off.
 */
public final class Parameter {
    private Tensor value;

    public Parameter(Tensor value) {
        this.value = value;
        value.requiresGrad(true);
    }

    /** The tensor the layer computes with. */
    public Tensor value() { return value; }

    /** Replaces the tensor; the new one must have the same shape. Keeps the requires-grad flag. */
    public void set(Tensor t) {
        if (!t.sameShape(value))
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(t.shape()) + " does not match "
                    + java.util.Arrays.toString(value.shape()));
        boolean rg = value.requiresGrad();
        value = t;
        t.requiresGrad(rg);
    }

    public boolean trainable() { return value.requiresGrad(); }

    public void setTrainable(boolean on) { value.requiresGrad(on); }

    public int[] shape() { return value.shape(); }

    public int numel() { return value.numel(); }
}
