package cortado.quant.nn;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.quant.Quantized4bit;
import cortado.quant.Quantized8bit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model holds in memory, by kind of tensor: parameters, bytes and bits per parameter. Quantized weights count
 * their packed codes and their scales separately (fp32 absmax, or for double quantization one byte per block plus the
 * fp32 second-level absmax and offset); {@link #quantizedWeights} is that format alone, as QLoRA counts it (shared
 * code books are constants). {@link #total} is every byte held, so it also counts what each layer keeps beyond the
 * format ({@link QuantizedLinear#bytesBeyondFormat}: the fused kernel's de-nested absmax of a double-quantized layer,
 * its int8 scales / 127 and code book, the per-layer nested code map).
 */
public final class MemoryReport {
    /** One row: a kind of tensor. */
    public record Row(String kind, int tensors, long parameters, long bytes) {
        public double bitsPerParameter() { return parameters == 0 ? 0 : 8.0 * bytes / parameters; }
    }

    /** What quantized layers hold beyond the format: memory, but not counted in the format's bits per parameter. */
    private static final String BEYOND_FORMAT = "kernel copies and code maps (de-nested/rescaled scales, code books)";

    private final Map<String, long[]> rows = new LinkedHashMap<>(); // kind -> {tensors, parameters, bytes}

    private MemoryReport() {}

    public static MemoryReport of(Module root) {
        MemoryReport r = new MemoryReport();
        for (Module m : root.namedModules().values()) {
            Quantized4bit q4 = m instanceof Linear4bit l ? l.weight()
                    : m instanceof cortado.nn.Embedding e && e.frozen() instanceof QuantizedTable t ? t.fourBit() : null;
            Quantized8bit q8 = m instanceof Linear8bit l ? l.weight()
                    : m instanceof cortado.nn.Embedding e && e.frozen() instanceof QuantizedTable t ? t.int8() : null;
            if (q4 != null) {
                Quantized4bit q = q4;
                String t = q.type().bnbName();
                r.add(t + " codes (4-bit, packed)", q.numel(), q.packed().length);
                if (q.isDoubleQuantized())
                    r.add(t + " block scales (double-quantized, blocksize " + q.blocksize() + ")", 0,
                            q.doubleQuant().bytesHeld());
                else r.add(t + " block scales (fp32 absmax, blocksize " + q.blocksize() + ")", 0, 4L * q.absmax().length);
            } else if (q8 != null) {
                Quantized8bit q = q8;
                r.add("int8 codes (row-wise)", q.numel(), q.codes().length);
                r.add("int8 row scales (fp32 absmax)", 0, 4L * q.scales().length);
            }
            if (m instanceof QuantizedLinear l) r.add(BEYOND_FORMAT, 0, l.bytesBeyondFormat());
        }
        for (Parameter p : root.namedParameters().values()) r.add("fp32 tensors (every parameter not quantized)", p.numel(), 4L * p.numel());
        return r;
    }

    private void add(String kind, long params, long bytes) {
        long[] v = rows.computeIfAbsent(kind, k -> new long[3]);
        v[0]++;
        v[1] += params;
        v[2] += bytes;
    }

    public java.util.List<Row> rows() {
        return rows.entrySet().stream().map(e -> new Row(e.getKey(), (int) e.getValue()[0], e.getValue()[1],
                e.getValue()[2])).toList();
    }

    /** The quantized weights alone: codes and their scales as the format stores them, per quantized parameter. */
    public Row quantizedWeights() {
        long p = 0, b = 0;
        int t = 0;
        for (Row r : rows())
            if (!r.kind().startsWith("fp32") && !r.kind().equals(BEYOND_FORMAT)) {
                p += r.parameters();
                b += r.bytes();
                t = Math.max(t, r.tensors());
            }
        return new Row("quantized weights", t, p, b);
    }

    /** Every byte the model holds: parameters, quantized weights and the kernels' copies. */
    public Row total() {
        long p = 0, b = 0;
        int t = 0;
        for (Row r : rows()) { p += r.parameters(); b += r.bytes(); }
        for (Row r : rows()) if (r.parameters() > 0) t += r.tensors();
        return new Row("total", t, p, b);
    }
}
