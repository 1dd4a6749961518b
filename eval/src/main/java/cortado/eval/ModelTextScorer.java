package cortado.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TextScorer} over a model: each request tokenized as lm-eval-harness does ({@link RequestEncoder}; an empty
 * context conditions on the prefix token, BOS else EOS) and all of them scored in one call of the
 * {@link LoglikelihoodScorer} (sorted, batched, a shared context run once).
 */
public record ModelTextScorer(RequestEncoder encoder, LoglikelihoodScorer scorer) implements TextScorer {

    @Override
    public List<Scored> score(List<MultipleChoiceTask.Request> requests) {
        List<EncodedRequest> encoded = new ArrayList<>(requests.size());
        for (MultipleChoiceTask.Request r : requests) encoded.add(encoder.encode(r.context(), r.continuation()));
        List<Loglikelihood> lls = scorer.loglikelihood(encoded);
        List<Scored> out = new ArrayList<>(requests.size());
        for (int i = 0; i < lls.size(); i++)
            out.add(new Scored(lls.get(i).logLikelihood(), encoded.get(i).continuation().length, lls.get(i).isGreedy()));
        return out;
    }
}
