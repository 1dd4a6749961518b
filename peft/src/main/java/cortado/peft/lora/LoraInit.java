package cortado.peft.lora;

import cortado.peft.PeftException;

/**
 * PEFT's {@code init_lora_weights}, the forms Cortado implements. In adapter_config.json it is {@code true},
 * {@code false} or one of the strings below, written as peft writes it.
 */
public enum LoraInit {
    /** {@code true}: A kaiming-uniform (a = sqrt 5), B zero; an Embedding's A zero, B standard normal. */
    DEFAULT(Boolean.TRUE),
    /** {@code false}: A and B both random (nn.Linear's default draw), so a fresh adapter changes the output. */
    RANDOM(Boolean.FALSE),
    /** {@code "gaussian"}: A ~ N(0, (1/r)²), B zero. */
    GAUSSIAN("gaussian"),
    /** {@code "pissa"} (Meng et al. 2024): A, B from the top-r singular triplets of W, the residual kept as the base. */
    PISSA("pissa"),
    /** {@code "olora"} (Büyükakyüz 2024): A, B from the QR factors of W, the base reduced by their product. */
    OLORA("olora"),
    /** {@code "loftq"} (Li et al. 2023): alternating NF4 quantization and SVD of the residual; needs a loftq_config. */
    LOFTQ("loftq");

    private final Object json;

    LoraInit(Object json) { this.json = json; }

    /** The adapter_config.json value: a boolean or a string. */
    public Object toJson() { return json; }

    /** true or false as the two plain forms. */
    public static LoraInit of(boolean on) { return on ? DEFAULT : RANDOM; }

    /** Whether this form changes the base layer's weight (PiSSA, OLoRA and LoftQ keep a residual there). */
    public boolean modifiesBase() { return this == PISSA || this == OLORA || this == LOFTQ; }

    /**
     * Reads the field's value; anything else peft accepts (eva, corda, orthogonal, mica, lora_ga, pissa_niter_N) is
     * a PeftException naming {@code where} and the field.
     */
    public static LoraInit fromJson(Object v, String where) {
        if (v == null) return DEFAULT;
        if (v instanceof Boolean b) return of(b);
        if (v instanceof String s) {
            for (LoraInit i : values()) if (s.equals(i.json)) return i;
            if (s.startsWith("pissa_niter_"))
                throw new PeftException(where + ": init_lora_weights \"" + s + "\" is not supported: it runs torch's"
                        + " randomized svd_lowrank, whose draws cannot be reproduced here; use \"pissa\" (exact SVD)");
        }
        throw new PeftException(where + ": init_lora_weights " + (v instanceof String ? "\"" + v + "\"" : v)
                + " is not supported (supported: true, false, \"gaussian\", \"pissa\", \"olora\", \"loftq\")");
    }
}
