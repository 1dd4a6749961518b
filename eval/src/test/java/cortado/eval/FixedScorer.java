package cortado.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link TextScorer} answering with numbers a test fixes in advance, so a probe's arithmetic can be checked by hand. */
public final class FixedScorer implements TextScorer {
    private final Map<String, Scored> scores = new HashMap<>();
    private int calls;

    /** Fixes the result for {@code continuation} after {@code context}. */
    public FixedScorer put(String context, String continuation, double logLikelihood, int tokens) {
        scores.put(context + "\u0000" + continuation, new Scored(logLikelihood, tokens, false));
        return this;
    }

    /** A sentence scored after the empty context, as the bias probes ask for it. */
    public FixedScorer sentence(String sentence, double logLikelihood, int tokens) { return put("", sentence, logLikelihood, tokens); }

    @Override
    public List<Scored> score(List<MultipleChoiceTask.Request> requests) {
        calls++;
        List<Scored> out = new ArrayList<>();
        for (MultipleChoiceTask.Request r : requests) {
            Scored s = scores.get(r.context() + "\u0000" + r.continuation());
            if (s == null) throw new AssertionError("no fixed score for (" + r.context() + " | " + r.continuation() + ")");
            out.add(s);
        }
        return out;
    }

    public int calls() { return calls; }
}
