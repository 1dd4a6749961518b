package cortado.serve;

import cortado.nn.generate.FinishReason;
import cortado.nn.models.CausalLm;
import cortado.nn.models.PagedKvCache;
import cortado.peft.lora.MixedBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching (Yu et al. 2022, Orca's iteration-level scheduling, as vLLM runs it): one thread owns the model
 * and a {@link PagedKvCache} of {@code maxBatch} rows over a pool of KV blocks. Between any two decode steps waiting
 * sequences join (each into a fresh row after the longest cached prefix of full blocks it shares with earlier
 * requests; the prompts of those joining together are prefilled in one forward pass per run of equal uncached
 * lengths, each first token sampled at once) and finished or cancelled ones leave (their blocks
 * released), so a short request never waits for a long one to end. Each step is one batched forward of one token per
 * running sequence, every row at its own length. Requests beyond the running batch, or whose prompt's blocks do not
 * fit beside the running ones', wait first come first served in a bounded queue; {@link #submit} refuses one when it
 * is full (the server's 429). Blocks are taken as sequences grow; when a decode step finds none left, the most
 * recently admitted sequence is preempted as vLLM does by recomputation: its blocks are released (its full blocks stay
 * cached) and it waits at the head of the queue, to be prefilled again with its prompt and the tokens it has
 * generated, which the prefix cache usually still holds.
 */
final class Scheduler implements AutoCloseable {
    private final CausalLm model;
    private final ServeMetrics metrics;
    private final int maxBatch, vocab, window;
    private final PagedKvCache cache;
    private final BlockingQueue<GenerationJob> waiting;
    private final List<GenerationJob> running = new ArrayList<>();   // in admission order: the last is preempted first
    private final java.util.ArrayDeque<GenerationJob> preempted = new java.util.ArrayDeque<>();   // oldest first
    private final Thread thread;
    private volatile boolean closed;
    private volatile int runningCount;
    private volatile double kvCacheUsage;
    private volatile int blocksInUse, cachedBlocks, preemptedCount, prefillPasses;

    /** Positions per KV block when none is given (vLLM's default block size). */
    static final int DEFAULT_BLOCK_SIZE = 16;

    private final LoraAdapters lora;
    private final MixedBatch adapters;   // null: no LoRA adapters, every row runs the base
    private final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final List<GenerationJob> joining = new ArrayList<>();   // admitted, not yet prefilled; consecutive rows

    /**
     * Most new prompt positions prefilled in one forward pass: joining prompts beyond it wait for the next pass, so
     * the pass's activations stay bounded while a batch's worth of short prompts shares one pass over the weights.
     */
    static final int MAX_PREFILL_TOKENS = 2048;

    /** As below with KV blocks of {@link #DEFAULT_BLOCK_SIZE}, enough for every row to hold a whole window. */
    Scheduler(CausalLm model, int maxBatch, int maxWaiting, int window, ServeMetrics metrics) {
        this(model, maxBatch, maxWaiting, window, 0, DEFAULT_BLOCK_SIZE, metrics);
    }

    /**
     * {@code window}: the most positions one sequence (prompt and completion) may take, at most the model's;
     * {@code kvBlocks} blocks of {@code blockSize} positions per layer (0: {@code maxBatch} windows' worth), at least
     * one window's worth so that every request the window admits can run.
     */
    Scheduler(CausalLm model, int maxBatch, int maxWaiting, int window, int kvBlocks, int blockSize,
              ServeMetrics metrics) {
        this(model, LoraAdapters.none(), maxBatch, maxWaiting, window, kvBlocks, blockSize, metrics);
    }

    /**
     * As above, with {@code lora}'s router sending each row of a forward pass through its job's LoRA adapter (PEFT's
     * mixed batch).
     */
    Scheduler(CausalLm model, LoraAdapters lora, int maxBatch, int maxWaiting, int window, int kvBlocks,
              int blockSize, ServeMetrics metrics) {
        this.lora = lora;
        this.adapters = lora.mixedBatch();
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
        if (blockSize <= 0 || kvBlocks < 0)
            throw new IllegalArgumentException("KV block size must be positive and KV blocks >= 0, got " + blockSize
                    + " and " + kvBlocks);
        int perWindow = (window + blockSize - 1) / blockSize;
        int blocks = kvBlocks == 0 ? maxBatch * perWindow : kvBlocks;
        if (blocks < perWindow)
            throw new IllegalArgumentException(blocks + " KV blocks of " + blockSize + " positions hold fewer than one"
                    + " context window of " + window + " positions (" + perWindow + " blocks)");
        this.cache = model.newPagedCache(maxBatch, window, blocks, blockSize);
        metrics.cacheConfig(blockSize, blocks);
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

    /** Forward passes that prefilled joining prompts so far (several prompts may share one). */
    int prefillPasses() { return prefillPasses; }

    int maxBatch() { return maxBatch; }

    /** The most positions a prompt and its completion may take together. */
    int window() { return window; }

    int waiting() { return waiting.size() + preemptedCount; }

    /** The share of KV blocks that running sequences reference, in [0, 1] (cached unreferenced blocks count as free). */
    double kvCacheUsage() { return kvCacheUsage; }

    /** KV blocks referenced by running sequences. */
    int blocksInUse() { return blocksInUse; }

    /** KV blocks no sequence references that still hold a cached prefix (reusable, evicted when blocks run out). */
    int cachedBlocks() { return cachedBlocks; }

    /**
     * Runs {@code task} on the scheduler's thread between two forward passes (within a step's time, or 50 ms when
     * idle) and completes the future with its result or exception; for changes to the model, such as loading an
     * adapter, that no forward pass may see half done. {@code task} gets the adapters of the jobs running, preempted
     * or waiting, so it can refuse to remove one in use.
     */
    <T> java.util.concurrent.CompletableFuture<T> betweenSteps(java.util.function.Function<java.util.Set<String>, T> task) {
        java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the scheduler is closed"));
            return done;
        }
        tasks.add(() -> {
            java.util.Set<String> inUse = new java.util.HashSet<>();
            for (GenerationJob j : running) if (j.adapter != null) inUse.add(j.adapter);
            for (GenerationJob j : preempted) if (j.adapter != null) inUse.add(j.adapter);
            for (GenerationJob j : waiting) if (j.adapter != null && !j.cancelled()) inUse.add(j.adapter);
            try {
                done.complete(task.apply(inUse));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private void loop() {
        while (!closed) {
            for (Runnable t; (t = tasks.poll()) != null; ) t.run();
            try {
                while (running.size() < maxBatch && !preempted.isEmpty()) {   // they came first
                    GenerationJob j = preempted.peek();
                    if (!j.cancelled() && !admit(j)) break;
                    preempted.poll();
                }
                preemptedCount = preempted.size();
                if (running.isEmpty() && preempted.isEmpty()) {
                    GenerationJob first = waiting.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    // An empty cache fits any sequence of the window (the pool holds at least one).
                    if (!first.cancelled() && !admit(first)) first.failed("the sequence does not fit an empty KV cache");
                }
                for (GenerationJob j; preempted.isEmpty() && running.size() < maxBatch && (j = waiting.peek()) != null; ) {
                    if (!j.cancelled() && !admit(j)) break;   // its blocks do not fit yet: it and those after it wait
                    waiting.poll();   // j: only this thread takes from the queue
                }
                prefillJoining();
                for (GenerationJob j : List.copyOf(running)) if (j.cancelled()) leave(j, null);
                if (!running.isEmpty()) decodeStep();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // A failed step fails the sequences in it; the scheduler and the server stay up.
                String message = e.getClass().getSimpleName() + ": " + e.getMessage();
                joining.clear();
                for (GenerationJob j : List.copyOf(running)) {
                    j.failed(message);
                    leave(j, null);
                    waiting.remove(j);   // failed while joining: it was still at the queue's head
                    preempted.remove(j);
                }
            } finally {
                publishGauges();
            }
        }
        for (GenerationJob j : running) j.failed("the server is shutting down");
        for (GenerationJob j : preempted) j.failed("the server is shutting down");
        for (GenerationJob j; (j = waiting.poll()) != null; ) j.failed("the server is shutting down");
    }

    /**
     * Opens a row for {@code job} (reusing the longest cached prefix of its prompt, and of the tokens it generated
     * before a preemption) and queues the rest for {@link #prefillJoining}; false when its blocks do not fit yet
     * (nothing changed). True also when it failed (a prompt beyond the window), so it leaves the queue.
     */
    private boolean admit(GenerationJob job) {
        if (job.adapter != null && !java.util.Objects.equals(lora.cacheKey(job.adapter), job.adapterKey)) {
            job.failed("the adapter '" + job.adapter + "' was unloaded");   // between its request and its turn
            return true;
        }
        int tokens = job.length;   // the prompt, and the tokens generated before a preemption
        try {
            // The adapter is part of every block's hash: an adapter's keys and values differ from the base's.
            job.row = cache.add(job.ids, tokens, Math.min(window, tokens + 1), job.adapterKey);
        } catch (IllegalArgumentException e) {   // longer than the window: it can never run
            job.failed(e.getMessage());
            return true;
        }
        if (job.row < 0) return false;
        running.add(job);
        runningCount = running.size();
        int cached = cache.length(job.row);
        if (job.generated() == 0) metrics.promptTokens(job.promptLength);
        metrics.prefixCache(tokens, cached);   // vLLM v1 counts queries and hits in tokens, at every scheduling
        joining.add(job);
        return true;
    }

    /**
     * Prefills the sequences admitted since the last pass and takes each one's first token: consecutive ones with the
     * same number of uncached positions (at most {@link #MAX_PREFILL_TOKENS} in all) share one forward pass, rows x
     * positions, each row from its own cached length through its own adapter, so k short prompts read the weights
     * once instead of k times.
     */
    private void prefillJoining() {
        int i = 0;
        while (i < joining.size()) {
            GenerationJob first = joining.get(i);
            int n = first.length - cache.length(first.row), end = i + 1;
            while (end < joining.size() && (end - i + 1) * n <= MAX_PREFILL_TOKENS) {
                GenerationJob j = joining.get(end);
                if (j.row != first.row + (end - i) || j.length - cache.length(j.row) != n) break;
                end++;
            }
            int rows = end - i;
            int[] ids = new int[rows * n];
            String[] route = new String[rows * n];
            for (int r = 0; r < rows; r++) {
                GenerationJob j = joining.get(i + r);
                System.arraycopy(j.ids, j.length - n, ids, r * n, n);
                Arrays.fill(route, r * n, (r + 1) * n, j.adapter);
            }
            float[] logits = forward(ids, rows, n, first.row, route);
            prefillPasses++;
            List<GenerationJob> group = List.copyOf(joining.subList(i, end));
            for (GenerationJob j : group) cache.cacheFullBlocks(j.row, j.ids);   // before any leaves and moves rows
            for (int r = 0; r < rows; r++) accept(group.get(r), logits, r * vocab);
            i = end;
        }
        joining.clear();
    }

    /**
     * One token for every running sequence, in one forward pass over rows {@code [0, running)}, after making room:
     * each sequence, oldest first, takes the block its next position needs, preempting the newest while none is left.
     */
    private void decodeStep() {
        for (GenerationJob j : List.copyOf(running)) {
            if (j.row < 0) continue;   // preempted for an older one
            while (!cache.grow(j.row, 1)) {
                GenerationJob newest = running.getLast();
                preempt(newest);
                if (newest == j) break;
            }
        }
        if (running.isEmpty()) return;
        int n = cache.rows();
        int[] step = new int[n];
        String[] route = new String[n];
        for (GenerationJob j : running) {
            step[j.row] = j.lastToken();
            route[j.row] = j.adapter;
        }
        float[] logits = forward(step, n, 1, 0, route);
        GenerationJob[] byRow = new GenerationJob[n]; // rows as they were for this step: leaving moves the last row
        for (GenerationJob j : running) {
            byRow[j.row] = j;
            cache.cacheFullBlocks(j.row, j.ids);   // a block the step just filled becomes shareable
        }
        for (int r = 0; r < n; r++) accept(byRow[r], logits, r * vocab);
    }

    /**
     * The next-token logits of cache rows {@code [firstRow, firstRow + rows)} fed {@code ids} ({@code rows x tokens}),
     * each token row through the adapter {@code route} names (null: the base).
     */
    private float[] forward(int[] ids, int rows, int tokens, int firstRow, String[] route) {
        // Always routed when adapters are loaded: a base row must not fall back to the layers' active adapter.
        if (adapters != null) adapters.set(route);
        try {
            return model.nextTokenLogits(ids, rows, tokens, cache.rows(firstRow, firstRow + rows)).toArray();
        } finally {
            if (adapters != null) adapters.clear();
        }
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

    /**
     * Frees {@code job}'s row and releases its blocks (the last row moves into it); reports the finish unless it was
     * cancelled or failed.
     */
    private void leave(GenerationJob job, FinishReason reason) {
        int moved = cache.remove(job.row);
        for (GenerationJob o : running) if (o.row == moved) o.row = job.row;
        running.remove(job);
        job.row = -1;
        publishGauges();   // before the finish is reported: whoever sees it sees the blocks released
        if (reason == null) return;
        job.emit(job.text.finish());
        metrics.finished(job, reason, System.nanoTime());
        job.finished(reason);
    }

    /** The counts that other threads read (metrics, tests), from the scheduler thread's state. */
    private void publishGauges() {
        runningCount = running.size();
        preemptedCount = preempted.size();
        blocksInUse = cache.pool().inUse();
        cachedBlocks = cache.pool().cachedFree();
        kvCacheUsage = (double) blocksInUse / cache.pool().blocks();
    }

    /** Releases {@code job}'s row and blocks and puts it at the head of the queue, to be recomputed when it rejoins. */
    private void preempt(GenerationJob job) {
        int moved = cache.remove(job.row);
        for (GenerationJob o : running) if (o.row == moved) o.row = job.row;
        running.remove(job);
        job.row = -1;
        preempted.addFirst(job);   // newer ones were preempted before it: it goes ahead of them
        metrics.preemption();
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
