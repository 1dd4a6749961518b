package cortado.train.dist;

import cortado.autograd.CheckpointHooks;
import cortado.nn.DecoderLayer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Backend;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ZeRO stage 3 (Rajbhandari et al. 2020; PyTorch FSDP's FULL_SHARD): every trainable parameter is sharded, not only
 * its optimizer state and gradient. The parameters are grouped into units: each decoder block of the model (every
 * {@link DecoderLayer} module holding trainable parameters, found by its dotted name and replaced there by a
 * {@link ShardedBlock}), and one root unit with the rest (embeddings, final norm, head, an objective's head). Each
 * unit's trainable parameters form one flat vector cut into N contiguous shards ({@link FlatPartition}); a rank keeps
 * its shard of each as standalone tensors, its optimizer (any {@link ElementwiseOptimizer}) updates only those, and
 * the model's parameters hold empty placeholders while not gathered. One update:
 * <ol>
 *   <li>{@link #gatherRoot} before the first forward: the root unit is all-gathered and stays whole until the
 *   gradients are reduced (the tied token table is also the head, read by the loss);</li>
 *   <li>each block gathers its unit before its forward and frees it after; the forward keeps no graph, so backward
 *   gathers the unit again, recomputes the block, backpropagates through it, reduce-scatters the unit's gradients into
 *   this rank's shard (added up over micro-batches) and frees the gathered parameters and their gradients;</li>
 *   <li>{@link #reduceGradients}: the root unit's gradients are reduce-scattered and it is freed; the clip uses the
 *   global norm (the shards' square norms summed over the ranks);</li>
 *   <li>{@link #step}: each rank updates its shards; nothing is gathered until the next forward needs it.</li>
 * </ol>
 * Frozen parameters (a PEFT base) are never sharded: every rank holds them whole. A checkpoint has the single-process
 * format: {@link #gatherAll} makes every parameter whole on every rank (rank 0 writes them), {@link #gatherState}
 * collects the optimizer state on rank 0, and {@link #loadState} reads such a file on any number of ranks.
 */
public final class ZeroStage3 implements Optimizer {
    private final Collective collective;
    private final Module root;
    private final Map<String, Parameter> params = new LinkedHashMap<>();   // the trainable ones, in order
    private final List<String> names;
    private final List<Parameter> list;
    private final Backend[] backends;        // where parameter i lives when whole
    private final Tensor[] placeholders;     // parameter i while not gathered: its shape, no elements
    private final Parameter[] pieces;        // this rank's piece of parameter i (empty outside its shard)
    private final long[] pieceFrom;          // where that piece starts in parameter i
    private final boolean[] gradSeen;        // parameter i has had a gradient in this update
    private final List<Unit> units = new ArrayList<>();   // units.get(0): the root unit
    private final Map<String, ShardedBlock> wrapped = new LinkedHashMap<>();
    private final ShardedOptimizerState state;   // the inner optimizer over the pieces, and its checkpoints
    private final ElementwiseOptimizer inner;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment send, recv, acc;
    private boolean finished;                // unshard() ran: whole for good

    /** The trainable parameters of one block (or of the root), sharded together. */
    private final class Unit implements CheckpointHooks {
        final int[] members;          // indices into list
        final FlatPartition layout;
        boolean whole;                // the members hold gathered tensors
        Tensor shardGrad;             // this update's reduced gradient of this rank's shard, or null

        Unit(int[] members, long window) {
            this.members = members;
            long[] sizes = new long[members.length];
            for (int j = 0; j < sizes.length; j++) sizes[j] = list.get(members[j]).value().numelLong();
            this.layout = new FlatPartition(sizes, collective.size(), window);
        }

        @Override public void beforePass() { gather(this); }

        @Override public void afterForward() { free(this); }

        @Override
        public void afterBackward() {
            reduceScatter(this);
            free(this);
        }
    }

    /**
     * @param model the module whose blocks become units (they are replaced by {@link ShardedBlock}s)
     * @param all every parameter that trains with it, by name (the model's and an objective's; frozen ones stay whole)
     * @param optimizer builds the optimizer over the pieces; it must be elementwise
     */
    public ZeroStage3(Module model, Map<String, Parameter> all, Collective collective,
                      Function<Map<String, Parameter>, Optimizer> optimizer) {
        this(model, all, collective, optimizer, Math.max(1, DataParallel.BUCKET_BYTES / Float.BYTES / collective.size()));
    }

    /** As above, moving at most {@code window} elements per rank in one collective (tests use small windows). */
    ZeroStage3(Module model, Map<String, Parameter> all, Collective collective,
               Function<Map<String, Parameter>, Optimizer> optimizer, long window) {
        this.collective = collective;
        this.root = model;
        all.forEach((name, p) -> { if (p.trainable()) params.put(name, p); });
        this.names = List.copyOf(params.keySet());
        this.list = List.copyOf(params.values());
        int n = list.size();
        Map<Parameter, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            if (!list.get(i).value().isContiguous())
                throw new IllegalStateException("parameter " + names.get(i) + " is not contiguous; ZeRO-3 shards it flat");
            index.putIfAbsent(list.get(i), i);
        }
        // Units: the outermost decoder layers with trainable parameters of their own subtree, in model order.
        boolean[] inUnit = new boolean[n];
        List<String> blockPaths = new ArrayList<>();
        List<int[]> blockMembers = new ArrayList<>();
        for (var e : model.namedModules().entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || !(m instanceof DecoderLayer) || !m.ownParameters().isEmpty()) continue;
            if (blockPaths.stream().anyMatch(b -> path.startsWith(b + "."))) continue;
            List<Integer> members = new ArrayList<>();
            for (Parameter p : m.namedParameters().values()) {
                Integer i = index.get(p);
                if (i != null && !inUnit[i]) {
                    inUnit[i] = true;
                    members.add(i);
                }
            }
            if (members.isEmpty()) continue;
            blockPaths.add(path);
            blockMembers.add(members.stream().mapToInt(Integer::intValue).toArray());
        }
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < n; i++) if (!inUnit[i]) rest.add(i);
        units.add(new Unit(rest.stream().mapToInt(Integer::intValue).toArray(), window));
        for (int[] m : blockMembers) units.add(new Unit(m, window));

        this.backends = new Backend[n];
        this.placeholders = new Tensor[n];
        this.pieces = new Parameter[n];
        this.pieceFrom = new long[n];
        this.gradSeen = new boolean[n];
        for (int i = 0; i < n; i++) {
            Tensor p = list.get(i).value();
            Backend be = p.backend();
            backends[i] = be;
            Tensor none = StepArena.outside(() -> be.zeros(0));   // no elements: any read of a freed parameter fails
            placeholders[i] = new Tensor(none.storage(), p.shape(), new long[p.rank()], 0);
        }
        long most = 1;
        for (Unit u : units) {
            most = Math.max(most, Math.min(u.layout.window(), Math.max(1, u.layout.shard())));
            for (FlatPartition.Piece pc : u.layout.pieces(collective.rank())) {
                int i = u.members[pc.param()];
                Tensor flat = list.get(i).value().view(-1);
                Tensor piece = StepArena.outside(() -> backends[i].copy(flat.slice(0, (int) pc.from(), (int) pc.to())));
                pieces[i] = new Parameter(piece.view(ShardedOptimizerState.pieceShape(list.get(i).value(), pc.length())));
                pieceFrom[i] = pc.from();
            }
        }
        long floats = (long) collective.size() * most;
        this.send = arena.allocate(floats * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        this.recv = arena.allocate(floats * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        this.acc = arena.allocate(most * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        this.state = new ShardedOptimizerState("ZeRO-3", collective, names, list, pieces, pieceFrom,
                units.stream().map(u -> new ShardedOptimizerState.Group(u.layout, u.members)).toList(), send, recv,
                optimizer);
        this.inner = state.optimizer();
        for (Unit u : units) u.whole = true;   // the model's own tensors, until freed below
        for (Unit u : units) free(u);
        for (int b = 0; b < blockPaths.size(); b++) {
            Module block = model.get(blockPaths.get(b));
            ShardedBlock w = new ShardedBlock(block, units.get(b + 1));
            model.replace(blockPaths.get(b), w);
            wrapped.put(blockPaths.get(b), w);
        }
    }

    /** The dotted paths of the blocks sharded as units of their own (the rest is the root unit). */
    public List<String> blockUnits() { return List.copyOf(wrapped.keySet()); }

    /** Elements of the trainable parameters in this rank's shards. */
    public long shardElements() {
        long e = 0;
        for (Parameter p : pieces) e += p.numel();
        return e;
    }

    /** Every rank, before a forward: the root unit whole (a no-op when it is). */
    public void gatherRoot() { gather(units.getFirst()); }

    /** Every rank, after a forward that no backward follows (validation): the root unit freed. */
    public void freeRoot() { free(units.getFirst()); }

    /**
     * Every rank, after the last micro-batch's backward: reduce-scatters the root unit's gradients, frees it, and
     * returns the clip of the global norm at {@code maxNorm} (0: none). Parameters that had no gradient (the same on
     * every rank) are not updated.
     */
    public GradClip.Norm reduceGradients(float maxNorm) {
        Unit r = units.getFirst();
        if (r.whole) {
            reduceScatter(r);
            free(r);
        }
        List<Parameter> withGrad = new ArrayList<>();
        for (Unit u : units)
            for (FlatPartition.Piece pc : u.layout.pieces(collective.rank())) {
                int i = u.members[pc.param()];
                if (!gradSeen[i] || u.shardGrad == null) continue;
                Tensor g = u.shardGrad.slice(0, (int) pc.at(), (int) (pc.at() + pc.length()));
                Tensor piece = pieces[i].value();
                piece.setGrad(g.view(piece.shape()));
                withGrad.add(pieces[i]);
            }
        return GradClip.fromSumOfSquares(collective.sum(GradClip.sumOfSquares(withGrad)), maxNorm);
    }

    /** Updates this rank's shards. Call after {@link #reduceGradients}. */
    @Override
    public void step(float lr, float gradScale) {
        if (finished) throw new IllegalStateException("ZeRO-3: the parameters were gathered for good (unshard); no step follows");
        inner.step(lr, gradScale);
    }

    @Override
    public void zeroGrad() {
        for (Parameter p : pieces) p.value().setGrad(null);
        for (Unit u : units) u.shardGrad = null;   // an arena buffer of the step
        Arrays.fill(gradSeen, false);
    }

    /**
     * Every rank: every parameter whole again, in ordinary memory (for a checkpoint, or for good after training); the
     * blocks stay wrapped. {@link #freeAll} shards them again.
     */
    public void gatherAll() {
        StepArena.outside(() -> {
            for (Unit u : units) gather(u);
            return null;
        });
    }

    /** Every rank, after {@link #gatherAll}: back to shards. */
    public void freeAll() { for (Unit u : units) free(u); }

    /**
     * Every rank, when training is over: every parameter whole and every block back in its place, so the model is an
     * ordinary one again (saving an adapter, generating). The optimizer takes no further step.
     */
    public void unshard() {
        gatherAll();
        wrapped.forEach((path, w) -> root.replace(path, w.block()));
        wrapped.clear();
        finished = true;
    }

    /** Whether {@link #unshard} has run. */
    public boolean unsharded() { return finished; }

    @Override public Map<String, Parameter> parameters() { return Collections.unmodifiableMap(params); }

    @Override public int stepCount() { return inner.stepCount(); }

    @Override public String kind() { return inner.kind(); }

    /** This rank's shard of the state. */
    @Override public long stateBytesResident() { return inner.stateBytesResident(); }

    /** This rank's shard of the state. */
    @Override public long stateBytesTotal() { return inner.stateBytesTotal(); }

    // ---- gather, free, reduce-scatter one unit ----

    private void gather(Unit u) {
        if (u.whole) return;
        int ranks = collective.size(), rank = collective.rank();
        Tensor[] full = new Tensor[u.members.length];
        for (int j = 0; j < full.length; j++) full[j] = backends[u.members[j]].zeros(list.get(u.members[j]).shape());
        FlatPartition l = u.layout;
        if (u.members.length > 0)
            for (int k = 0; k < l.windows(); k++) {
                long c = l.windowLength(k), a = l.shardStart(rank) + k * l.window();
                send.asSlice(0, c * Float.BYTES).fill((byte) 0);
                l.overlaps(a, a + c, (p, from, to, at) -> {
                    int i = u.members[p];
                    HostCopy.read(pieces[i].value().view(-1), from - pieceFrom[i], to - pieceFrom[i], send, at);
                });
                collective.allGather(send, recv, c);
                for (int r = 0; r < ranks; r++) {
                    long base = r * c, b = l.shardStart(r) + k * l.window();
                    l.overlaps(b, b + c, (p, from, to, at) -> HostCopy.write(recv, base + at, full[p].view(-1), from, to));
                }
            }
        for (int j = 0; j < full.length; j++) list.get(u.members[j]).set(full[j]);
        u.whole = true;
    }

    private void free(Unit u) {
        if (!u.whole) return;
        for (int m : u.members) {
            Parameter p = list.get(m);
            Tensor t = p.value();
            p.set(placeholders[m]);
            t.setGrad(null);
            StepArena.releaseOwned(t.storage());   // a gathered buffer goes back to the step's pool
        }
        u.whole = false;
    }

    /** Sums the unit's gradients over the ranks into this rank's shard (added to earlier micro-batches') and drops them. */
    private void reduceScatter(Unit u) {
        int n = u.members.length, ranks = collective.size();
        if (n == 0) return;
        Tensor[] grads = new Tensor[n];
        Map<Storage, Integer> holders = new IdentityHashMap<>();
        for (int j = 0; j < n; j++) {
            Tensor g = list.get(u.members[j]).value().grad();
            if (g == null) continue;
            gradSeen[u.members[j]] = true;
            grads[j] = g.contiguous().view(-1);
            holders.merge(grads[j].storage(), 1, Integer::sum);
        }
        FlatPartition l = u.layout;
        boolean first = u.shardGrad == null;
        if (first) u.shardGrad = backends[u.members[0]].zeros((int) Math.max(0, l.shard()));
        for (int k = 0; k < l.windows(); k++) {
            long c = l.windowLength(k);
            send.asSlice(0, ranks * c * Float.BYTES).fill((byte) 0);   // padding and gradient-less parameters
            for (int r = 0; r < ranks; r++) {
                long base = r * c, a = l.shardStart(r) + k * l.window();
                l.overlaps(a, a + c, (p, from, to, at) -> {
                    if (grads[p] != null) HostCopy.read(grads[p], from, to, send, base + at);
                });
            }
            collective.reduceScatterSum(send, recv, c);
            long at = k * l.window();
            if (!first) {   // a later micro-batch: add to what the earlier ones reduced
                HostCopy.read(u.shardGrad, at, at + c, acc, 0);
                for (long e = 0; e < c; e++)
                    recv.setAtIndex(ValueLayout.JAVA_FLOAT, e, recv.getAtIndex(ValueLayout.JAVA_FLOAT, e)
                            + acc.getAtIndex(ValueLayout.JAVA_FLOAT, e));
            }
            HostCopy.write(recv, 0, u.shardGrad, at, at + c);
        }
        for (int j = 0; j < n; j++) {
            if (grads[j] == null) continue;
            list.get(u.members[j]).value().setGrad(null);
            Storage s = grads[j].storage();
            if (holders.merge(s, -1, Integer::sum) == 0) StepArena.releaseOwned(s);
        }
    }

    // ---- checkpoints ----

    /**
     * Every rank, before rank 0 saves a checkpoint: collects the optimizer state of every shard on rank 0 (unit by
     * unit, in windows).
     */
    public void gatherState() { state.gather(); }

    /** Rank 0, after {@link #gatherState}: writes the whole state as the inner optimizer does for whole parameters. */
    @Override
    public void saveState(Path file) { state.save(file); }

    /** Every rank: reads a whole state (written by one process or by {@link #saveState}) and keeps its shard. */
    @Override
    public void loadState(Path file) { state.load(file); }

    @Override public void close() { inner.close(); }
}
