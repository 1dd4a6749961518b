package cortado.peft;

import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.quant.nn.QuantizedLinear;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which modules an adapter wraps, decided exactly as PEFT's {@code check_target_module_exists} (peft 0.21,
 * tuners_utils.py) over the dotted module names (Hugging Face's, so a config written for transformers selects the
 * same layers here). It reads only the fields every {@link PeftConfig} has, so every method matches the same way.
 */
public final class TargetMatcher {
    private TargetMatcher() {}

    /** The outcome for one module name. */
    public enum Match { TARGET, EXCLUDED, NONE }

    /** A config with its targets resolved and the module names it adapts, in model order. */
    public record Resolved<C extends PeftConfig>(C config, List<String> modules) {}

    /** The tuner's default targets for a model_type, or an error naming the families that have one. */
    public static TargetModules defaultTargets(Tuner<?> tuner, String modelType) {
        List<String> t = tuner.defaultTargets().get(modelType);
        if (t == null)
            throw new PeftException("target_modules is not set and model_type \"" + modelType + "\" has no default for "
                    + tuner.peftType() + " (defaults exist for " + new TreeSet<>(tuner.defaultTargets().keySet())
                    + ")");
        return new TargetModules(t, null);
    }

    /** Whether a module is a linear layer (PEFT's all-linear takes these kinds; a wrapped one counts as its base). */
    public static boolean isLinear(Module m) {
        if (m instanceof TunerLayer t) m = t.baseLayer();
        return m instanceof Linear || m instanceof Conv1D || m instanceof QuantizedLinear || m instanceof Linear16bit;
    }

    /**
     * PEFT's {@code _maybe_include_all_linear_layers}: the full names of every linear layer except the output head
     * ({@code lm_head}, when the model has one as a module; a tied head is the embedding matrix and no module).
     */
    static TargetModules allLinear(Module root) {
        List<String> names = new ArrayList<>();
        candidates(root).forEach((name, m) -> {
            if (isLinear(m) && !name.equals("lm_head")) names.add(name);
        });
        return new TargetModules(names, null);
    }

    /** One module name against a config whose target_modules is set (all-linear already expanded). */
    public static Match match(PeftConfig c, String key) {
        TargetModules ex = c.excludeModules();
        if (ex != null && matches(ex, key)) return Match.EXCLUDED;
        for (String m : c.modulesToSave())   // an adapter never goes inside a module trained whole
            if (Pattern.compile("(^|.*\\.)" + m + "($|\\..*)").matcher(key).lookingAt()) return Match.EXCLUDED;
        TargetModules t = c.targetModules();
        if (t.regex() != null) return Pattern.compile(t.regex()).matcher(key).matches() ? Match.TARGET : Match.NONE;
        if (t.names().contains(key)) return Match.TARGET;
        boolean found = listMatches(t.names(), key);
        List<Integer> layers = c.layersToTransform();
        if (found && layers != null && !layers.isEmpty()) {
            Integer index = layerIndex(key, c.layersPattern());
            found = index != null && layers.contains(index);
        }
        return found ? Match.TARGET : Match.NONE;
    }

    /** A list entry equal to the name or a dotted suffix of it; a string as a full-match regex. */
    public static boolean matches(TargetModules t, String key) {
        return t.regex() != null ? Pattern.compile(t.regex()).matcher(key).matches() : listMatches(t.names(), key);
    }

    private static boolean listMatches(List<String> names, String key) {
        if (names.contains(key)) return true;
        for (String n : names) if (key.endsWith("." + n)) return true;
        return false;
    }

    /** The first numbered segment of the name (after {@code layersPattern} when given), as PEFT's lazy regexes find it. */
    static Integer layerIndex(String key, List<String> layersPattern) {
        if (layersPattern == null || layersPattern.isEmpty()) {
            Matcher m = Pattern.compile(".*?\\.[^.]*\\.(\\d+)\\.").matcher(key);
            return m.lookingAt() ? Integer.valueOf(m.group(1)) : null;
        }
        for (String p : layersPattern) {
            Matcher m = Pattern.compile("(?:^|.*?\\.)" + p + "\\.(\\d+)\\.").matcher(key);
            if (m.lookingAt()) return Integer.valueOf(m.group(1));
        }
        return null;
    }

    /** PEFT's {@code get_pattern_key}: the first key k with {@code name} matching {@code (.*\.)?(k)$}, or null. */
    public static String patternKey(Collection<String> keys, String name) {
        for (String k : keys) if (Pattern.compile("(.*\\.)?(" + k + ")").matcher(name).matches()) return k;
        return null;
    }

    /** {@link #resolve(PeftConfig, Module, String, Tuner)} with the config's own tuner. */
    public static Resolved<PeftConfig> resolve(PeftConfig c, Module root, String modelType) {
        return Tuners.forConfig(c).resolve(c, root, modelType);
    }

    /**
     * The names of the modules {@code c} adapts in {@code root}, in model order, and the config with its targets
     * resolved (the tuner's default or all-linear expanded). A config that selects nothing, or selects a module the
     * method cannot wrap, is an error listing the names it could have matched.
     */
    @SuppressWarnings("unchecked")
    public static <C extends PeftConfig> Resolved<C> resolve(C c, Module root, String modelType, Tuner<C> tuner) {
        C rc = c;
        if (c.targetModules() == null) rc = (C) c.withTargets(defaultTargets(tuner, modelType));
        else if (c.targetModules().isAllLinear()) rc = (C) c.withTargets(allLinear(root));
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Module> e : candidates(root).entrySet()) {
            String key = e.getKey();
            if (match(rc, key) != Match.TARGET) continue;
            if (!tuner.canWrap(e.getValue()))
                throw new PeftException("target module " + key + " (" + e.getValue().getClass().getSimpleName()
                        + ") is not supported: " + tuner.peftType() + " wraps " + tuner.wrapsWhat());
            out.add(key);
        }
        if (out.isEmpty())
            throw new PeftException("target_modules " + rc.targetModules() + " matched no module of the base model;"
                    + " linear layers it could match: " + linearLeafNames(root) + " (or full names such as "
                    + firstLinear(root) + ")");
        return new Resolved<>(rc, out);
    }

    /**
     * The modules an adapter may go on: every named module but the root and those inside an adapter layer or a
     * modules_to_save wrapper (no LoRA on a lora_A, PEFT's rule against nested adapters).
     */
    public static Map<String, Module> candidates(Module root) {
        Map<String, Module> out = new LinkedHashMap<>();
        List<String> wrappers = new ArrayList<>();
        root.namedModules().forEach((name, m) -> {
            if (name.isEmpty()) return;
            for (String w : wrappers) if (name.startsWith(w + ".")) return;
            out.put(name, m);
            if (m instanceof TunerLayer || m instanceof ModulesToSaveWrapper) wrappers.add(name);
        });
        return out;
    }

    /**
     * PEFT's {@code _set_trainable}: the modules whose name ends with an entry of modules_to_save, as a plain string
     * suffix ({@code key.endswith(target_key)}, no dot boundary: {@code norm} takes Llama's {@code input_layernorm}
     * too, as in peft); none when the list is empty, an error when a non-empty list matches nothing.
     */
    public static List<String> modulesToSave(PeftConfig c, Module root) {
        List<String> out = new ArrayList<>();
        if (c.modulesToSave().isEmpty()) return out;
        for (String name : root.namedModules().keySet()) {
            if (name.isEmpty() || name.contains(".original_module") || name.contains(".modules_to_save.")) continue;
            for (String m : c.modulesToSave())
                if (name.endsWith(m)) { out.add(name); break; }
        }
        if (out.isEmpty())
            throw new PeftException("modules_to_save " + c.modulesToSave() + " matched no module of the base model");
        return out;
    }

    private static Set<String> linearLeafNames(Module root) {
        Set<String> names = new LinkedHashSet<>();
        candidates(root).forEach((name, m) -> {
            if (isLinear(m)) names.add(name.substring(name.lastIndexOf('.') + 1));
        });
        return names;
    }

    private static String firstLinear(Module root) {
        for (Map.Entry<String, Module> e : candidates(root).entrySet())
            if (isLinear(e.getValue())) return e.getKey();
        return "(none)";
    }
}
