package cortado.peft;

import cortado.nn.Module;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The adapter bookkeeping every method's layer shares, PEFT's {@code BaseTunerLayer}: the wrapped layer as child
 * {@code base_layer}, the adapters it holds (in the order added), the active ones, the merged ones (last merged is
 * unmerged first), and the on/off switch. A method's layer adds its tensors and says how one adapter's tensors are
 * removed, merged and unmerged; the rest is here once.
 */
public abstract class BaseTunerLayer extends Module implements TunerLayer {
    private final Set<String> names = new LinkedHashSet<>();
    private final List<String> merged = new ArrayList<>();
    private List<String> active = new ArrayList<>();
    private boolean enabled = true;

    protected BaseTunerLayer(Module base) {
        child("base_layer", base);
    }

    /** Fails when adapter {@code name} is already here (call before creating its tensors). */
    protected final void checkNew(String name) {
        if (names.contains(name)) throw new PeftException("adapter '" + name + "' already exists");
    }

    /** Records adapter {@code name}, whose tensors are now in place, and makes it active (end of {@code update_layer}). */
    protected final void register(String name) {
        checkNew(name);
        names.add(name);
        active.add(name);
    }

    /** Drops adapter {@code name}'s tensors (the children or parameters under its name). */
    protected abstract void removeTensors(String name);

    /** Folds adapter {@code name} into the base layer (it is active and not merged). */
    protected abstract void mergeAdapter(String name);

    /** Takes adapter {@code name}, the last merged one, out of the base layer again. */
    protected abstract void unmergeAdapter(String name);

    /**
     * The adapters the forward pass applies now, in order: the active, unmerged ones; none while the adapters are off
     * (and the merged ones are unmerged first, as PEFT's forward does under {@code disable_adapters}).
     */
    protected final List<String> pending() {
        if (!enabled) {
            if (!merged.isEmpty()) unmerge();
            return List.of();
        }
        return active.stream().filter(n -> !merged.contains(n)).toList();
    }

    @Override
    public Module baseLayer() { return childAt("base_layer"); }

    @Override
    public final Set<String> adapterNames() { return new LinkedHashSet<>(names); }

    @Override
    public final List<String> activeAdapters() { return List.copyOf(active); }

    @Override
    public final void setActiveAdapters(List<String> list) {
        for (String n : list) if (!names.contains(n)) throw new PeftException("no adapter '" + n + "' in this layer");
        active = new ArrayList<>(list);
    }

    /**
     * Removes adapter {@code name} (PEFT's {@code delete_adapter}); it must not be merged. If it was the active one,
     * the alphabetically first remaining adapter becomes active (peft: {@code sorted(remaining)[0]}).
     */
    @Override
    public final void deleteAdapter(String name) {
        if (!names.contains(name)) throw new PeftException("no adapter '" + name + "' in this layer");
        if (merged.contains(name))
            throw new PeftException("cannot delete adapter '" + name + "' while it is merged (unmerge it first)");
        removeTensors(name);
        names.remove(name);
        if (active.remove(name) && active.isEmpty() && !names.isEmpty()) active.add(new TreeSet<>(names).first());
    }

    @Override
    public final boolean adaptersEnabled() { return enabled; }

    @Override
    public final void enableAdapters(boolean on) { enabled = on; }

    /** Folds the active adapters not yet merged into the base, in order (PEFT's {@code merge}). */
    @Override
    public void merge() {
        for (String name : active) {
            if (merged.contains(name)) continue;
            mergeAdapter(name);
            merged.add(name);
        }
    }

    /** Takes the merged adapters out again, last merged first (PEFT's {@code unmerge} pops them). */
    @Override
    public final void unmerge() {
        while (!merged.isEmpty()) {
            String name = merged.get(merged.size() - 1);
            unmergeAdapter(name);
            merged.remove(merged.size() - 1);
        }
    }

    @Override
    public final List<String> mergedAdapters() { return List.copyOf(merged); }
}
