package cortado.train;

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
 * </ul>
 */
public final class Batches {
    /** One batch: inputs and targets, row-major [batch, seq]. */
    public record Batch(int[] inputs, int[] targets, int batch, int seq) {}

    private final TokenData data;
    private final int batch, seq;
    private final boolean sequential;
    private long cursor;     // sequential: next start token
    private long rngState;   // random: SplitMix64 state

    private Batches(TokenData data, int batch, int seq, boolean sequential, long seed) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        long needed = sequential ? (long) batch * seq + 1 : (long) seq + 1;
        if (data.size() < needed)
            throw new TokenDataException(data.source() + ": holds " + data.size() + " tokens, fewer than one batch needs ("
                    + (sequential ? "B*T+1 = " : "T+1 = ") + needed + ")");
        this.data = data;
        this.batch = batch;
        this.seq = seq;
        this.sequential = sequential;
        this.rngState = seed;
    }

    /** llm.c order: consecutive windows of B·T tokens from the start, wrapping to 0. */
    public static Batches sequential(TokenData data, int batch, int seq) {
        return new Batches(data, batch, seq, true, 0);
    }

    /** Independent random windows from a seeded generator. */
    public static Batches random(TokenData data, int batch, int seq, long seed) {
        return new Batches(data, batch, seq, false, seed);
    }

    public Batch next() {
        int bt = batch * seq;
        int[] inputs = new int[bt], targets = new int[bt];
        if (sequential) {
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

    /** The resumable position: the cursor (sequential) or the generator state (random). */
    public long state() { return sequential ? cursor : rngState; }

    /** Restores a position saved from {@link #state()}. */
    public void restore(long state) {
        if (sequential) {
            if (state < 0 || state + (long) batch * seq + 1 > data.size())
                throw new IllegalArgumentException("data position " + state + " is out of range for "
                        + data.size() + " tokens");
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
