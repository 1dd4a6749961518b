package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

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

    /**
     * Every golden prompt (completions and rendered chats, as transformers encoded them) submitted at once to a batch
     * of three rows, so sequences join as others leave: each gets exactly transformers' greedy token ids.
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
                        new TextStream(served.tokenizer(), served.eosTokenIds(), List.of(), true), events);
                jobs.add(job);
                assertThat(scheduler.submit(job)).isTrue();
            }
            for (int left = cases.size(); left > 0; )
                if (events.take() instanceof GenerationJob.Finished) left--;
            for (int i = 0; i < cases.size(); i++) {
                GenerationJob job = jobs.get(i);
                assertThat(Arrays.copyOfRange(job.ids, job.promptLength, job.length)).as("case %d", i)
                        .containsExactly(ids(cases.get(i).get("completion_ids")));
            }
            assertThat(scheduler.running()).isZero();
            assertThat(scheduler.kvCacheUsage()).isZero();
        } finally {
            scheduler.close();
        }
    }

    private static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }
}
