package cortado.serve;

import cortado.nn.generate.FinishReason;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One sequence the {@link Scheduler} generates: its prompt, sampler and stopping rules, and the events it sends back
 * to the request's thread (text as it becomes printable, then one finish or failure). The request side may
 * {@link #cancel} it (the client went away); the scheduler then frees its row at the next step.
 */
final class GenerationJob {
    /** What the scheduler reports. */
    sealed interface Event {}

    /** Newly printable text (may be empty when a token completed nothing printable). */
    record Text(String delta) implements Event {}

    /** The sequence ended: why, and the token counts OpenAI's {@code usage} reports. */
    record Finished(FinishReason reason, int promptTokens, int completionTokens) implements Event {}

    /** The scheduler failed on this sequence (answered as a 500). */
    record Failed(String message) implements Event {}

    final int[] ids;
    final int promptLength;
    final Sampler sampler;
    final StoppingCriteria stop;
    final TextStream text;
    final long arrivalNanos = System.nanoTime();
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    // Scheduler-side state (only its thread touches these).
    int length;
    int row = -1;
    long firstTokenNanos;

    GenerationJob(int[] prompt, Sampler sampler, StoppingCriteria stop, TextStream text) {
        this.ids = Arrays.copyOf(prompt, prompt.length + stop.maxNewTokens());
        this.promptLength = this.length = prompt.length;
        this.sampler = sampler;
        this.stop = stop;
        this.text = text;
    }

    void cancel() { cancelled = true; }

    boolean cancelled() { return cancelled; }

    int generated() { return length - promptLength; }

    int lastToken() { return ids[length - 1]; }
}
