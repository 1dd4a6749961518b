package cortado.train;

import cortado.tensor.Adam8bit;
import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.SafetensorsDtype;
import cortado.quant.DynamicMap;
import cortado.quant.RawSafetensorsWriter;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * bitsandbytes' {@code AdamW8bit} (Dettmers et al. 2022): AdamW whose two moments are stored 8-bit, blockwise
 * quantized in blocks of 256 with the dynamic maps (first moment {@code create_dynamic_map(signed=True)}, second
 * {@code signed=False}), updated as its CPU {@code optimizer_update_8bit_blockwise} does (the backend's {@code adam8bitInPlace}, {@link Adam8bit}).
 * Tensors of fewer than {@link #MIN_8BIT_SIZE} elements keep fp32 moments (bnb's {@code min_8bit_size}), updated by
 * the backend's fused AdamW kernel. Weight decay follows {@link AdamW#decays} (matrices only).
 *
 * <p>State: 2 bytes per element plus 8 bytes per block of 256 (2.03 bytes instead of AdamW's 8).
 */
public final class AdamW8bit implements Optimizer {
    /** bitsandbytes' min_8bit_size: smaller tensors keep fp32 state. */
    public static final int MIN_8BIT_SIZE = 4096;
    static final Adam8bit.Maps MAPS = Adam8bit.Maps.of(DynamicMap.signed(), DynamicMap.unsigned());

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final double beta1, beta2, eps;
    private final ParamGroups groups;
    private final Map<String, Tensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final Map<String, MemorySegment> quantized = new LinkedHashMap<>();
    private final Arena arena = Arena.ofShared();
    private int step;
    private boolean closed;

    /** bitsandbytes' defaults: betas (0.9, 0.999), eps 1e-8. */
    public AdamW8bit(Map<String, Parameter> params, float weightDecay) {
        this(params, 0.9, 0.999, 1e-8, weightDecay);
    }

    public AdamW8bit(Map<String, Parameter> params, double beta1, double beta2, double eps, float weightDecay) {
        this(params, beta1, beta2, eps, ParamGroups.uniform(weightDecay));
    }

    /** As above with per-parameter learning-rate scales and weight decays. */
    public AdamW8bit(Map<String, Parameter> params, double beta1, double beta2, double eps, ParamGroups groups) {
        float weightDecay = groups.weightDecay();
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        params.forEach((name, p) -> { if (p.trainable()) this.params.put(name, p); });
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.groups = groups;
    }

    /**
     * A float hyperparameter as the Python float a bitsandbytes user writes (0.01f becomes 0.01, not
     * 0.009999999776...): the shortest decimal that reads back as the same float. bitsandbytes computes
     * {@code -lr / (1 - beta1^t)} and {@code 1 - lr * wd} in double from such values.
     */
    static double asPython(float x) { return Double.parseDouble(Float.toString(x)); }

    static boolean eightBit(long numel) { return numel >= MIN_8BIT_SIZE; }

    @Override
    public void step(float lr, float gradScale) {
        if (closed) throw new IllegalStateException("optimizer is closed");
        step++;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor p = e.getValue().value();
            Tensor g = p.grad();
            if (g == null) continue;
            if (!p.isContiguous())
                throw new IllegalStateException("parameter " + e.getKey() + " is not contiguous; AdamW8bit updates in place");
            float wdF = groups.weightDecay(e.getKey(), p.shape()), lrF = groups.lr(e.getKey(), lr);
            double wd = asPython(wdF), lrD = asPython(lrF);
            if (!eightBit(p.numelLong())) {
                Tensor mt = m.computeIfAbsent(e.getKey(), k -> StepArena.outside(p::zerosLike));
                Tensor vt = v.computeIfAbsent(e.getKey(), k -> StepArena.outside(p::zerosLike));
                p.backend().adamwInPlace(p, g.contiguous(), mt, vt, lrF, (float) beta1, (float) beta2, (float) eps,
                        wdF, step, gradScale);
                continue;
            }
            int n = p.numel();
            Blockwise8bitLayout layout = new Blockwise8bitLayout(n);
            MemorySegment s = quantized.computeIfAbsent(e.getKey(), k -> arena.allocate(layout.bytes(), 8));
            p.backend().adam8bitInPlace(p, g.contiguous(), 0, n, s, layout.codes2At(), layout.absmax1At(), layout.absmax2At(),
                    MAPS, new Adam8bit.Hyper(beta1, beta2, eps, lrD, wd, step, gradScale));
        }
    }

    @Override
    public void zeroGrad() { for (Parameter p : params.values()) p.value().setGrad(null); }

    @Override public Map<String, Parameter> parameters() { return Collections.unmodifiableMap(params); }

    @Override public int stepCount() { return step; }

    @Override public String kind() { return OptimizerKind.ADAMW_8BIT.cliName(); }

    @Override public long stateBytesResident() { return stateBytesTotal(); }

    @Override
    public long stateBytesTotal() {
        long b = 0;
        for (Tensor t : m.values()) b += 4 * t.numelLong();
        for (Tensor t : v.values()) b += 4 * t.numelLong();
        for (MemorySegment s : quantized.values()) b += s.byteSize();
        return b;
    }

    /** The 8-bit state of parameter {@code name} (codes1, codes2, absmax1, absmax2; see {@link Blockwise8bitLayout}). */
    MemorySegment quantizedState(String name) { return quantized.get(name); }

    /** The fp32 first and second moments of a small parameter, or null. */
    Tensor firstMoment(String name) { return m.get(name); }

    Tensor secondMoment(String name) { return v.get(name); }

    @Override
    public void saveState(Path file) {
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        addState(w);
        OptimizerStateFile.write(file, w, kind(), step);
    }

    void addState(RawSafetensorsWriter w) {
        m.forEach((n, t) -> w.addF32("exp_avg." + n, longs(t.shape()), t.toArray()));
        v.forEach((n, t) -> w.addF32("exp_avg_sq." + n, longs(t.shape()), t.toArray()));
        quantized.forEach((n, s) -> addBlockwise(w, n, s, 0, params.get(n).value().numelLong(),
                new Blockwise8bitLayout(params.get(n).value().numel())));
    }

    /** Adds bitsandbytes' state1/state2 (uint8) and absmax1/absmax2 (float32) of elements [0, n) of one layout. */
    static void addBlockwise(RawSafetensorsWriter w, String name, MemorySegment s, long at, long n, Blockwise8bitLayout l) {
        int blocks = Blockwise8bitLayout.blocks(n);
        w.add("state1." + name, SafetensorsDtype.U8, new long[] {n}, s.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE));
        w.add("state2." + name, SafetensorsDtype.U8, new long[] {n},
                s.asSlice(at + l.codes2At(), n).toArray(ValueLayout.JAVA_BYTE));
        w.add("absmax1." + name, SafetensorsDtype.F32, new long[] {blocks},
                s.asSlice(at + l.absmax1At(), 4L * blocks).toArray(ValueLayout.JAVA_BYTE));
        w.add("absmax2." + name, SafetensorsDtype.F32, new long[] {blocks},
                s.asSlice(at + l.absmax2At(), 4L * blocks).toArray(ValueLayout.JAVA_BYTE));
    }

    @Override
    public void loadState(Path file) {
        try (OptimizerStateFile f = OptimizerStateFile.open(file, kind())) {
            Set<String> known = readState(f);
            String extra = f.unexpected(known);
            if (extra != null) throw new CheckpointException(file + ": tensor " + extra + " matches no trainable parameter");
        }
    }

    /** Restores the state of this optimizer's parameters found in {@code f} and its step; returns the names read. */
    Set<String> readState(OptimizerStateFile f) {
        Map<String, Tensor> nm = new LinkedHashMap<>(), nv = new LinkedHashMap<>();
        Map<String, MemorySegment> nq = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String n = e.getKey();
            Tensor p = e.getValue().value();
            if (!eightBit(p.numelLong())) {
                if (!f.contains("exp_avg." + n) && !f.contains("exp_avg_sq." + n)) continue;   // never updated
                nm.put(n, p.backend().fromArray(f.floats("exp_avg." + n, p.shape()), p.shape()));
                nv.put(n, p.backend().fromArray(f.floats("exp_avg_sq." + n, p.shape()), p.shape()));
                known.add("exp_avg." + n);
                known.add("exp_avg_sq." + n);
            } else {
                if (!f.contains("state1." + n)) continue;
                Blockwise8bitLayout l = new Blockwise8bitLayout(p.numel());
                MemorySegment s = quantized.containsKey(n) ? quantized.get(n) : arena.allocate(l.bytes(), 8);
                readBlockwise(f, n, s, 0, p.numelLong(), l);
                nq.put(n, s);
                for (String k : new String[] {"state1.", "state2.", "absmax1.", "absmax2."}) known.add(k + n);
            }
        }
        m.clear(); v.clear(); quantized.clear();
        m.putAll(nm); v.putAll(nv); quantized.putAll(nq);
        step = f.step();
        return known;
    }

    static void readBlockwise(OptimizerStateFile f, String name, MemorySegment s, long at, long n, Blockwise8bitLayout l) {
        int blocks = Blockwise8bitLayout.blocks(n);
        MemorySegment.copy(f.bytes("state1." + name, SafetensorsDtype.U8, n), 0, s, at, n);
        MemorySegment.copy(f.bytes("state2." + name, SafetensorsDtype.U8, n), 0, s, at + l.codes2At(), n);
        MemorySegment.copy(f.bytes("absmax1." + name, SafetensorsDtype.F32, blocks), 0, s, at + l.absmax1At(), 4L * blocks);
        MemorySegment.copy(f.bytes("absmax2." + name, SafetensorsDtype.F32, blocks), 0, s, at + l.absmax2At(), 4L * blocks);
    }

    static long[] longs(int[] shape) {
        long[] l = new long[shape.length];
        for (int i = 0; i < shape.length; i++) l[i] = shape[i];
        return l;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        quantized.clear();
        arena.close();
    }
}
