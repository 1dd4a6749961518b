package cortado.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's regression guard: scoring a multiple-choice question allocates (heap bytes of all threads,
 * {@code getTotalThreadAllocatedBytes}) less than 1.4 times the logits of the positions it scores
 * ({@code continuation tokens x V x 4} bytes), plainly batched and with shared prefixes. Building the full
 * {@code [rows, T, V]} logits, as the scorer did, takes ~10x that on the plain path and ~1.7x on the shared one (its
 * choices' right-padded [rows, tail, V] logits and their host copy); the full-logits reference run here takes ~18x.
 *
 * <p>Second guard, on the step pool: batches of varying shape reuse each other's pooled buffers (a free buffer up to
 * a quarter longer serves, and the pool keeps buffers up to twice the recent peak), so once the pool holds the task's
 * shapes a question allocates a fraction of its logits: below {@code SHARED_REUSED} of them with shared prefixes and
 * {@code PLAIN_REUSED} plainly. An exact-length pool that drops a length after one unused step allocates every
 * batch's buffers afresh (0.97x and 1.17x here): buffers that survive young collections and pile up in the old
 * generation, which made a 1,000-question several-token task peak at 12 GiB RSS.
 *
 * <p>The model is a GPT-2 whose vocabulary dwarfs its width (V 32768, C 16), as GPT-2 124M's does (50257 over
 * 768), so the logits are most of what a question costs. 24 questions of 4 choices, contexts of 24..47 tokens
 * (each length once, as in a real task) and choices of 1..8 tokens.
 * Allocation is measured once it is steady: until the Vector API kernels are compiled their vectors are boxed
 * objects, tens of megabytes per pass.
 */
class LoglikelihoodAllocationTest {
    private static final int V = 32768, QUESTIONS = 24, CHOICES = 4, MAX_LENGTH = 127;
    private static final double BOUND = 1.4, SHARED_REUSED = 0.25, PLAIN_REUSED = 0.7;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static List<EncodedRequest> questions() {
        SplittableRandom r = new SplittableRandom(1);
        List<EncodedRequest> out = new ArrayList<>();
        for (int q = 0; q < QUESTIONS; q++) {
            int[] context = r.ints(24 + q, 0, V).toArray();
            for (int c = 0; c < CHOICES; c++)
                out.add(new EncodedRequest(context, r.ints(1 + (q + 3 * c) % 8, 0, V).toArray()));
        }
        return out;
    }

    /** Bytes per question of the logits of the scored positions: what any scorer must project. */
    private static long scoredLogitsBytes(List<EncodedRequest> reqs) {
        long n = 0;
        for (EncodedRequest e : reqs) n += e.continuation().length;
        return n * V * Float.BYTES / QUESTIONS;
    }

    /** Heap bytes per question of a pass, repeated until three passes in a row agree within 1% (at most 40). */
    private static long steadyBytesPerQuestion(List<EncodedRequest> reqs, Consumer<List<EncodedRequest>> score) {
        long[] last = new long[3];
        for (int pass = 0; pass < 40; pass++) {
            long before = THREADS.getTotalThreadAllocatedBytes();
            score.accept(reqs);
            last[pass % 3] = (THREADS.getTotalThreadAllocatedBytes() - before) / QUESTIONS;
            long lo = Math.min(last[0], Math.min(last[1], last[2])), hi = Math.max(last[0], Math.max(last[1], last[2]));
            if (pass >= 2 && hi - lo <= 0.01 * lo) return lo;
        }
        throw new AssertionError("allocation per question did not settle in 40 passes");
    }

    @Test
    void aQuestionAllocatesLittleMoreThanTheLogitsOfItsScoredPositions() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        CausalLm m = Models.create(Gpt2Config.of(V, 128, 16, 2, 2, 0), 3);
        List<EncodedRequest> reqs = questions();
        long scored = scoredLogitsBytes(reqs), bound = (long) (BOUND * scored);
        long plain = steadyBytesPerQuestion(reqs, q -> new LoglikelihoodScorer(m, 4, MAX_LENGTH, false).loglikelihood(q));
        long shared = steadyBytesPerQuestion(reqs, q -> new LoglikelihoodScorer(m, 4, MAX_LENGTH, true).loglikelihood(q));
        long full = steadyBytesPerQuestion(reqs, q -> q.forEach(e -> FullLogitsLoglikelihood.of(m, e, MAX_LENGTH)));
        System.out.printf("bytes per question: scored-position logits %d, plain %d, shared prefixes %d, full logits %d%n",
                scored, plain, shared, full);
        assertSoftly(s -> {
            s.assertThat(plain).as("plain batches, bytes per question").isLessThan(bound);
            s.assertThat(shared).as("shared prefixes, bytes per question").isLessThan(bound);
            s.assertThat(full).as("the full-logits path breaks the bound, so the guard can fail").isGreaterThan(bound);
            s.assertThat(shared).as("shared prefixes reuse pooled buffers across shapes")
                    .isLessThan((long) (SHARED_REUSED * scored));
            s.assertThat(plain).as("plain batches reuse pooled buffers across shapes")
                    .isLessThan((long) (PLAIN_REUSED * scored));
        });
    }
}
