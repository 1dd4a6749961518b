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
     * Prompts that join in the same step are prefilled together, one forward pass per run of equal uncached lengths:
     * two different 19-token prompts (golden case 3, and case 1 cut to 19 tokens) then case 0 twice, held back until
     * all four are queued, take 2 passes, not 4, and each gets the ids it gets alone (case 3 and case 0: transformers'
     * greedy ids; the cut prompt: its own run alone, on a fresh scheduler so no prefix is cached).
     */
    @Test
    void promptsJoiningTogetherShareOnePrefillPass() throws Exception {
        ServedModel served = TinyChatModel.load();
        List<Map<String, Object>> cases = TinyChatModel.goldenCases();
        int[] p3 = ids(cases.get(3).get("prompt_ids")), p0 = ids(cases.get(0).get("prompt_ids"));
        int[] cut = Arrays.copyOf(ids(cases.get(1).get("prompt_ids")), p3.length);
        int[] cutAlone = run(served, 1, List.of(cut), List.of(16)).getFirst();
        List<int[]> got = run(served, 4, List.of(p3, cut, p0, p0), List.of(20, 16, 12, 12));
        assertThat(got.get(0)).containsExactly(ids(cases.get(3).get("completion_ids")));
        assertThat(got.get(1)).containsExactly(cutAlone);
        assertThat(got.get(2)).containsExactly(ids(cases.get(0).get("completion_ids")));
        assertThat(got.get(3)).containsExactly(ids(cases.get(0).get("completion_ids")));
        assertThat(lastPrefillPasses).isEqualTo(2);
    }

    private int lastPrefillPasses;

    /** Greedy completions of {@code prompts}, all queued before the scheduler's thread may admit any. */
    private List<int[]> run(ServedModel served, int batch, List<int[]> prompts, List<Integer> maxTokens)
            throws InterruptedException {
        Scheduler scheduler = new Scheduler(served.model(), batch, 16, served.contextWindow(), new ServeMetrics(served.name()));
        try {
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
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                StoppingCriteria stop = new StoppingCriteria(maxTokens.get(i), served.eosTokenIds(), List.of());
                GenerationJob job = new GenerationJob(i, prompts.get(i), Sampler.greedy(), stop,
                        new TextStream(served.tokenizer(), served.eosTokenIds(), List.of(), true), -1, events);
                jobs.add(job);
                assertThat(scheduler.submit(job)).isTrue();
            }
            queued.countDown();
            for (int left = prompts.size(); left > 0; )
                switch (events.take()) {
                    case GenerationJob.Finished f -> left--;
                    case GenerationJob.Text t -> { }
                    case GenerationJob.Failed f -> throw new AssertionError(f.message());
                }
            lastPrefillPasses = scheduler.prefillPasses();
            List<int[]> out = new ArrayList<>();
            for (GenerationJob job : jobs) out.add(Arrays.copyOfRange(job.ids, job.promptLength, job.length));
            return out;
        } finally {
            scheduler.close();
        }
    }

    private static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }
}
