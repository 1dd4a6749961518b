package cortado.cli;

import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.multitaskprompttuning.MultitaskPromptTuningConfig;
import cortado.peft.prompt.PromptLearningLm;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code --adapter [NAME=]DIR} of the inference commands: PEFT adapter directories loaded on the model as PEFT's
 * {@code PeftModel.from_pretrained} (the first) and {@code load_adapter} (the others) do; the last one given is the
 * active one. An adapter without a name is called {@code default} when it comes first, else after its directory.
 */
final class AdapterOption {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    private AdapterOption() {}

    static Args declare(Args a) {
        return a.repeatable("adapter", "[NAME=]DIR", "a PEFT adapter directory (adapter_config.json +"
                + " adapter_model.safetensors) to apply to the model; the last one given is active")
                .option("task-id", "N", "with a multitask prompt tuning adapter (required then): the task every row"
                        + " takes (peft's task_ids)", null);
    }

    /** The adapters named on the command line, in order: name to directory, and {@code --task-id} checked. */
    static Map<String, Path> parse(Args a) throws UsageException {
        Map<String, Path> out = named(a);
        if (a.has("task-id") && out.isEmpty()) throw new UsageException("--task-id applies to an --adapter");
        if (a.has("task-id")) a.nonNegativeInt("task-id");
        return out;
    }

    /** The {@code --adapter} specs alone, for a command that declares no {@code --task-id} (serve: LoRA only). */
    static Map<String, Path> named(Args a) throws UsageException {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String spec : a.strings("adapter")) {
            int eq = spec.indexOf('=');
            String name = null, dir = spec;
            if (eq > 0 && NAME.matcher(spec.substring(0, eq)).matches()) {
                name = spec.substring(0, eq);
                dir = spec.substring(eq + 1);
            }
            if (dir.isBlank()) throw new UsageException("--adapter '" + spec + "' names no directory");
            Path p = Path.of(dir);
            if (name == null) {
                Path file = p.toAbsolutePath().normalize().getFileName();
                name = out.isEmpty() ? PeftModel.DEFAULT : file == null ? "adapter" + (out.size() + 1) : file.toString();
            }
            if (out.containsKey(name))
                throw new UsageException("--adapter: two adapters called '" + name + "'; name them with NAME=DIR");
            out.put(name, p);
        }
        return out;
    }

    /**
     * Loads every {@code --adapter} onto {@code model} and says on {@code console} which are loaded and which one is
     * active; returns the model to run: {@code model} itself (its layers wrapped), or the prompt-learning model around
     * it, or {@code model} unchanged when no adapter was given.
     */
    static CausalLm apply(CausalLm model, Args a, PrintStream console) throws UsageException {
        Map<String, Path> adapters = parse(a);
        if (adapters.isEmpty()) return model;
        PeftModel peft = load(model, adapters);
        List<String> loaded = new ArrayList<>();
        adapters.forEach((name, dir) -> loaded.add(name + "=" + dir));
        console.println("adapters: " + String.join(", ", loaded) + "; active: " + peft.activeAdapter());
        taskId(peft, a);
        return peft.model();
    }

    /**
     * {@code --task-id}: the task of every row when the active adapter is multitask prompt tuning, which needs one;
     * refused with any other adapter.
     */
    private static void taskId(PeftModel peft, Args a) throws UsageException {
        String active = peft.activeAdapter();
        if (!(peft.config(active) instanceof MultitaskPromptTuningConfig c)) {
            if (a.has("task-id"))
                throw new UsageException("--task-id applies to a multitask prompt tuning adapter, not "
                        + peft.config(active).peftType() + " ('" + active + "')");
            return;
        }
        String range = "0.." + (c.numTasks() - 1);
        if (!a.has("task-id"))
            throw new UsageException("--adapter '" + active + "' is multitask prompt tuning: give the rows' task with"
                    + " --task-id " + range);
        int t = a.nonNegativeInt("task-id");
        if (t >= c.numTasks())
            throw new UsageException("--task-id " + t + " is out of range: adapter '" + active + "' has "
                    + c.numTasks() + " task(s), " + range);
        ((PromptLearningLm) peft.model()).taskForEveryRow(t);
    }

    /**
     * Loads {@code adapters} (name to directory, at least one) onto {@code model} as PEFT's {@code from_pretrained}
     * (the first) and {@code load_adapter} (the others) do, and puts the model in eval mode.
     */
    static PeftModel load(CausalLm model, Map<String, Path> adapters) {
        PeftModel peft = null;
        for (Map.Entry<String, Path> e : adapters.entrySet()) {
            if (peft == null) peft = AdapterFiles.load(model, e.getValue(), e.getKey());
            else AdapterFiles.loadAdapter(peft, e.getKey(), e.getValue());
        }
        model.module().eval();
        return peft;
    }
}
