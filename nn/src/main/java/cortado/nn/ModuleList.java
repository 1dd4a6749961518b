package cortado.nn;

import java.util.List;

/** Children named "0", "1", ... as torch.nn.ModuleList names them ({@code transformer.h.0}, {@code model.layers.0}). */
public final class ModuleList<M extends Module> extends Module {
    private final int size;

    public ModuleList(List<M> modules) {
        for (int i = 0; i < modules.size(); i++) child(Integer.toString(i), modules.get(i));
        this.size = modules.size();
    }

    /** Module i as it is now (after any replacement). */
    public M get(int i) { return childAt(Integer.toString(i)); }

    public int size() { return size; }

    /** Module i as it is now, whatever its class (a wrapper may have replaced it). */
    public Module module(int i) { return this.<Module>childAt(Integer.toString(i)); }
}
