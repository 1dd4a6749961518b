package cortado.train;

import cortado.nn.models.CausalLm;
import java.util.List;

/**
 * Cuts a token sequence into training batches of B rows of T tokens: {@code inputs} and {@code targets} (the same
 * tokens shifted by one), both row-major [B, T].
 *
 * <ul>
 *   <li>{@link #sequential}: exactly llm.c's DataLoader without shuffling. A cursor starts at token 0; a batch reads
 *   the B·T+1 tokens from the cursor (inputs are the first B·T, targets the last B·T), then the cursor advances by
 *   B·T; when the next batch would run past the end, the cursor goes back to 0. So batch i covers
 *   {@code tokens[i·B·T .. (i+1)·B·T]} until the first wrap, and runs can be compared token for token with other
 *   engines.</li>
 *   <li>{@link #random}: each row starts at an independent uniform position in {@code [0, n - T - 1]}, as nanoGPT's
 *   get_batch, from a seeded SplitMix64 generator whose whole state is one long (so a checkpoint can save it).</li>
 *   <li>{@link #examples}: each row is one {@link PromptCompletion} drawn uniformly from a list by the same generator,
 *   right-padded to T; its targets are the completion's tokens, with {@link CausalLm#IGNORE_INDEX} under the prompt
 *   and the padding, so the loss is the completion's alone. Right padding needs no attention mask: a causal model's
 *   positions never look at the later padding.</li>
 *   <li>{@link #mixed}: each row first draws its source from a {@link DataMix}'s probabilities, then a uniform
 *   window of that source, both from the same generator, so the mix is deterministic under the seed and resumes from
 *   the one long of state.</li>
 *   <li>{@link #sft}: each row is one {@link SftExample} (TRL's labels) drawn the same way, right-padded to T, its
 *   targets the labels shifted by one.</li>
 *   <li>{@link #given}: rows prepared by the caller (inputs and targets), drawn the same way.</li>
 *   <li>{@link #packed}: each row is one {@link PackedRow} drawn the same way, right-padded to T; rows packed by
 *   best-fit decreasing carry position ids that restart with each example (the model then keeps attention inside
 *   each, {@link CausalLm#lossPacked}), and no example predicts the next one's first token.</li>
 * </ul>
 */
public final class Batches {
    /**
     * One batch: inputs and targets, row-major [batch, seq], and the position ids of packed rows (null: every row is
     * one sequence at positions 0..T-1); {@code taskIds}, one per row, the task of each row of {@link #given} rows
     * that name one (multitask prompt tuning's task_ids), else null.
     */
    public record Batch(int[] inputs, int[] targets, int batch, int seq, int[] positions, int[] attentionMask,
                        int[] tokenTypes, int[] taskIds) {
        public Batch(int[] inputs, int[] targets, int batch, int seq) { this(inputs, targets, batch, seq, null); }

        public Batch(int[] inputs, int[] targets, int batch, int seq, int[] positions, int[] attentionMask,
                     int[] tokenTypes) {
            this(inputs, targets, batch, seq, positions, attentionMask, tokenTypes, null);
        }

        public Batch(int[] inputs, int[] targets, int batch, int seq, int[] positions) {
            this(inputs, targets, batch, seq, positions, null, null);
        }
    }

    /**
     * One row for an encoder ({@link #epochs}): ids, segment ids (null: all 0), the attention mask (null: every
     * token real) and targets, each at most T long; the batch pads the row with id 0, mask 0 and target
     * {@link CausalLm#IGNORE_INDEX}. What the targets mean is the objective's: a label in slot 0, a label per
     * position, a span's start and end...
     */
    public record EncoderRow(int[] inputs, int[] tokenTypes, int[] attentionMask, int[] targets) {
        public EncoderRow {
            if (tokenTypes != null && tokenTypes.length != inputs.length)
                throw new IllegalArgumentException(tokenTypes.length + " token types for " + inputs.length + " ids");
            if (attentionMask != null && attentionMask.length != inputs.length)
                throw new IllegalArgumentException(attentionMask.length + " mask entries for " + inputs.length + " ids");
        }
    }

    /** One prepared row: inputs, targets and position ids (null: unpacked), each at most T long. */
    private record Row(int[] inputs, int[] targets, int[] positions, int[] tokenTypes, int[] attentionMask, int taskId) {
        Row(int[] inputs, int[] targets, int[] positions) { this(inputs, targets, positions, null, null, -1); }

        Row(int[] inputs, int[] targets, int[] positions, int[] tokenTypes, int[] attentionMask) {
            this(inputs, targets, positions, tokenTypes, attentionMask, -1);
        }
    }

    private final TokenData data;               // null in examples mode
    private final List<PromptCompletion> examples; // null in the token modes
    private final List<Row> rows;               // the sft and packed modes
    private final int batch, seq;
    private final boolean sequential;
    private long cursor;     // sequential: next start token
    private long rngState;   // random: SplitMix64 state
    private final List<TokenData> mixSources;   // mixed mode, else null
    private final double[] mixCumulative;       // cumulative source probabilities, the last exactly 1
    private final long[] rowsDrawn;             // mixed mode: rows drawn from each source so far
    private int shard, shards = 1;              // data parallelism: this rank's share of each global batch
    private boolean epochs;                     // epochs mode: rows in a seeded permutation per epoch; cursor counts rows

    private Batches(TokenData data, int batch, int seq, boolean sequential, long seed) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        long needed = sequential ? (long) batch * seq + 1 : (long) seq + 1;
        if (data.size() < needed)
            throw new TokenDataException(data.source() + ": holds " + data.size() + " tokens, fewer than one batch needs ("
                    + (sequential ? "B*T+1 = " : "T+1 = ") + needed + ")");
        this.data = data;
        this.examples = null;
        this.rows = null;
        this.batch = batch;
        this.seq = seq;
        this.sequential = sequential;
        this.rngState = seed;
        this.mixSources = null;
        this.mixCumulative = null;
        this.rowsDrawn = null;
    }

    private Batches(DataMix mix, int batch, int seq, long seed) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        List<TokenData> sources = new java.util.ArrayList<>();
        for (DataMix.Source s : mix.sources()) {
            if (s.train().size() < seq + 1L)
                throw new TokenDataException(s.train().source() + ": holds " + s.train().size()
                        + " tokens, fewer than one row needs (T+1 = " + (seq + 1) + ")");
            sources.add(s.train());
        }
        double[] p = mix.probabilities();
        double[] cumulative = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) cumulative[i] = sum += p[i];
        cumulative[p.length - 1] = 1.0;   // no row may fall past the last source through rounding
        this.data = null;
        this.examples = null;
        this.rows = null;
        this.batch = batch;
        this.seq = seq;
        this.sequential = false;
        this.rngState = seed;
        this.mixSources = List.copyOf(sources);
        this.mixCumulative = cumulative;
        this.rowsDrawn = new long[sources.size()];
    }

    private Batches(List<PromptCompletion> examples, int batch, int seq, long seed) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        if (examples.isEmpty()) throw new IllegalArgumentException("no examples to train on");
        this.data = null;
        this.rows = null;
        this.examples = List.copyOf(examples);
        for (int i = 0; i < this.examples.size(); i++)
            if (this.examples.get(i).length() - 1 > seq)
                throw new TokenDataException("example " + i + " holds " + this.examples.get(i).length()
                        + " tokens, more than a row of seq+1 = " + (seq + 1));
        this.batch = batch;
        this.seq = seq;
        this.sequential = false;
        this.rngState = seed;
        this.mixSources = null;
        this.mixCumulative = null;
        this.rowsDrawn = null;
    }

    private Batches(int batch, int seq, long seed, List<Row> rows) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        if (rows.isEmpty()) throw new IllegalArgumentException("no examples to train on");
        for (int i = 0; i < rows.size(); i++)
            if (rows.get(i).inputs().length > seq)
                throw new TokenDataException("example " + i + " holds " + rows.get(i).inputs().length
                        + " tokens, more than a row of " + seq);
        this.data = null;
        this.examples = null;
        this.rows = List.copyOf(rows);
        this.batch = batch;
        this.seq = seq;
        this.sequential = false;
        this.rngState = seed;
        this.mixSources = null;
        this.mixCumulative = null;
        this.rowsDrawn = null;
    }

    /** Rows of SFT examples (every token an input, targets the labels shifted by one), drawn uniformly. */
    public static Batches sft(List<SftExample> examples, int batch, int seq, long seed) {
        List<Row> rows = new java.util.ArrayList<>(examples.size());
        for (SftExample e : examples) rows.add(new Row(e.inputIds(), shift(e.labels()), null));
        return new Batches(batch, seq, seed, rows);
    }

    /** Rows of packed examples (position ids restart per example where the row knows its examples), drawn uniformly. */
    public static Batches packed(List<PackedRow> packed, int batch, int seq, long seed) {
        List<Row> rows = new java.util.ArrayList<>(packed.size());
        for (PackedRow r : packed)
            rows.add(new Row(r.inputIds(), shift(r.collatedLabels()), r.seqLengths() == null ? null : r.positionIds()));
        return new Batches(batch, seq, seed, rows);
    }

    /**
     * Rows given whole (inputs and the target at each position, {@link CausalLm#IGNORE_INDEX} where nothing is
     * scored), drawn uniformly like {@link #sft}: e.g. preference pairs laid out as one row each, chosen then rejected.
     */
    public static Batches given(List<int[]> inputs, List<int[]> targets, int batch, int seq, long seed) {
        return given(inputs, targets, null, batch, seq, seed);
    }

    /** As above, each row with its task id ({@code taskIds}, one per row, each >= 0; null: none), in {@link Batch#taskIds}. */
    public static Batches given(List<int[]> inputs, List<int[]> targets, int[] taskIds, int batch, int seq, long seed) {
        if (taskIds != null && taskIds.length != inputs.size())
            throw new IllegalArgumentException(taskIds.length + " task ids for " + inputs.size() + " rows");
        if (inputs.size() != targets.size())
            throw new IllegalArgumentException(inputs.size() + " input rows, " + targets.size() + " target rows");
        List<Row> rows = new java.util.ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).length != targets.get(i).length)
                throw new IllegalArgumentException("row " + i + ": " + inputs.get(i).length + " inputs, "
                        + targets.get(i).length + " targets");
            if (taskIds != null && taskIds[i] < 0) throw new IllegalArgumentException("row " + i + ": task id " + taskIds[i]);
            rows.add(new Row(inputs.get(i), targets.get(i), null, null, null, taskIds == null ? -1 : taskIds[i]));
        }
        return new Batches(batch, seq, seed, rows);
    }

    /**
     * Encoder rows in epochs, as a PyTorch DataLoader with {@code shuffle=True} and {@code drop_last=False}: each
     * epoch visits every row once in its own seeded permutation, B rows per batch, the last batch of an epoch holding
     * what remains. The position (one long, for checkpoints) counts the rows drawn so far.
     */
    public static Batches epochs(List<EncoderRow> rows, int batch, int seq, long seed) {
        List<Row> out = new java.util.ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            EncoderRow r = rows.get(i);
            if (r.targets().length > seq)
                throw new TokenDataException("example " + i + " has " + r.targets().length + " targets, more than a row of " + seq);
            out.add(new Row(r.inputs(), r.targets(), null, r.tokenTypes(), r.attentionMask()));
        }
        Batches b = new Batches(batch, seq, seed, out);
        b.epochs = true;
        return b;
    }

    /** The given encoder rows as one batch, in order (evaluation), padded to T as {@link #epochs} pads them. */
    public static Batch encoderBatch(List<EncoderRow> rows, int seq) {
        Batches b = epochs(rows, rows.size(), seq, 0);
        return b.batchOf(b.rows);
    }

    /** Epochs mode: batches per epoch, ceil(rows / B). */
    public int batchesPerEpoch() {
        if (!epochs) throw new IllegalStateException("not in epochs mode");
        return (rows.size() + batch - 1) / batch;
    }

    /** Epochs mode: the rows of one epoch in their order, {@code order[i]} the index of its i-th row. */
    private int[] permutation(long epoch) {
        int n = rows.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(rngState + 0x9E3779B97F4A7C15L * (epoch + 1));
        for (int i = n - 1; i > 0; i--) {   // Fisher-Yates
            int j = rng.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Targets from labels: position i predicts {@code labels[i + 1]}; the last position predicts nothing. */
    private static int[] shift(int[] labels) {
        int[] t = new int[labels.length];
        if (labels.length > 0) System.arraycopy(labels, 1, t, 0, labels.length - 1);
        if (labels.length > 0) t[labels.length - 1] = CausalLm.IGNORE_INDEX;
        return t;
    }

    /** The prepared rows as one batch, right-padded (id 0, target ignored, each pad its own sequence at position 0). */
    private Batch batchOf(List<Row> picked) {
        int n = picked.size();
        int[] inputs = new int[n * seq], targets = new int[n * seq];
        java.util.Arrays.fill(targets, CausalLm.IGNORE_INDEX);
        boolean anyPacked = false;
        for (Row r : picked) anyPacked |= r.positions() != null;
        int[] positions = anyPacked ? new int[n * seq] : null;
        int[] mask = epochs ? new int[n * seq] : null, types = epochs ? new int[n * seq] : null;
        int[] tasks = picked.isEmpty() || picked.get(0).taskId() < 0 ? null : new int[n];
        for (int b = 0; b < n; b++) {
            Row r = picked.get(b);
            if (tasks != null) tasks[b] = r.taskId();
            System.arraycopy(r.inputs(), 0, inputs, b * seq, r.inputs().length);
            System.arraycopy(r.targets(), 0, targets, b * seq, r.targets().length);
            if (positions != null)
                for (int i = 0; i < r.inputs().length; i++) positions[b * seq + i] = r.positions() == null ? i : r.positions()[i];
            if (mask != null) {
                for (int i = 0; i < r.inputs().length; i++) mask[b * seq + i] = r.attentionMask() == null ? 1 : r.attentionMask()[i];
                if (r.tokenTypes() != null) System.arraycopy(r.tokenTypes(), 0, types, b * seq, r.tokenTypes().length);
            }
        }
        return new Batch(inputs, targets, n, seq, positions, mask, types, tasks);
    }

    /** llm.c order: consecutive windows of B·T tokens from the start, wrapping to 0. */
    public static Batches sequential(TokenData data, int batch, int seq) {
        return new Batches(data, batch, seq, true, 0);
    }

    /** Independent random windows from a seeded generator. */
    public static Batches random(TokenData data, int batch, int seq, long seed) {
        return new Batches(data, batch, seq, false, seed);
    }

    /** Random windows from several sources, each row's source drawn by the mix's weights. */
    public static Batches mixed(DataMix mix, int batch, int seq, long seed) {
        return new Batches(mix, batch, seq, seed);
    }

    /** Rows of prompt/completion examples drawn uniformly (with replacement) from a seeded generator. */
    public static Batches examples(List<PromptCompletion> examples, int batch, int seq, long seed) {
        return new Batches(examples, batch, seq, seed);
    }

    /**
     * The given examples as one batch of {@code rows.size()} rows of T tokens: inputs are each example but its last
     * token, then padding (id 0); targets are the next tokens where the completion is predicted and
     * {@link CausalLm#IGNORE_INDEX} elsewhere.
     */
    public static Batch rows(List<PromptCompletion> rows, int seq) {
        int n = rows.size();
        int[] inputs = new int[n * seq], targets = new int[n * seq];
        java.util.Arrays.fill(targets, CausalLm.IGNORE_INDEX);
        for (int b = 0; b < n; b++) {
            PromptCompletion e = rows.get(b);
            int len = e.length() - 1, p = e.prompt().length;
            if (len > seq) throw new IllegalArgumentException("example of " + e.length() + " tokens in rows of " + seq);
            for (int i = 0; i < len; i++) inputs[b * seq + i] = i < p ? e.prompt()[i] : e.completion()[i - p];
            // Position i predicts token i+1, scored when that token is part of the completion (i+1 >= p).
            for (int i = p - 1; i < len; i++) targets[b * seq + i] = e.completion()[i + 1 - p];
        }
        return new Batch(inputs, targets, n, seq);
    }

    /**
     * The next batch: this shard's B rows of the next global batch of B x shards rows ({@link #shard}); every shard
     * draws the same global batch, so the position is one value on every rank and a run resumes on any number.
     */
    public Batch next() {
        Batch all = draw(batch * shards);
        if (shards == 1) return all;
        int from = shard * batch * seq, n = batch * seq;
        return new Batch(java.util.Arrays.copyOfRange(all.inputs(), from, from + n),
                java.util.Arrays.copyOfRange(all.targets(), from, from + n), batch, seq,
                all.positions() == null ? null : java.util.Arrays.copyOfRange(all.positions(), from, from + n), null,
                null, all.taskIds() == null ? null : java.util.Arrays.copyOfRange(all.taskIds(), shard * batch,
                        (shard + 1) * batch));
    }

    /**
     * Makes these batches shard {@code shard} of {@code shards} for data parallelism: {@link #next} then draws global
     * batches of B x shards rows (the order a single process with that batch would see) and returns rows
     * [shard x B, (shard + 1) x B) of each, so N ranks of B rows train on exactly the rows of one rank of N x B.
     */
    public Batches shard(int shard, int shards) {
        if (shards < 1 || shard < 0 || shard >= shards)
            throw new IllegalArgumentException("shard " + shard + " of " + shards);
        if (epochs && shards > 1)
            throw new IllegalArgumentException("epoch-ordered encoder rows are not split over ranks yet");
        if (sequential && data.size() < (long) batch * shards * seq + 1)
            throw new TokenDataException(data.source() + ": holds " + data.size() + " tokens, fewer than one global"
                    + " batch of " + shards + " ranks needs (ranks*B*T+1 = " + ((long) batch * shards * seq + 1) + ")");
        this.shard = shard;
        this.shards = shards;
        return this;
    }

    /** The number of shards the global batch is split into (1 unless {@link #shard} was called). */
    public int shards() { return shards; }

    /** One batch of {@code batch} rows (the global batch when sharded). */
    private Batch draw(int batch) {
        if (epochs) {
            int n = rows.size();
            long epoch = cursor / n;
            int from = (int) (cursor % n), take = Math.min(batch, n - from);
            int[] order = permutation(epoch);
            Row[] picked = new Row[take];
            for (int b = 0; b < take; b++) picked[b] = rows.get(order[from + b]);
            cursor += take;
            return batchOf(List.of(picked));
        }
        if (rows != null) {
            Row[] picked = new Row[batch];
            for (int b = 0; b < batch; b++) picked[b] = rows.get((int) uniform(rows.size()));
            return batchOf(List.of(picked));
        }
        if (examples != null) {
            PromptCompletion[] picked = new PromptCompletion[batch];
            for (int b = 0; b < batch; b++) picked[b] = examples.get((int) uniform(examples.size()));
            return rows(List.of(picked), seq);
        }
        int bt = batch * seq;
        int[] inputs = new int[bt], targets = new int[bt];
        if (mixSources != null) {
            int[] buf = new int[seq + 1];
            for (int b = 0; b < batch; b++) {
                double u = (nextLong() >>> 11) * 0x1.0p-53;   // uniform in [0, 1) from the top 53 bits
                int src = 0;
                while (u >= mixCumulative[src]) src++;
                rowsDrawn[src]++;
                TokenData d = mixSources.get(src);
                long start = uniform(d.size() - seq);
                d.read(start, buf, 0, seq + 1);
                System.arraycopy(buf, 0, inputs, b * seq, seq);
                System.arraycopy(buf, 1, targets, b * seq, seq);
            }
        } else if (sequential) {
            if (cursor + bt + 1 > data.size()) cursor = 0;
            int[] buf = new int[bt + 1];
            data.read(cursor, buf, 0, bt + 1);
            System.arraycopy(buf, 0, inputs, 0, bt);
            System.arraycopy(buf, 1, targets, 0, bt);
            cursor += bt;
            if (cursor + bt + 1 > data.size()) cursor = 0; // as llm.c: wrap as soon as the next batch cannot fit
        } else {
            long range = data.size() - seq; // starts 0 .. n-T-1
            int[] buf = new int[seq + 1];
            for (int b = 0; b < batch; b++) {
                long start = uniform(range);
                data.read(start, buf, 0, seq + 1);
                System.arraycopy(buf, 0, inputs, b * seq, seq);
                System.arraycopy(buf, 1, targets, b * seq, seq);
            }
        }
        return new Batch(inputs, targets, batch, seq);
    }

    public boolean isSequential() { return sequential; }

    /** Mixed mode: rows drawn from each source since these batches were made (or restored); else null. */
    public long[] rowsPerSource() { return rowsDrawn == null ? null : rowsDrawn.clone(); }

    /** Rows per batch (B). */
    public int batch() { return batch; }

    /** Tokens per row (T). */
    public int seq() { return seq; }

    /** The resumable position: the cursor (sequential) or the generator state (random). */
    public long state() { return sequential || epochs ? cursor : rngState; }

    /** Restores a position saved from {@link #state()}. */
    public void restore(long state) {
        if (sequential) {
            if (state < 0 || state + (long) batch * shards * seq + 1 > data.size())
                throw new IllegalArgumentException("data position " + state + " is out of range for "
                        + data.size() + " tokens");
            cursor = state;
        } else if (epochs) {
            if (state < 0) throw new IllegalArgumentException("data position " + state + " is negative");
            cursor = state;
        } else rngState = state;
    }

    // SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and its state is a single long.
    private long nextLong() {
        long z = (rngState += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound) without modulo bias (rejection sampling). */
    private long uniform(long bound) {
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
        long r;
        do r = nextLong() >>> 1; while (r >= limit);
        return r % bound;
    }
}
