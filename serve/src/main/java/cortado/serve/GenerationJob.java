package cortado.serve;

import cortado.nn.generate.FinishReason;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import cortado.serve.json.JsonConstraint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;

/**
 * One sequence the {@link Scheduler} generates: its prompt, sampler and stopping rules, and the events it sends back
 * to the request's thread (text as it becomes printable, then one finish or failure), tagged with the choice
 * {@code index} it answers (a request for n choices runs n jobs into one queue). The request side may {@link #cancel}
 * it (the client went away); the scheduler then frees its row at the next step.
 */
final class GenerationJob {
    /** What the scheduler reports. */
    sealed interface Event {}

    /**
     * Newly printable text of choice {@code index}, with the log-probabilities of the tokens taken since the previous
     * event when they were asked for (else empty).
     */
    record Text(int index, String delta, List<TokenLogprob> logprobs) implements Event {}

    /** Choice {@code index} ended: why, and the token counts OpenAI's {@code usage} reports. */
    record Finished(int index, FinishReason reason, int promptTokens, int completionTokens) implements Event {}

    /** The scheduler failed on this sequence (answered as a 500). */
    record Failed(int index, String message) implements Event {}

    final int[] ids;
    final int promptLength;
    final Sampler sampler;
    final StoppingCriteria stop;
    final TextStream text;
    final long arrivalNanos = System.nanoTime();
    final int index;
    /** How many most likely alternatives to report with each token's log-probability; -1: no log-probabilities. */
    final int topLogprobs;
    /** The JSON document the output must be ({@code response_format}, a forced tool call), or null. */
    final JsonConstraint constraint;
    private final BlockingQueue<Event> events;
    private final List<TokenLogprob> pendingLogprobs = new ArrayList<>();
    private volatile boolean cancelled;

    /** The LoRA adapter the request names, or null for the base model (set before the job is submitted). */
    String adapter;
    /** What the adapter adds to the prefix-cache keys of this job's blocks (its name and load); null for the base. */
    String adapterKey;

    // Scheduler-side state (only its thread touches these).
    int length;
    int row = -1;
    long firstTokenNanos;

    GenerationJob(int index, int[] prompt, Sampler sampler, StoppingCriteria stop, TextStream text, int topLogprobs,
                  BlockingQueue<Event> events) {
        this(index, prompt, sampler, stop, text, topLogprobs, null, events);
    }

    GenerationJob(int index, int[] prompt, Sampler sampler, StoppingCriteria stop, TextStream text, int topLogprobs,
                  JsonConstraint constraint, BlockingQueue<Event> events) {
        this.index = index;
        this.constraint = constraint;
        this.topLogprobs = topLogprobs;
        this.events = events;
        this.ids = Arrays.copyOf(prompt, prompt.length + stop.maxNewTokens());
        this.promptLength = this.length = prompt.length;
        this.sampler = sampler;
        this.stop = stop;
        this.text = text;
    }

    void logprob(TokenLogprob lp) { pendingLogprobs.add(lp); }

    void emit(String delta) { if (!delta.isEmpty()) events.add(new Text(index, delta, takeLogprobs())); }

    /** The end of the choice, after the log-probabilities of tokens that printed nothing (an end-of-sequence token). */
    void finished(FinishReason reason) {
        if (!pendingLogprobs.isEmpty()) events.add(new Text(index, "", takeLogprobs()));
        events.add(new Finished(index, reason, promptLength, generated()));
    }

    private List<TokenLogprob> takeLogprobs() {
        if (pendingLogprobs.isEmpty()) return List.of();
        List<TokenLogprob> out = List.copyOf(pendingLogprobs);
        pendingLogprobs.clear();
        return out;
    }

    void failed(String message) { events.add(new Failed(index, message)); }

    void cancel() { cancelled = true; }

    boolean cancelled() { return cancelled; }

    int generated() { return length - promptLength; }

    int lastToken() { return ids[length - 1]; }
}
