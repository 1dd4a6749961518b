package cortado.train.dist;

import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.quant.RawSafetensorsWriter;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import cortado.train.ElementwiseOptimizer;
import cortado.train.Optimizer;
import cortado.train.OptimizerStateFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The optimizer of ZeRO's sharded parameters ({@link ZeroOptimizer}, {@link ZeroStage3}) and its checkpoints in the
 * single-process format. Trainable parameter i has on this rank the piece {@code [pieceFrom[i], +pieces[i].numel())}
 * (no elements outside the rank's shard); the inner optimizer, any {@link ElementwiseOptimizer}, holds the pieces'
 * state only. {@link #gather} (every rank) collects every rank's state on rank 0, whose {@link #save} writes it as
 * the inner optimizer does for whole parameters; {@link #load} reads such a file on any number of ranks, each keeping
 * its pieces.
 */
final class ShardedOptimizerState {
    /** One flat vector cut into shards (all the trainable parameters, or one ZeRO-3 unit); member j is parameter {@code members[j]}. */
    record Group(FlatPartition layout, int[] members) {}

    private final String stage;   // "ZeRO", "ZeRO-3": names the caller in errors
    private final Collective collective;
    private final List<String> names;
    private final List<Parameter> whole;
    private final Parameter[] pieces;
    private final long[] pieceFrom;
    private final List<Group> groups;
    private final ElementwiseOptimizer inner;
    private final MemorySegment send, recv;   // the owner's collective buffers: a window, and the ranks' windows
    private final Arena arena = Arena.ofAuto();
    private Map<String, float[]> gathered;   // rank 0, from gather to save

    /**
     * @param whole the trainable parameters (their shapes are the state's), named by {@code names}
     * @param pieces this rank's piece of each; a null one (outside this rank's shard) becomes an empty tensor
     * @param send the owner's collective buffers, {@code send} and {@code recv} each of room for the ranks' windows of
     *     any group (a gather runs between the owner's own collectives, so they are shared)
     * @param optimizer builds the optimizer over the pieces; it must be elementwise
     */
    ShardedOptimizerState(String stage, Collective collective, List<String> names, List<Parameter> whole,
                          Parameter[] pieces, long[] pieceFrom, List<Group> groups, MemorySegment send,
                          MemorySegment recv, Function<Map<String, Parameter>, Optimizer> optimizer) {
        this.stage = stage;
        this.collective = collective;
        this.names = names;
        this.whole = whole;
        this.pieces = pieces;
        this.pieceFrom = pieceFrom;
        this.groups = List.copyOf(groups);
        this.send = send;
        this.recv = recv;
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (int i = 0; i < whole.size(); i++) {
            if (pieces[i] == null) {   // outside this shard: named (parameter groups match names) but never updated
                Tensor p = whole.get(i).value();
                pieces[i] = new Parameter(StepArena.outside(() -> p.backend().zeros(pieceShape(p, 0))));
            }
            byName.put(names.get(i), pieces[i]);
        }
        Optimizer o = optimizer.apply(byName);
        if (!(o instanceof ElementwiseOptimizer e)) {
            o.close();
            throw new IllegalArgumentException("--zero shards the optimizer state element by element, which " + o.kind()
                    + " cannot do (its update is not elementwise); use adamw, sgd, sgd-nesterov or lion");
        }
        this.inner = e;
    }

    /** A piece keeps its parameter's rank (1 x n for a matrix), so weight decay treats it as it treats the whole. */
    static int[] pieceShape(Tensor p, long n) {
        return p.rank() >= 2 ? new int[] {1, (int) n} : new int[] {(int) n};
    }

    /** The optimizer over the pieces. */
    ElementwiseOptimizer optimizer() { return inner; }

    /**
     * Every rank, before rank 0 saves: collects the state of every shard on rank 0, group by group in windows (so the
     * other ranks hold no more than a window of others' state).
     */
    void gather() {
        List<String> slots = inner.stateSlots();
        int n = whole.size(), ranks = collective.size(), rank = collective.rank();
        MemorySegment present = arena.allocate(Math.max(1L, (long) n * slots.size()) * Float.BYTES,
                ValueLayout.JAVA_FLOAT.byteAlignment());   // parameter i has slot s somewhere: > 0
        Tensor[][] state = new Tensor[slots.size()][n];
        for (int s = 0; s < slots.size(); s++)
            for (int i = 0; i < n; i++) {
                if (pieces[i].numel() == 0) continue;
                Tensor t = inner.state(slots.get(s), names.get(i));
                if (t == null) continue;
                state[s][i] = t.contiguous().view(-1);
                present.setAtIndex(ValueLayout.JAVA_FLOAT, (long) s * n + i, 1f);
            }
        collective.allReduceSum(present, (long) n * slots.size());
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int s = 0; s < slots.size(); s++) {
            float[][] full = new float[n][];
            for (int i = 0; i < n; i++)
                if (rank == 0 && present.getAtIndex(ValueLayout.JAVA_FLOAT, (long) s * n + i) > 0)
                    full[i] = new float[whole.get(i).numel()];
            Tensor[] mine = state[s];
            for (Group g : groups) {
                FlatPartition l = g.layout();
                int[] members = g.members();
                if (members.length == 0) continue;
                for (int k = 0; k < l.windows(); k++) {
                    long c = l.windowLength(k), a = l.shardStart(rank) + k * l.window();
                    send.asSlice(0, c * Float.BYTES).fill((byte) 0);
                    l.overlaps(a, a + c, (p, from, to, at) -> {
                        int i = members[p];
                        if (mine[i] != null) HostCopy.read(mine[i], from - pieceFrom[i], to - pieceFrom[i], send, at);
                    });
                    collective.allGather(send, recv, c);
                    if (rank != 0) continue;
                    for (int r = 0; r < ranks; r++) {
                        long base = r * c, b = l.shardStart(r) + k * l.window();
                        l.overlaps(b, b + c, (p, from, to, at) -> {
                            int i = members[p];
                            if (full[i] != null)
                                MemorySegment.copy(recv, ValueLayout.JAVA_FLOAT, (base + at) * Float.BYTES, full[i],
                                        (int) from, (int) (to - from));
                        });
                    }
                }
            }
            for (int i = 0; i < n; i++) if (full[i] != null) out.put(slots.get(s) + "." + names.get(i), full[i]);
        }
        gathered = rank == 0 ? out : null;
    }

    /**
     * Rank 0, after {@link #gather}: writes the whole state as the inner optimizer does for unsharded parameters
     * (same tensor names and shapes), so a single process or any number of ranks resumes from it.
     */
    void save(Path file) {
        if (gathered == null) {
            if (collective.size() > 1)
                throw new IllegalStateException(stage + ": every rank must call gatherState() before rank 0 saves the state");
            gather();   // one process: nothing to collect
        }
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        for (String slot : inner.stateSlots())
            for (int i = 0; i < whole.size(); i++) {
                float[] v = gathered.remove(slot + "." + names.get(i));   // garbage once copied to bytes
                if (v != null) w.addF32(slot + "." + names.get(i), Arrays.stream(whole.get(i).shape()).asLongStream().toArray(), v);
            }
        gathered = null;
        OptimizerStateFile.write(file, w, inner.kind(), inner.stepCount());
    }

    /** Every rank: reads a whole state (written by one process or by {@link #save}) and keeps its pieces. */
    void load(Path file) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        int step;
        try (OptimizerStateFile f = OptimizerStateFile.open(file, inner.kind())) {
            for (String slot : inner.stateSlots())
                for (int i = 0; i < whole.size(); i++) {
                    String key = slot + "." + names.get(i);
                    if (!f.contains(key)) continue;   // never updated
                    known.add(key);
                    float[] all = f.floats(key, whole.get(i).shape());
                    int len = pieces[i].numel();
                    if (len > 0) values.put(key, Arrays.copyOfRange(all, (int) pieceFrom[i], (int) pieceFrom[i] + len));
                }
            String extra = f.unexpected(known);
            if (extra != null) throw new CheckpointException(file + ": tensor " + extra + " matches no trainable parameter");
            step = f.step();
        }
        inner.restoreState(step, values);
    }
}
