package cortado.peft.prompttuning;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.Init;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftException;
import cortado.peft.prompt.BasePromptEncoder;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * peft's {@code PromptEmbedding}: the prompt is the table itself, {@code [P, token_dim]}, initialized as the config
 * says: N(0, 1); the base's embeddings of the init text's tokens (encoded as the tokenizer does by default, cut to P
 * or repeated to fill it); or of P ids drawn uniformly from the vocabulary (drawn from Cortado's seed, not torch's
 * generator, so the ids differ from peft's for the same seed).
 */
public final class PromptEmbedding extends BasePromptEncoder {
    public PromptEmbedding(PromptTuningConfig c, CausalLm base, long seed) {
        super(c.fields().totalVirtualTokens(), c.fields().tokenDim());
        int n = tokens();
        Tensor table = embedding.weight().value();
        switch (c.init()) {
            case "RANDOM" -> Init.normal(table, 1f, seed, 0);
            case "TEXT" -> copyRows(table, base, textIds(c, n));
            default -> {
                SplittableRandom r = new SplittableRandom(seed);
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = r.nextInt(base.config().vocabSize());
                copyRows(table, base, ids);
            }
        }
    }

    /** peft's TEXT init: {@code tokenizer(init_text)["input_ids"]}, trimmed to P or repeated until it fills P. */
    static int[] textIds(PromptTuningConfig c, int n) { return textIds(c.initText(), c.tokenizerNameOrPath(), n); }

    /** As above for any prompt_tuning_init_text and tokenizer_name_or_path (multitask prompt tuning's too). */
    public static int[] textIds(String initText, String tokenizer, int n) {
        int[] text;
        try {
            text = Tokenizers.open(Path.of(tokenizer)).encode(initText);
        } catch (RuntimeException e) {
            throw new PeftException("prompt_tuning_init TEXT: cannot encode with tokenizer_name_or_path "
                    + tokenizer + ": " + e.getMessage(), e);
        }
        if (text.length == 0) throw new PeftException("prompt_tuning_init_text encodes to no tokens");
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = text[i % text.length];
        return ids;
    }

    /** Sets the table's rows to the base's embeddings of {@code ids}. */
    public static void copyRows(Tensor table, CausalLm base, int[] ids) {
        try (NoGrad g = NoGrad.enter()) {
            Tensor rows = base.embed(ids);
            table.backend().copyFromHost(table, rows.toArray(), 0);
        }
    }

    @Override public Tensor output() { return embedding.weight().value(); }
}
