package cortado.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * The steps of every {@link Dropout} under a module, saved before a checkpointed forward and restored before its
 * recomputation during backward, so the recomputed pass draws the masks the first one drew (what
 * torch.utils.checkpoint's preserve_rng_state does with the global generator).
 */
public final class DropoutState {
    private final List<Dropout> layers;
    private final long[] steps;

    private DropoutState(List<Dropout> layers) {
        this.layers = layers;
        this.steps = new long[layers.size()];
        for (int i = 0; i < steps.length; i++) steps[i] = layers.get(i).step();
    }

    /** The current steps of the dropouts under {@code root} (none: nothing to restore). */
    public static DropoutState of(Module root) {
        List<Dropout> found = new ArrayList<>();
        for (Module m : root.namedModules().values()) if (m instanceof Dropout d) found.add(d);
        return new DropoutState(found);
    }

    /** Puts every saved dropout back at its saved step. */
    public void restore() {
        for (int i = 0; i < steps.length; i++) layers.get(i).setStep(steps[i]);
    }
}
