package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.models.CausalLm;
import cortado.train.CompletionLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * How well a model answers the demo's questions: the completion-only loss of the reference answers, and greedy
 * answers (generation stops at the answer's end, the newline) scored by exact match with the reference.
 */
public final class QaEval {
    /** Rows per forward pass; the answers do not depend on it (each row is its own left-padded prompt). */
    static final int BATCH = 32;
    /** The longest answer is 18 bytes; a few more let a wrong answer run on without hitting the context. */
    static final int MAX_ANSWER_TOKENS = 24;
    static final int NEWLINE = '\n';

    /** Held-out loss (nats per answer token), exact-match rate in [0, 1], and the greedy answers in pair order. */
    public record Result(double loss, double exactMatch, List<String> answers) {}

    private QaEval() {}

    public static Result evaluate(CausalLm model, List<DemoQa.Pair> pairs, int seq) {
        double loss = CompletionLoss.mean(model, DemoQa.examples(pairs), BATCH, seq);
        List<String> answers = answers(model, pairs);
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) if (answers.get(i).equals(pairs.get(i).answer())) right++;
        return new Result(loss, (double) right / pairs.size(), answers);
    }

    /** Greedy answers, the leading space and the closing newline dropped. */
    public static List<String> answers(CausalLm model, List<DemoQa.Pair> pairs) {
        ByteTokenizer tok = new ByteTokenizer();
        Generator gen = new Generator(model);
        StoppingCriteria stop = new StoppingCriteria(MAX_ANSWER_TOKENS, Set.of(NEWLINE), List.of());
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        List<String> out = new ArrayList<>(pairs.size());
        try {
            for (int from = 0; from < pairs.size(); from += BATCH) {
                List<DemoQa.Pair> chunk = pairs.subList(from, Math.min(pairs.size(), from + BATCH));
                List<int[]> prompts = new ArrayList<>(chunk.size());
                for (DemoQa.Pair p : chunk) prompts.add(tok.encode(p.prompt()));
                List<Sampler> greedy = Collections.nCopies(chunk.size(), Sampler.greedy());
                for (Completion c : gen.generate(prompts, greedy, stop, tok, null)) out.add(c.text().strip());
            }
        } finally {
            model.module().train(wasTraining);
        }
        return out;
    }
}
