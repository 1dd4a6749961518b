package cortado.train;

import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.SafetensorsDtype;
import cortado.quant.RawSafetensorsWriter;
import cortado.tensor.Tensor;
import cortado.tensor.Adam8bit;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Paged AdamW (bitsandbytes' {@code PagedAdamW} / {@code PagedAdamW8bit}): the state of every tensor of at least
 * {@link #PAGED_MIN_SIZE} elements lives in fixed-size pages ({@link PageStore}) of which only as many stay in memory
 * as the cap allows; the rest are spilled to a file and brought back, one at a time, when the step
 * reaches them. Smaller tensors keep their state resident ({@link AdamW}, or {@link AdamW8bit} for the 8-bit kind).
 * The updates are AdamW's (fp32 state) or AdamW8bit's (8-bit state): paging moves bytes, it changes no arithmetic.
 *
 * <p>A page holds the whole state of one chunk of a tensor: fp32 m then v of pageBytes/8 elements, or the 8-bit
 * codes and scales of the largest multiple of 256 elements that fits ({@link Blockwise8bitLayout}). Chunks are whole
 * 8-bit blocks, so blockwise quantization sees the same blocks as without paging.
 */
public final class PagedAdamW implements Optimizer {
    /** bitsandbytes' paged optimizers page tensors of at least this many elements (its page_mng threshold). */
    public static final int PAGED_MIN_SIZE = 100_000;
    public static final long DEFAULT_PAGE_BYTES = 1L << 20;

    private record Paged(Parameter param, long firstPage, int pages) {}

    private final boolean eightBit;
    private final ParamGroups groups;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Paged> paged = new LinkedHashMap<>();
    private final Optimizer resident;            // AdamW or AdamW8bit over the small tensors
    private final long residentReserve;           // bytes the small tensors' state will take
    private final int chunk;                      // elements per page
    private final Blockwise8bitLayout layout;     // 8-bit page layout, or null
    private final PageStore store;
    private int step;

    /** One-megabyte pages. */
    public PagedAdamW(Map<String, Parameter> params, float weightDecay, boolean eightBit, long memoryCapBytes, Path spillDir) {
        this(params, weightDecay, eightBit, memoryCapBytes, spillDir, DEFAULT_PAGE_BYTES);
    }

    /**
     * @param memoryCapBytes the most bytes of optimizer state held in memory: the small tensors' state plus the page
     *     frames; what does not fit is spilled. Too small for the small tensors and one page is an error.
     * @param spillDir where the spill file goes (null: java.io.tmpdir); it is deleted on {@link #close}
     */
    public PagedAdamW(Map<String, Parameter> params, float weightDecay, boolean eightBit, long memoryCapBytes,
                      Path spillDir, long pageBytes) {
        this(params, weightDecay, eightBit, memoryCapBytes, spillDir, pageBytes, PAGED_MIN_SIZE);
    }

    /** As above, paging tensors of at least {@code pagedMinSize} elements (tests page a tiny model's tensors). */
    PagedAdamW(Map<String, Parameter> params, float weightDecay, boolean eightBit, long memoryCapBytes,
               Path spillDir, long pageBytes, int pagedMinSize) {
        this(params, ParamGroups.uniform(weightDecay), eightBit, memoryCapBytes, spillDir, pageBytes, pagedMinSize);
    }

    /** As above with per-parameter learning-rate scales and weight decays. */
    PagedAdamW(Map<String, Parameter> params, ParamGroups groups, boolean eightBit, long memoryCapBytes,
               Path spillDir, long pageBytes, int pagedMinSize) {
        if (pageBytes < 4096 || pageBytes % 4096 != 0)
            throw new IllegalArgumentException("page size must be a positive multiple of 4096 bytes, got " + pageBytes);
        this.eightBit = eightBit;
        this.groups = groups;
        this.layout = eightBit ? new Blockwise8bitLayout(Blockwise8bitLayout.capacityFor(pageBytes)) : null;
        this.chunk = eightBit ? layout.capacity() : (int) (pageBytes / 8);
        Map<String, Parameter> small = new LinkedHashMap<>();
        long reserve = 0, pages = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (!p.trainable()) continue;
            this.params.put(e.getKey(), p);
            long n = p.value().numelLong();
            if (n < pagedMinSize) {
                small.put(e.getKey(), p);
                reserve += eightBit && AdamW8bit.eightBit(n) ? new Blockwise8bitLayout((int) n).bytes() : 8 * n;
            } else {
                int k = (int) ((n + chunk - 1) / chunk);
                paged.put(e.getKey(), new Paged(p, pages, k));
                pages += k;
            }
        }
        this.residentReserve = reserve;
        long frames = (memoryCapBytes - reserve) / pageBytes;
        if (pages > 0 && frames < 1)
            throw new IllegalArgumentException("optimizer memory cap of " + mb(memoryCapBytes) + " is too small: the"
                    + " small tensors' state takes " + mb(reserve) + " and one page " + mb(pageBytes));
        if (pages == 0 && memoryCapBytes < reserve)
            throw new IllegalArgumentException("optimizer memory cap of " + mb(memoryCapBytes) + " is below the "
                    + mb(reserve) + " the small tensors' state takes");
        this.resident = eightBit ? new AdamW8bit(small, 0.9, 0.999, 1e-8, groups)
                : new AdamW(small, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, groups);
        this.store = new PageStore(pageBytes, pages, (int) Math.min(Integer.MAX_VALUE, Math.max(1, frames)), spillDir);
    }

    private static String mb(long bytes) { return String.format(java.util.Locale.ROOT, "%.2f MB", bytes / 1e6); }

    @Override
    public void step(float lr, float gradScale) {
        step++;
        resident.step(lr, gradScale);
        for (Map.Entry<String, Paged> e : paged.entrySet()) {
            Tensor p = e.getValue().param().value();
            Tensor g = p.grad();
            if (g == null) continue;
            if (!p.isContiguous())
                throw new IllegalStateException("parameter " + e.getKey() + " is not contiguous; PagedAdamW updates in place");
            Tensor gc = g.contiguous();
            float wd = groups.weightDecay(e.getKey(), p.shape()), lrP = groups.lr(e.getKey(), lr);
            long n = p.numelLong();
            for (int c = 0; c < e.getValue().pages(); c++) {
                long page = e.getValue().firstPage() + c, from = (long) c * chunk;
                int len = (int) Math.min(chunk, n - from);
                MemorySegment s = store.open(page);
                try {
                    if (eightBit) {
                        p.backend().adam8bitInPlace(p, gc, from, len, s, layout.codes2At(), layout.absmax1At(), layout.absmax2At(),
                                AdamW8bit.MAPS, new Adam8bit.Hyper(0.9, 0.999, 1e-8, AdamW8bit.asPython(lrP),
                                        AdamW8bit.asPython(wd), step, gradScale));
                    } else {
                        p.backend().adamwRangeInPlace(p, gc, from, len, s, 0, s, 4L * chunk, lrP, AdamW.DEFAULT_BETA1,
                                AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, wd, step, gradScale);
                    }
                } finally {
                    store.release(page);
                }
            }
        }
    }

    @Override public void zeroGrad() { for (Parameter p : params.values()) p.value().setGrad(null); }

    @Override public Map<String, Parameter> parameters() { return Collections.unmodifiableMap(params); }

    @Override public int stepCount() { return step; }

    @Override public String kind() { return (eightBit ? OptimizerKind.PAGED_ADAMW_8BIT : OptimizerKind.PAGED_ADAMW).cliName(); }

    /** The small tensors' state plus the page frames (allocated once, whatever the step touches). */
    @Override public long stateBytesResident() { return resident.stateBytesResident() + store.residentBytes(); }

    @Override public long stateBytesTotal() { return resident.stateBytesTotal() + store.totalBytes(); }

    /** Pages brought in from the spill file so far. */
    public long pageIns() { return store.pageIns(); }

    /** Bytes of state the small tensors will hold once all have been updated (counted against the cap up front). */
    long residentReserve() { return residentReserve; }

    // ---- state: the same tensors as AdamW / AdamW8bit write, gathered from the pages ----

    @Override
    public void saveState(Path file) {
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        if (resident instanceof AdamW a) a.addState(w);
        else ((AdamW8bit) resident).addState(w);
        if (step > 0) for (Map.Entry<String, Paged> e : paged.entrySet()) {
            if (e.getValue().param().value().grad() == null && !touched(e.getValue())) continue;
            if (eightBit) save8bit(w, e.getKey(), e.getValue());
            else saveFp32(w, e.getKey(), e.getValue());
        }
        OptimizerStateFile.write(file, w, kind(), step);
    }

    /** Whether any page of {@code t} holds state (an untouched tensor's pages are all zeros and are not saved). */
    private boolean touched(Paged t) {
        for (int c = 0; c < t.pages(); c++) {
            long page = t.firstPage() + c;
            MemorySegment s = store.open(page);
            try {
                if (s.asSlice(0, store.pageBytes()).mismatch(MemorySegment.ofArray(new byte[(int) store.pageBytes()])) >= 0)
                    return true;
            } finally {
                store.release(page);
            }
        }
        return false;
    }

    private void saveFp32(RawSafetensorsWriter w, String name, Paged t) {
        long n = t.param().value().numelLong();
        byte[] m = new byte[Math.toIntExact(4 * n)], v = new byte[Math.toIntExact(4 * n)];
        forChunks(t, (s, from, len) -> {
            MemorySegment.copy(s, 0, MemorySegment.ofArray(m), 4 * from, 4L * len);
            MemorySegment.copy(s, 4L * chunk, MemorySegment.ofArray(v), 4 * from, 4L * len);
        });
        long[] shape = AdamW8bit.longs(t.param().shape());
        w.add("exp_avg." + name, SafetensorsDtype.F32, shape, m);
        w.add("exp_avg_sq." + name, SafetensorsDtype.F32, shape, v);
    }

    private void save8bit(RawSafetensorsWriter w, String name, Paged t) {
        long n = t.param().value().numelLong();
        int blocks = Blockwise8bitLayout.blocks(n);
        byte[] c1 = new byte[Math.toIntExact(n)], c2 = new byte[Math.toIntExact(n)];
        byte[] a1 = new byte[4 * blocks], a2 = new byte[4 * blocks];
        forChunks(t, (s, from, len) -> {
            long b = from / Adam8bit.BLOCK, nb = Blockwise8bitLayout.blocks(len);
            MemorySegment.copy(s, 0, MemorySegment.ofArray(c1), from, len);
            MemorySegment.copy(s, layout.codes2At(), MemorySegment.ofArray(c2), from, len);
            MemorySegment.copy(s, layout.absmax1At(), MemorySegment.ofArray(a1), 4 * b, 4 * nb);
            MemorySegment.copy(s, layout.absmax2At(), MemorySegment.ofArray(a2), 4 * b, 4 * nb);
        });
        w.add("state1." + name, SafetensorsDtype.U8, new long[] {n}, c1);
        w.add("state2." + name, SafetensorsDtype.U8, new long[] {n}, c2);
        w.add("absmax1." + name, SafetensorsDtype.F32, new long[] {blocks}, a1);
        w.add("absmax2." + name, SafetensorsDtype.F32, new long[] {blocks}, a2);
    }

    @FunctionalInterface
    private interface ChunkBody { void run(MemorySegment page, long from, int len); }

    /** Opens each page of {@code t} in turn (writing it back after: loads modify pages). */
    private void forChunks(Paged t, ChunkBody body) {
        long n = t.param().value().numelLong();
        for (int c = 0; c < t.pages(); c++) {
            long page = t.firstPage() + c, from = (long) c * chunk;
            MemorySegment s = store.open(page);
            try {
                body.run(s, from, (int) Math.min(chunk, n - from));
            } finally {
                store.release(page);
            }
        }
    }

    @Override
    public void loadState(Path file) {
        try (OptimizerStateFile f = OptimizerStateFile.open(file, kind())) {
            Set<String> known = new java.util.HashSet<>(resident instanceof AdamW a ? a.readState(f)
                    : ((AdamW8bit) resident).readState(f));
            for (Map.Entry<String, Paged> e : paged.entrySet()) {
                String name = e.getKey();
                Paged t = e.getValue();
                long n = t.param().value().numelLong();
                String probe = eightBit ? "state1." + name : "exp_avg." + name;
                if (!f.contains(probe)) {
                    forChunks(t, (s, from, len) -> s.fill((byte) 0));   // never updated: zero state
                    continue;
                }
                if (eightBit) {
                    int blocks = Blockwise8bitLayout.blocks(n);
                    MemorySegment c1 = f.bytes("state1." + name, SafetensorsDtype.U8, n);
                    MemorySegment c2 = f.bytes("state2." + name, SafetensorsDtype.U8, n);
                    MemorySegment a1 = f.bytes("absmax1." + name, SafetensorsDtype.F32, blocks);
                    MemorySegment a2 = f.bytes("absmax2." + name, SafetensorsDtype.F32, blocks);
                    forChunks(t, (s, from, len) -> {
                        long b = from / Adam8bit.BLOCK, nb = Blockwise8bitLayout.blocks(len);
                        s.fill((byte) 0);
                        MemorySegment.copy(c1, from, s, 0, len);
                        MemorySegment.copy(c2, from, s, layout.codes2At(), len);
                        MemorySegment.copy(a1, 4 * b, s, layout.absmax1At(), 4 * nb);
                        MemorySegment.copy(a2, 4 * b, s, layout.absmax2At(), 4 * nb);
                    });
                    for (String k : new String[] {"state1.", "state2.", "absmax1.", "absmax2."}) known.add(k + name);
                } else {
                    f.floats("exp_avg." + name, t.param().shape());       // shape checks
                    f.floats("exp_avg_sq." + name, t.param().shape());
                    MemorySegment m = f.bytes("exp_avg." + name, SafetensorsDtype.F32, n);
                    MemorySegment v = f.bytes("exp_avg_sq." + name, SafetensorsDtype.F32, n);
                    forChunks(t, (s, from, len) -> {
                        s.fill((byte) 0);
                        MemorySegment.copy(m, 4 * from, s, 0, 4L * len);
                        MemorySegment.copy(v, 4 * from, s, 4L * chunk, 4L * len);
                    });
                    known.add("exp_avg." + name);
                    known.add("exp_avg_sq." + name);
                }
            }
            String extra = f.unexpected(known);
            if (extra != null) throw new CheckpointException(file + ": tensor " + extra + " matches no trainable parameter");
            step = f.step();
        }
    }

    /** The fp32 moments of a paged tensor gathered from its pages (tests compare them with AdamW's). */
    float[][] pagedMoments(String name) {
        Paged t = paged.get(name);
        long n = t.param().value().numelLong();
        float[] m = new float[(int) n], v = new float[(int) n];
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
        forChunks(t, (s, from, len) -> {
            MemorySegment.copy(s, f32, 0, m, (int) from, len);
            MemorySegment.copy(s, f32, 4L * chunk, v, (int) from, len);
        });
        return new float[][] {m, v};
    }

    boolean isPaged(String name) { return paged.containsKey(name); }

    @Override
    public void close() {
        resident.close();
        store.close();
    }
}
