package cortado.train.dist;

import cortado.nn.Parameter;
import cortado.tensor.StepArena;
import cortado.tensor.Storage;
import cortado.tensor.Tensor;
import cortado.train.ElementwiseOptimizer;
import cortado.train.GradClip;
import cortado.train.Optimizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ZeRO stages 1 and 2 (Rajbhandari et al. 2020) over a {@link Collective}: the trainable parameters are cut into one
 * contiguous shard per rank ({@link FlatPartition}), and each rank's optimizer (any {@link ElementwiseOptimizer}) holds
 * the state of its shard only, 1/N of what data parallelism keeps on every rank. One update:
 * <ol>
 *   <li>{@link #reduceGradients}: the gradients are reduce-scattered (summed over the ranks, each rank receiving its
 *   shard), in windows of about {@link DataParallel#BUCKET_BYTES}; the clip uses the global norm, the square norms of
 *   the shards summed over the ranks;</li>
 *   <li>{@link #step}: each rank updates its shard in place (the inner optimizer's parameters are views into the
 *   model's tensors), then the parameters are all-gathered so every rank again holds the whole updated model.</li>
 * </ol>
 * Stage 1 keeps the full gradient tensors until {@link #zeroGrad} (the reduced shard is written back into them);
 * stage 2 keeps only the shard's reduced gradient, in one buffer of shard size, and gives each full gradient back to
 * the step's arena as soon as the last window that carries any of it has been reduced. The reduction itself runs
 * after backward (not overlapped with it), so the full gradients still coexist at the end of backward.
 *
 * <p>A checkpoint holds the state as one process writes it: {@link #gatherState} (every rank) collects the shards on
 * rank 0, whose {@link #saveState} then writes the inner optimizer's format for the whole parameters; {@link
 * #loadState} reads such a file on any number of ranks, each keeping its shard.
 */
public final class ZeroOptimizer implements Optimizer {
    private final Collective collective;
    private final int stage;
    private final Map<String, Parameter> params = new LinkedHashMap<>();   // the trainable ones, in order
    private final List<String> names;
    private final List<Parameter> list;
    private final FlatPartition layout;
    private final List<FlatPartition.Piece> mine;
    private final Parameter[] pieces;   // by parameter: this rank's part (0 elements where it holds none)
    private final long[] pieceFrom;     // by parameter: where its piece starts in it
    private final ShardedOptimizerState state;   // the inner optimizer over the pieces, and its checkpoints
    private final ElementwiseOptimizer inner;
    private final Tensor shardGrad;     // stage 2: this rank's reduced gradient, else null
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment send, recv;

    /**
     * @param all the model's named parameters (the trainable ones are sharded)
     * @param optimizer builds the optimizer over the pieces; it must be elementwise
     */
    public ZeroOptimizer(Map<String, Parameter> all, Collective collective, int stage,
                         Function<Map<String, Parameter>, Optimizer> optimizer) {
        this(all, collective, stage, optimizer, Math.max(1, DataParallel.BUCKET_BYTES / Float.BYTES / collective.size()));
    }

    /** As above, moving at most {@code window} elements per rank in one collective (tests use small windows). */
    ZeroOptimizer(Map<String, Parameter> all, Collective collective, int stage,
                  Function<Map<String, Parameter>, Optimizer> optimizer, long window) {
        if (stage != 1 && stage != 2) throw new IllegalArgumentException("ZeRO stage must be 1 or 2, got " + stage);
        this.collective = collective;
        this.stage = stage;
        all.forEach((name, p) -> { if (p.trainable()) params.put(name, p); });
        this.names = List.copyOf(params.keySet());
        this.list = List.copyOf(params.values());
        long[] sizes = new long[list.size()];
        for (int i = 0; i < sizes.length; i++) {
            if (!list.get(i).value().isContiguous())
                throw new IllegalStateException("parameter " + names.get(i) + " is not contiguous; ZeRO updates it in place");
            sizes[i] = list.get(i).value().numelLong();
        }
        int ranks = collective.size();
        this.layout = new FlatPartition(sizes, ranks, window);
        this.mine = layout.pieces(collective.rank());
        this.pieces = new Parameter[list.size()];
        this.pieceFrom = new long[list.size()];
        for (FlatPartition.Piece pc : mine) {
            pieces[pc.param()] = new Parameter(view(pc));
            pieceFrom[pc.param()] = pc.from();
        }
        long floats = (long) ranks * layout.window();
        this.send = arena.allocate(floats * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        this.recv = arena.allocate(floats * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        int[] members = new int[list.size()];
        for (int i = 0; i < members.length; i++) members[i] = i;
        this.state = new ShardedOptimizerState("ZeRO", collective, names, list, pieces, pieceFrom,
                List.of(new ShardedOptimizerState.Group(layout, members)), send, recv, optimizer);
        this.inner = state.optimizer();
        Tensor first = list.isEmpty() ? cortado.tensor.Backends.cpu().zeros(0) : list.getFirst().value();
        this.shardGrad = stage == 2 ? StepArena.outside(() -> first.backend().zeros((int) layout.shard())) : null;
    }

    /** 1 or 2. */
    public int stage() { return stage; }

    /** Elements of the trainable parameters in this rank's shard. */
    public long shardElements() {
        long n = 0;
        for (FlatPartition.Piece pc : mine) n += pc.length();
        return n;
    }

    /** Piece {@code pc} as a view into its parameter's current tensor. */
    private Tensor view(FlatPartition.Piece pc) {
        Tensor p = list.get(pc.param()).value();
        return flat(p).slice(0, (int) pc.from(), (int) pc.to()).view(ShardedOptimizerState.pieceShape(p, pc.length()));
    }

    private static Tensor flat(Tensor t) {
        if (!t.isContiguous()) throw new IllegalStateException("ZeRO needs contiguous parameters and gradients");
        return t.view(-1);
    }

    /**
     * Every rank: sums the gradients over the ranks into this rank's shard and returns the clip of the global norm
     * (the shards' square norms summed over the ranks) at {@code maxNorm} (0: none). Parameters without a gradient
     * (the same on every rank) count as zeros and are not updated.
     */
    public GradClip.Norm reduceGradients(float maxNorm) {
        for (FlatPartition.Piece pc : mine) pieces[pc.param()].set(view(pc));   // a checkpoint may have swapped tensors
        int n = list.size(), ranks = collective.size(), rank = collective.rank();
        Tensor[] grads = new Tensor[n];
        boolean[] had = new boolean[n];
        Map<Storage, Integer> holders = new IdentityHashMap<>();   // stage 2 frees a buffer once no gradient uses it
        for (int i = 0; i < n; i++) {
            Tensor g = list.get(i).value().grad();
            if (g == null) continue;
            had[i] = true;
            grads[i] = g.contiguous().view(-1);
            holders.merge(grads[i].storage(), 1, Integer::sum);
        }
        List<List<Integer>> freeAfter = new ArrayList<>();
        for (int k = 0; k < layout.windows(); k++) freeAfter.add(new ArrayList<>());
        if (stage == 2) for (int i = 0; i < n; i++) if (had[i]) freeAfter.get(layout.lastWindow(i)).add(i);
        for (int k = 0; k < layout.windows(); k++) {
            long c = layout.windowLength(k);
            send.asSlice(0, ranks * c * Float.BYTES).fill((byte) 0);   // padding and gradient-less parameters
            for (int r = 0; r < ranks; r++) {
                long base = r * c;
                layout.overlaps(layout.shardStart(r) + k * layout.window(), layout.shardStart(r) + k * layout.window() + c,
                        (p, from, to, at) -> { if (had[p]) HostCopy.read(grads[p], from, to, send, base + at); });
            }
            collective.reduceScatterSum(send, recv, c);
            if (stage == 1) {
                long a = layout.shardStart(rank) + k * layout.window();
                layout.overlaps(a, a + c, (p, from, to, at) -> { if (had[p]) HostCopy.write(recv, at, grads[p], from, to); });
            } else {
                HostCopy.write(recv, 0, shardGrad, k * layout.window(), k * layout.window() + c);
                for (int i : freeAfter.get(k)) {
                    list.get(i).value().setGrad(null);
                    Storage s = grads[i].storage();
                    grads[i] = null;
                    StepArena arena = StepArena.current();
                    if (holders.merge(s, -1, Integer::sum) == 0 && arena != null && arena.owns(s)) arena.release(s);
                }
            }
        }
        List<Parameter> withGrad = new ArrayList<>();
        for (FlatPartition.Piece pc : mine) {
            int p = pc.param();
            if (!had[p]) continue;
            Tensor g = stage == 1 ? grads[p].slice(0, (int) pc.from(), (int) pc.to())
                    : shardGrad.slice(0, (int) pc.at(), (int) (pc.at() + pc.length()));
            Tensor piece = pieces[p].value();
            piece.setGrad(g.view(piece.shape()));
            withGrad.add(pieces[p]);
        }
        return GradClip.fromSumOfSquares(collective.sum(GradClip.sumOfSquares(withGrad)), maxNorm);
    }

    /** Updates this rank's shard, then all-gathers the parameters. Call after {@link #reduceGradients}. */
    @Override
    public void step(float lr, float gradScale) {
        inner.step(lr, gradScale);
        int ranks = collective.size(), rank = collective.rank();
        for (int k = 0; k < layout.windows(); k++) {
            long c = layout.windowLength(k), a = layout.shardStart(rank) + k * layout.window();
            send.asSlice(0, c * Float.BYTES).fill((byte) 0);
            layout.overlaps(a, a + c, (p, from, to, at) -> HostCopy.read(flat(list.get(p).value()), from, to, send, at));
            collective.allGather(send, recv, c);
            for (int r = 0; r < ranks; r++) {
                if (r == rank) continue;   // this rank's shard is updated in place
                long base = r * c, b = layout.shardStart(r) + k * layout.window();
                layout.overlaps(b, b + c, (p, from, to, at) -> HostCopy.write(recv, base + at, flat(list.get(p).value()), from, to));
            }
        }
    }

    @Override
    public void zeroGrad() {
        for (Parameter p : list) p.value().setGrad(null);
        for (Parameter p : pieces) p.value().setGrad(null);
    }

    @Override public Map<String, Parameter> parameters() { return Collections.unmodifiableMap(params); }

    @Override public int stepCount() { return inner.stepCount(); }

    @Override public String kind() { return inner.kind(); }

    /** This rank's shard of the state. */
    @Override public long stateBytesResident() { return inner.stateBytesResident(); }

    /** This rank's shard of the state. */
    @Override public long stateBytesTotal() { return inner.stateBytesTotal(); }

    /**
     * Every rank, before rank 0 saves a checkpoint: collects the state of every shard on rank 0 (in windows, so the
     * other ranks hold no more than a window of others' state).
     */
    public void gatherState() { state.gather(); }

    /**
     * Rank 0, after {@link #gatherState}: writes the whole state as the inner optimizer does for unsharded parameters
     * (same tensor names and shapes), so a single process or any number of ranks resumes from it.
     */
    @Override
    public void saveState(Path file) { state.save(file); }

    /** Every rank: reads a whole state (written by one process or by {@link #saveState}) and keeps its shard. */
    @Override
    public void loadState(Path file) { state.load(file); }

    @Override public void close() { inner.close(); }
}
