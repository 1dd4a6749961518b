package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The reference model of the methods that keep one (dpo, grpo, ppo), chosen as TRL chooses it: --ref-model, frozen;
 * else, for an adapter method that adds its own weights, the policy with its adapters disabled; else (full and in-place
 * methods) a frozen copy of the base. Each method wraps the choice in its own reference type.
 */
final class ReferenceChoice {
    private ReferenceChoice() {}

    static <R> R choose(Args a, FinetuneSetup.Prepared p, PrintStream o, Function<CausalLm, R> frozen,
                        Function<PeftModel, R> adaptersDisabled) {
        if (a.has("ref-model")) {
            Path dir = PretrainCommand.modelDir(Path.of(a.string("ref-model")));
            if (!Files.isDirectory(dir)) throw new CliException(a.string("ref-model") + ": no such model directory");
            CausalLm ref = load(dir);
            if (ref.config().vocabSize() != p.model().config().vocabSize())
                throw new CliException(dir + ": the reference's vocabulary (" + ref.config().vocabSize()
                        + ") is not the policy's (" + p.model().config().vocabSize() + ")");
            o.println("reference: " + dir + " (frozen)");
            return frozen.apply(ref);
        }
        if (p.peft() != null && !p.peft().tuner().inPlace()) {
            o.println("reference: the base with the adapter disabled");
            return adaptersDisabled.apply(p.peft());
        }
        o.println("reference: a frozen copy of " + p.dir());
        return frozen.apply(load(p.dir()));
    }

    private static CausalLm load(Path dir) {
        return QuantizeCommand.isQuantized(dir) ? QuantizeCommand.loadQuantized(dir) : HfCheckpoint.load(dir);
    }
}
