package cortado.peft.lora;

import cortado.peft.PeftException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code LoftQConfig} (written into adapter_config.json as {@code loftq_config}): LoftQ alternates
 * {@code loftqIter} times between quantizing {@code W - B A} and a rank-r SVD of {@code W - Q}.
 *
 * @param loftqBits quantization bits; Cortado implements 4 (NF4, bitsandbytes' blocksize 64, no double quantization)
 * @param loftqIter alternating iterations, at least 1
 */
public record LoftqConfig(int loftqBits, int loftqIter) {
    public LoftqConfig {
        if (loftqBits != 4)
            throw new PeftException("loftq_config.loftq_bits = " + loftqBits + " is not supported (only 4: NF4)");
        if (loftqIter <= 0) throw new PeftException("loftq_config.loftq_iter must be at least 1, got " + loftqIter);
    }

    /** peft's defaults: 4 bits, 1 iteration. */
    public static LoftqConfig defaults() { return new LoftqConfig(4, 1); }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loftq_bits", (long) loftqBits);
        m.put("loftq_iter", (long) loftqIter);
        return m;
    }

    /** Reads {@code loftq_config}: an object with loftq_bits and loftq_iter (peft's defaults where absent), or empty. */
    public static LoftqConfig fromJson(Object v, String where) {
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw new PeftException(where + ": loftq_config must be an object, got " + v);
        if (m.isEmpty()) return null;
        for (Object k : m.keySet())
            if (!k.equals("loftq_bits") && !k.equals("loftq_iter"))
                throw new PeftException(where + ": loftq_config." + k + " is not a LoftQ field (loftq_bits, loftq_iter)");
        try {
            return new LoftqConfig(integer(m.get("loftq_bits"), 4, where, "loftq_bits"),
                    integer(m.get("loftq_iter"), 1, where, "loftq_iter"));
        } catch (PeftException e) {
            throw e.getMessage().startsWith(where) ? e : new PeftException(where + ": " + e.getMessage());
        }
    }

    private static int integer(Object v, int dflt, String where, String f) {
        if (v == null) return dflt;
        if (!(v instanceof Long l) || l != (int) (long) l)
            throw new PeftException(where + ": loftq_config." + f + " must be an integer, got " + v);
        return (int) (long) l;
    }
}
