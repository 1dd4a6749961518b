package cortado.nn.models;

import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import java.util.List;

/** Named model configurations, so a command line can say {@code --model gpt2-124m}. */
public final class Presets {
    private Presets() {}

    /** The byte-level vocabulary of cortado.data.tokenizer.ByteTokenizer: 256 bytes and end-of-text 256. */
    private static final int BYTE_VOCAB = 257, BYTE_EOT = 256;

    /** The preset names {@link #create} accepts. */
    public static List<String> names() { return List.of("gpt2-124m", "gpt2-tiny", "llama-tiny", "demo"); }

    /** The configuration of a preset. */
    public static ModelConfig config(String name) {
        return switch (name) {
            // OpenAI's smallest GPT-2, as Hugging Face's "gpt2" config: 124M parameters, 50257 BPE tokens.
            case "gpt2-124m" -> Gpt2Config.of(50257, 1024, 768, 12, 12, 50256);
            // For tests: two layers of width 32 over bytes, fast enough to train a few steps in a unit test.
            case "gpt2-tiny" -> Gpt2Config.of(BYTE_VOCAB, 64, 32, 2, 4, BYTE_EOT);
            // For tests: grouped-query (4 query heads over 2 key/value heads), RoPE, untied head.
            case "llama-tiny" -> new LlamaConfig(BYTE_VOCAB, 32, 64, 2, 4, 2, 8, 1e-6f, 10000f, 64, false, 0.02f,
                    BYTE_EOT, List.of(BYTE_EOT));
            // The demo's byte-level GPT-2 (0.8M parameters): small enough to pretrain visibly in minutes on 2 cores.
            case "demo" -> Gpt2Config.of(BYTE_VOCAB, 256, 128, 4, 4, BYTE_EOT);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "' (known: "
                    + String.join(", ", names()) + ")");
        };
    }

    /** A randomly initialised model of a preset, reproducible from {@code seed}. */
    public static CausalLm create(String name, long seed) { return Models.create(config(name), seed); }
}
