package cortado.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared contexts batched together must fit the model's positions as a whole: a long context with short choices and
 * a short context with long choices each fit alone but not in one cache (28 + 19 > 32 positions). They then run in
 * separate batches, with the log-likelihoods of running every request whole (1e-4, float32).
 */
class SharedPrefixChunkingTest {
    @Test
    void groupsThatFitAloneButNotTogetherRunApart() {
        CausalLm model = Models.create(Gpt2Config.of(257, 32, 16, 1, 2, 256), 2);
        List<EncodedRequest> requests = new ArrayList<>();
        int[] longCtx = ids(28, 1), shortCtx = ids(10, 2);
        requests.add(new EncodedRequest(longCtx, ids(2, 3)));
        requests.add(new EncodedRequest(longCtx, ids(2, 4)));
        requests.add(new EncodedRequest(shortCtx, ids(20, 5)));
        requests.add(new EncodedRequest(shortCtx, ids(20, 6)));
        List<Loglikelihood> shared = new LoglikelihoodScorer(model, 8, 32, true).loglikelihood(requests);
        List<Loglikelihood> whole = new LoglikelihoodScorer(model, 8, 32, false).loglikelihood(requests);
        for (int i = 0; i < requests.size(); i++)
            assertThat(shared.get(i).logLikelihood()).isCloseTo(whole.get(i).logLikelihood(), within(1e-4));
    }

    private static int[] ids(int n, int seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = (seed * 37 + i * 11) % 256;
        return a;
    }
}
