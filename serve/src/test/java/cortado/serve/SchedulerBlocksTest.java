package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import cortado.nn.models.CausalLm;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The scheduler releases a sequence's KV blocks however it ends: cancelled mid-generation, or failed with the step
 * it was in (a model that throws); after either, no block is referenced and the next request runs. With too few
 * blocks for the running batch, sequences are preempted and recomputed, and still give transformers' greedy ids.
 */
class SchedulerBlocksTest {
    private static final int BLOCK = 16;

    /** The served model, failing the {@code failAt}-th decode step (one token per row) with an exception. */
    private static CausalLm failingAt(CausalLm model, int failAt) {
        AtomicInteger decodeSteps = new AtomicInteger();
        return (CausalLm) Proxy.newProxyInstance(CausalLm.class.getClassLoader(), new Class<?>[] {CausalLm.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("nextTokenLogits") && (int) args[2] == 1
                            && decodeSteps.incrementAndGet() == failAt)
                        throw new IllegalStateException("planted failure at decode step " + failAt);
                    try {
                        return method.invoke(model, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static GenerationJob job(ServedModel served, int index, int[] prompt, int maxTokens,
                                     BlockingQueue<GenerationJob.Event> events) {
        // No end-of-sequence id: every sequence runs to maxTokens unless cancelled or failed.
        return new GenerationJob(index, prompt, Sampler.greedy(), new StoppingCriteria(maxTokens, Set.of(), List.of()),
                new TextStream(served.tokenizer(), Set.of(), List.of(), true), -1, events);
    }

    private static int[] ids(Random r, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = 3 + r.nextInt(390);
        return out;
    }

    /** Polls until the scheduler has updated its gauges after the last step. */
    private static int blocksInUseOnceIdle(Scheduler s) throws InterruptedException {
        for (int i = 0; i < 2000 && (s.running() > 0 || s.blocksInUse() > 0); i++) Thread.sleep(1);
        return s.blocksInUse();
    }

    @Test
    void cancelledSequencesReleaseTheirBlocks() throws Exception {
        ServedModel served = TinyChatModel.load();
        Scheduler s = new Scheduler(served.model(), 3, 16, served.contextWindow(), 0, BLOCK,
                new ServeMetrics(served.name()));
        try {
            Random r = new Random(1);
            BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                jobs.add(job(served, i, ids(r, 20 + 7 * i), 100, events));
                assertThat(s.submit(jobs.get(i))).isTrue();
            }
            for (int seen = 0; seen < 30; seen++) events.take();   // some text from the running ones
            assertThat(s.blocksInUse()).isPositive();
            jobs.forEach(GenerationJob::cancel);
            assertThat(blocksInUseOnceIdle(s)).isZero();
            assertThat(jobs.stream().mapToInt(GenerationJob::generated).max().getAsInt()).isLessThan(100);
            BlockingQueue<GenerationJob.Event> next = new LinkedBlockingQueue<>();
            s.submit(job(served, 0, ids(r, 10), 5, next));
            GenerationJob.Event e;
            while (!((e = next.take()) instanceof GenerationJob.Finished)) assertThat(e).isInstanceOf(GenerationJob.Text.class);
            assertThat(blocksInUseOnceIdle(s)).isZero();
        } finally {
            s.close();
        }
    }

    @Test
    void sequencesOfAFailedStepReleaseTheirBlocks() throws Exception {
        ServedModel served = TinyChatModel.load();
        Scheduler s = new Scheduler(failingAt(served.model(), 6), 3, 16, served.contextWindow(), 0, BLOCK,
                new ServeMetrics(served.name()));
        try {
            Random r = new Random(2);
            BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
            for (int i = 0; i < 3; i++) assertThat(s.submit(job(served, i, ids(r, 30), 40, events))).isTrue();
            int failed = 0;
            for (int ended = 0; ended < 3; ) {
                GenerationJob.Event e = events.take();
                if (e instanceof GenerationJob.Failed f) {
                    assertThat(f.message()).contains("planted failure");
                    failed++;
                }
                if (!(e instanceof GenerationJob.Text)) ended++;
            }
            assertThat(failed).as("the sequences running in the failed step").isPositive();
            assertThat(blocksInUseOnceIdle(s)).isZero();
            BlockingQueue<GenerationJob.Event> next = new LinkedBlockingQueue<>();
            s.submit(job(served, 0, ids(r, 10), 5, next));
            GenerationJob.Event e;
            while (!((e = next.take()) instanceof GenerationJob.Finished)) assertThat(e).isInstanceOf(GenerationJob.Text.class);
            assertThat(blocksInUseOnceIdle(s)).isZero();
        } finally {
            s.close();
        }
    }

    /**
     * The six golden prompts through 3 rows and only 8 blocks of 16 (one 128-position window): three running
     * sequences outgrow the pool, so the newest is preempted (its blocks released) and later prefilled again with
     * what it had generated; every sequence still gets exactly transformers' greedy ids, and no block is left in use.
     */
    @Test
    void preemptedSequencesStillGiveTransformersGreedyIds() throws Exception {
        ServedModel served = TinyChatModel.load();
        ServeMetrics metrics = new ServeMetrics(served.name());
        Scheduler s = new Scheduler(served.model(), 3, 16, served.contextWindow(), 8, BLOCK, metrics);
        try {
            var cases = TinyChatModel.goldenCases();
            BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                int[] prompt = longs(cases.get(i).get("prompt_ids"));
                StoppingCriteria stop = new StoppingCriteria((int) (long) (Long) cases.get(i).get("max_tokens"),
                        served.eosTokenIds(), List.of());
                jobs.add(new GenerationJob(i, prompt, Sampler.greedy(), stop,
                        new TextStream(served.tokenizer(), served.eosTokenIds(), List.of(), true), -1, events));
                assertThat(s.submit(jobs.get(i))).isTrue();
            }
            for (int left = cases.size(); left > 0; )
                switch (events.take()) {
                    case GenerationJob.Finished f -> left--;
                    case GenerationJob.Text t -> { }
                    case GenerationJob.Failed f -> throw new AssertionError(f.message());
                }
            for (int i = 0; i < cases.size(); i++) {
                GenerationJob job = jobs.get(i);
                assertThat(java.util.Arrays.copyOfRange(job.ids, job.promptLength, job.length)).as("case %d", i)
                        .containsExactly(longs(cases.get(i).get("completion_ids")));
            }
            String m = metrics.render();
            assertThat(m).containsPattern("cortado:num_preemptions_total\\{model_name=\"tiny-chat\"\\} [1-9]");
            assertThat(blocksInUseOnceIdle(s)).isZero();
        } finally {
            s.close();
        }
    }

    private static int[] longs(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }
}
