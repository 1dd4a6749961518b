package cortado.serve;

import cortado.nn.generate.FinishReason;
import cortado.nn.models.CausalLm;
import cortado.nn.models.SequenceKvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching (Yu et al. 2022, Orca's iteration-level scheduling, as vLLM runs it): one thread owns the model
 * and a {@link SequenceKvCache} of {@code maxBatch} rows. Between any two decode steps waiting sequences join (each
 * prompt prefilled alone into a fresh row, its first token sampled at once) and finished or cancelled ones leave
 * (their row freed), so a short request never waits for a long one to end. Each step is one batched forward of one
 * token per running sequence, every row at its own length. Requests beyond the running batch wait in a bounded
 * queue; {@link #submit} refuses one when it is full (the server's 429).
 */
final class Scheduler implements AutoCloseable {
    private final CausalLm model;
    private final ServeMetrics metrics;
    private final int maxBatch, vocab, window;
    private final SequenceKvCache cache;
    private final BlockingQueue<GenerationJob> waiting;
    private final List<GenerationJob> running = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile int runningCount;
    private volatile double kvCacheUsage;

    /** {@code window}: the most positions one sequence (prompt and completion) may take, at most the model's. */
    Scheduler(CausalLm model, int maxBatch, int maxWaiting, int window, ServeMetrics metrics) {
        if (maxBatch <= 0 || maxWaiting <= 0)
            throw new IllegalArgumentException("max batch and waiting queue must be positive, got " + maxBatch + " and "
                    + maxWaiting);
        this.model = model;
        this.metrics = metrics;
        this.maxBatch = maxBatch;
        this.vocab = model.config().vocabSize();
        if (window <= 0 || window > model.config().maxPositions())
            throw new IllegalArgumentException("a context window of " + window + " positions is not in [1, "
                    + model.config().maxPositions() + "], the model's");
        this.window = window;
        this.cache = model.newSequenceCache(maxBatch, window);
        this.waiting = new ArrayBlockingQueue<>(maxWaiting);
        this.thread = Thread.ofPlatform().name("cortado-scheduler").daemon(true).unstarted(this::loop);
        model.module().eval();
        thread.start();
    }

    /** Queues {@code job}; false when the waiting queue is full. */
    boolean submit(GenerationJob job) {
        if (closed) return false;
        return waiting.offer(job);
    }

    int running() { return runningCount; }

    int maxBatch() { return maxBatch; }

    /** The most positions a prompt and its completion may take together. */
    int window() { return window; }

    int waiting() { return waiting.size(); }

    /** The share of the cache's positions (rows times context window) that running sequences hold, in [0, 1]. */
    double kvCacheUsage() { return kvCacheUsage; }

    private void loop() {
        while (!closed) {
            try {
                if (running.isEmpty()) {
                    GenerationJob first = waiting.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    admit(first);
                }
                for (GenerationJob j; running.size() < maxBatch && (j = waiting.poll()) != null; ) admit(j);
                for (GenerationJob j : List.copyOf(running)) if (j.cancelled()) leave(j, null);
                if (!running.isEmpty()) decodeStep();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // A failed step fails the sequences in it; the scheduler and the server stay up.
                String message = e.getClass().getSimpleName() + ": " + e.getMessage();
                for (GenerationJob j : List.copyOf(running)) {
                    j.failed(message);
                    leave(j, null);
                }
            } finally {
                runningCount = running.size();
                long held = 0;
                for (int r = 0; r < cache.rows(); r++) held += cache.length(r);
                kvCacheUsage = (double) held / ((long) cache.slots() * cache.capacity());
            }
        }
        for (GenerationJob j : running) j.failed("the server is shutting down");
        for (GenerationJob j; (j = waiting.poll()) != null; ) j.failed("the server is shutting down");
    }

    /** Prefills {@code job}'s prompt alone into a new row and takes its first token. */
    private void admit(GenerationJob job) {
        if (job.cancelled()) return;
        job.row = cache.add();
        running.add(job);
        runningCount = running.size();
        metrics.promptTokens(job.promptLength);
        float[] logits = model.nextTokenLogits(Arrays.copyOf(job.ids, job.promptLength), 1, job.promptLength,
                cache.rows(job.row, job.row + 1)).toArray();
        accept(job, logits, 0);
    }

    /** One token for every running sequence, in one forward pass over rows {@code [0, running)}. */
    private void decodeStep() {
        int n = cache.rows();
        int[] step = new int[n];
        for (GenerationJob j : running) step[j.row] = j.lastToken();
        float[] logits = model.nextTokenLogits(step, n, 1, cache.rows(0, n)).toArray();
        GenerationJob[] byRow = new GenerationJob[n]; // rows as they were for this step: leaving moves the last row
        for (GenerationJob j : running) byRow[j.row] = j;
        for (int r = 0; r < n; r++) accept(byRow[r], logits, r * vocab);
    }

    /** Samples {@code job}'s next token from its logits at {@code offset}, reports it, and ends the job if it is done. */
    private void accept(GenerationJob job, float[] logits, int offset) {
        float[] row = Arrays.copyOfRange(logits, offset, offset + vocab);
        if (job.constraint != null) {
            if (job.constraint.exhausted()) { // a complete document and no end-of-sequence id to close it with
                leave(job, FinishReason.STOP);
                return;
            }
            job.constraint.mask(row); // before every other processor, so they only see tokens the grammar allows
        }
        int next = job.sampler.sample(row, job.ids, job.promptLength, job.length);
        if (job.constraint != null) job.constraint.accept(next);
        job.ids[job.length++] = next;
        if (job.topLogprobs >= 0) job.logprob(TokenLogprob.of(logits, offset, vocab, next, job.topLogprobs));
        if (job.firstTokenNanos == 0) {
            job.firstTokenNanos = System.nanoTime();
            metrics.firstToken(job.firstTokenNanos - job.arrivalNanos);
        }
        metrics.generationTokens(1);
        job.emit(job.text.accept(next));
        FinishReason reason = job.stop.eosTokenIds().contains(next) || job.text.reachedStop() ? FinishReason.STOP
                : job.generated() >= job.stop.maxNewTokens() ? FinishReason.LENGTH : null;
        if (reason != null) leave(job, reason);
    }

    /** Frees {@code job}'s row (the last row moves into it); reports the finish unless it was cancelled or failed. */
    private void leave(GenerationJob job, FinishReason reason) {
        int moved = cache.remove(job.row);
        for (GenerationJob o : running) if (o.row == moved) o.row = job.row;
        running.remove(job);
        job.row = -1;
        runningCount = running.size();
        if (reason == null) return;
        job.emit(job.text.finish());
        metrics.finished(job, reason, System.nanoTime());
        job.finished(reason);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
