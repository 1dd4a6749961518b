package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.rl.CompletionSampler;
import cortado.train.rl.HeldOutReward;
import cortado.train.rl.Prompt;
import cortado.train.rl.PromptJsonl;
import cortado.train.rl.ReferencePolicy;
import cortado.train.rl.ToyReward;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code cortado grpo} and {@code cortado ppo} share: prompts, the reference, the toy reward and the held-out score. */
final class RlSetup {
    static final String HELDOUT_FILE = "heldout_reward.json";

    private RlSetup() {}

    /** The flags both commands add to the training ones. */
    static Args declare(Args a) {
        return a.required("prompts", "FILE.jsonl", "{\"prompt\": \"...\"} rows")
                .option("ref-model", "DIR", "the reference policy; default: the base with the adapter disabled (adapter"
                        + " methods), else a frozen copy of --model", null)
                .option("tokenizer", "PATH", "the tokenizer; default: the model directory's own", null)
                .option("val-prompts", "FILE.jsonl", "held-out prompts: the reward's mean over them is measured before"
                        + " and after training (--reward only)", null)
                .option("val-samples", "N", "completions sampled per held-out prompt (fixed seeds, the same before and"
                        + " after)", "4");
    }

    static ToyReward reward(String spec) throws UsageException {
        try {
            return ToyReward.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--reward: " + e.getMessage());
        }
    }

    /** The prompts of {@code file} tokenized; each must leave {@code maxNew} positions of the model's window. */
    static List<Prompt> prompts(Path file, Tokenizer tok, CausalLm model, int maxNew) {
        List<String> texts = PromptJsonl.load(file);
        int window = model.config().maxPositions(), vocab = model.config().vocabSize();
        List<Prompt> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tok.encode(texts.get(i));
            if (ids.length == 0) throw new CliException(file + ": prompt " + (i + 1) + " encodes to no tokens");
            if (ids.length + maxNew > window)
                throw new CliException(file + ": prompt " + (i + 1) + " has " + ids.length + " tokens; with " + maxNew
                        + " new tokens that exceeds the model's " + window + " positions");
            for (int id : ids)
                if (id < 0 || id >= vocab)
                    throw new CliException(file + ": prompt " + (i + 1) + ": token id " + id
                            + " is outside the model's vocabulary of " + vocab);
            out.add(new Prompt(texts.get(i), ids));
        }
        return out;
    }

    /** The reference policy {@link ReferenceChoice} picks. */
    static ReferencePolicy reference(Args a, FinetuneSetup.Prepared p, PrintStream o) {
        return ReferenceChoice.choose(a, p, o, ReferencePolicy::frozen, ReferencePolicy::adaptersDisabled);
    }

    /** The held-out prompts, or null without --val-prompts. */
    static List<Prompt> heldOut(Args a, Tokenizer tok, CausalLm model, int maxNew) {
        return a.has("val-prompts") ? prompts(Path.of(a.string("val-prompts")), tok, model, maxNew) : null;
    }

    static HeldOutReward.Result score(CausalLm model, CompletionSampler sampler, ToyReward reward, List<Prompt> held,
                                      int samples, int batch) {
        return HeldOutReward.evaluate(model, sampler, reward, held, samples, batch);
    }

    /** Prints the reward's held-out mean before and after and writes OUT/heldout_reward.json. */
    static void report(HeldOutReward.Result before, HeldOutReward.Result after, int prompts, int samples, int step,
                       Path out, PrintStream o) throws IOException {
        o.printf(Locale.ROOT, "held-out reward (%d prompts x %d samples): before %.4f, after %.4f (mean length %.1f ->"
                + " %.1f tokens)%n", prompts, samples, before.mean(), after.mean(), before.meanLength(), after.meanLength());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompts", prompts);
        row.put("samples", samples);
        row.put("step", step);
        row.put("reward_before", before.mean());
        row.put("reward_after", after.mean());
        row.put("length_before", before.meanLength());
        row.put("length_after", after.meanLength());
        HeldOutFile.write(out, HELDOUT_FILE, row, o);
    }

    /** A usage error for a config the loss records refuse. */
    static UsageException usage(IllegalArgumentException e) { return new UsageException(e.getMessage()); }

}
