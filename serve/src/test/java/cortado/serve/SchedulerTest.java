package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/** The scheduler on its own, token ids in and out. */
class SchedulerTest {

    /** The golden's tolerance on log-probabilities: float32 logits agree with transformers' to about 1e-5. */
    private static final double LOGPROB_TOLERANCE = 1e-4;

    /**
     * Every golden prompt (completions and rendered chats, as transformers encoded them) submitted at once to a batch
     * of three rows, so sequences join as others leave: each gets exactly transformers' greedy token ids, and each
     * token's log-probability and the two most likely tokens are transformers' (log_softmax of generate's logits).
     */
    @Test
    void continuousBatchingGivesTransformersGreedyIds() throws InterruptedException {
        ServedModel served = TinyChatModel.load();
        ServeMetrics metrics = new ServeMetrics(served.name());
        Scheduler scheduler = new Scheduler(served.model(), 3, 16, served.contextWindow(), metrics);
        try {
            List<Map<String, Object>> cases = TinyChatModel.goldenCases();
            BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                int[] prompt = ids(cases.get(i).get("prompt_ids"));
                StoppingCriteria stop = new StoppingCriteria((int) (long) (Long) cases.get(i).get("max_tokens"),
                        served.eosTokenIds(), List.of());
                GenerationJob job = new GenerationJob(i, prompt, Sampler.greedy(), stop,
                        new TextStream(served.tokenizer(), served.eosTokenIds(), List.of(), true), 2, events);
                jobs.add(job);
                assertThat(scheduler.submit(job)).isTrue();
            }
            List<List<TokenLogprob>> logprobs = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) logprobs.add(new ArrayList<>());
            for (int left = cases.size(); left > 0; )
                switch (events.take()) {
                    case GenerationJob.Finished f -> left--;
                    case GenerationJob.Text t -> logprobs.get(t.index()).addAll(t.logprobs());
                    case GenerationJob.Failed f -> throw new AssertionError(f.message());
                }
            for (int i = 0; i < cases.size(); i++) {
                GenerationJob job = jobs.get(i);
                assertThat(Arrays.copyOfRange(job.ids, job.promptLength, job.length)).as("case %d", i)
                        .containsExactly(ids(cases.get(i).get("completion_ids")));
                List<?> expected = (List<?>) cases.get(i).get("logprobs"), top2 = (List<?>) cases.get(i).get("top2");
                List<TokenLogprob> got = logprobs.get(i);
                assertThat(got).hasSize(expected.size());
                for (int t = 0; t < got.size(); t++) {
                    assertThat(got.get(t).logprob()).as("case %d token %d", i, t)
                            .isCloseTo((Double) expected.get(t), within(LOGPROB_TOLERANCE));
                    List<?> best = (List<?>) top2.get(t);
                    for (int j = 0; j < 2; j++) {
                        List<?> pair = (List<?>) best.get(j);
                        assertThat(got.get(t).topIds()[j]).isEqualTo((int) (long) (Long) pair.get(0));
                        assertThat(got.get(t).topLogprobs()[j]).isCloseTo((Double) pair.get(1), within(LOGPROB_TOLERANCE));
                    }
                }
            }
            assertThat(scheduler.running()).isZero();
            assertThat(scheduler.kvCacheUsage()).isZero();
        } finally {
            scheduler.close();
        }
    }

    /**
     * Prompts that join in the same step are prefilled together: two golden prompts of different lengths, each twice,
     * held back until all four are queued, take one forward pass per run of equal lengths (2, not 4) and each copy
     * still gets exactly transformers' greedy ids.
     */
    @Test
    void promptsJoiningTogetherShareOnePrefillPass() throws Exception {
        ServedModel served = TinyChatModel.load();
        Scheduler scheduler = new Scheduler(served.model(), 4, 16, served.contextWindow(), new ServeMetrics(served.name()));
        try {
            List<Map<String, Object>> cases = TinyChatModel.goldenCases();
            int a = 0, b = 1;
            assertThat(ids(cases.get(a).get("prompt_ids")).length).isNotEqualTo(ids(cases.get(b).get("prompt_ids")).length);
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
            scheduler.betweenSteps(inUse -> {   // holds the scheduler's thread until every job is queued
                held.countDown();
                try {
                    queued.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return null;
            });
            held.await();
            BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
            int[] order = {a, a, b, b};
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < order.length; i++) {
                Map<String, Object> c = cases.get(order[i]);
                StoppingCriteria stop = new StoppingCriteria((int) (long) (Long) c.get("max_tokens"),
                        served.eosTokenIds(), List.of());
                GenerationJob job = new GenerationJob(i, ids(c.get("prompt_ids")), Sampler.greedy(), stop,
                        new TextStream(served.tokenizer(), served.eosTokenIds(), List.of(), true), -1, events);
                jobs.add(job);
                assertThat(scheduler.submit(job)).isTrue();
            }
            queued.countDown();
            for (int left = order.length; left > 0; )
                switch (events.take()) {
                    case GenerationJob.Finished f -> left--;
                    case GenerationJob.Text t -> { }
                    case GenerationJob.Failed f -> throw new AssertionError(f.message());
                }
            for (int i = 0; i < order.length; i++) {
                GenerationJob job = jobs.get(i);
                assertThat(Arrays.copyOfRange(job.ids, job.promptLength, job.length)).as("job %d", i)
                        .containsExactly(ids(cases.get(order[i]).get("completion_ids")));
            }
            assertThat(scheduler.prefillPasses()).isEqualTo(2);
        } finally {
            scheduler.close();
        }
    }

    private static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }
}
