package cortado.train;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.Rendered;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.StreamingDecoder;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns {@link SftRecord}s into {@link SftExample}s exactly as TRL 1.13's {@code SFTTrainer._prepare_dataset} does
 * (its {@code add_eos}, {@code tokenize_fn} and {@code build_labels}):
 * <ul>
 *   <li>text prompt/completion: the EOS text is appended to the completion unless it already ends with it; the
 *       prompt and prompt+completion are tokenized separately, each as the tokenizer does by default (with the
 *       post-processor's special tokens, e.g. Llama 3's BOS); the completion mask covers the tokens past the
 *       prompt's count;</li>
 *   <li>conversational prompt/completion: the prompt is rendered with the generation prompt, prompt+completion
 *       without, both tokenized without special tokens (the template writes them); same completion mask;</li>
 *   <li>messages: rendered and tokenized once; with {@link Loss#COMPLETION} the labels keep only the assistant
 *       tokens, transformers' {@code return_assistant_tokens_mask}: the characters inside the template's
 *       {@code {% generation %}} blocks mapped to the tokens that hold them.</li>
 * </ul>
 * {@link Loss#COMPLETION} is TRL's {@code completion_only_loss=True} for prompt/completion rows and
 * {@code assistant_only_loss=True} for messages; {@link Loss#ALL} scores every token (both false).
 *
 * <p>A template without {@code {% generation %}} markers cannot give assistant masks: TRL then swaps in its own
 * training copy of a few known templates (Llama 3, Qwen2.5, ...) and refuses the rest; Cortado refuses every such
 * template with a message saying to add the markers or use {@code --loss all}.
 */
public final class SftTokenization {
    /** Which tokens are scored. */
    public enum Loss { COMPLETION, ALL }

    private final Tokenizer tokenizer;
    private final ChatTemplate template; // null: text rows only
    private final String eos;
    private final int eosId;
    private final Loss loss;

    /**
     * @param template the chat template (null when the data has no conversations)
     * @param eos      the EOS token's text, appended to text completions (TRL's {@code tokenizer.eos_token})
     */
    public SftTokenization(Tokenizer tokenizer, ChatTemplate template, String eos, Loss loss) {
        this(tokenizer, template, eos, -1, loss);
    }

    /**
     * As above for a tokenizer that has an end-of-text id but no text for it (the byte-level tokenizer): with
     * {@code eos} null, {@code eosId} (if not -1) is appended to text completions' ids, what tokenizing the EOS text
     * as a special token gives.
     */
    public SftTokenization(Tokenizer tokenizer, ChatTemplate template, String eos, int eosId, Loss loss) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.eos = eos;
        this.eosId = eosId;
        this.loss = loss;
    }

    /** Every record of {@code data}; an error names the record's file and line. */
    public List<SftExample> encode(SftJsonl.Data data) {
        List<SftExample> out = new ArrayList<>(data.records().size());
        for (int i = 0; i < data.records().size(); i++) {
            try {
                out.add(encode(data.records().get(i)));
            } catch (TokenDataException | IllegalArgumentException | IllegalStateException e) {
                throw new TokenDataException(data.where(i) + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {   // a template error (raise_exception, an undefined method)
                throw new TokenDataException(data.where(i) + ": the chat template failed: " + e.getMessage(), e);
            }
        }
        return out;
    }

    public SftExample encode(SftRecord record) {
        return switch (record) {
            case SftRecord.Text t -> {
                if (eos != null) {
                    String completion = t.completion().endsWith(eos) ? t.completion() : t.completion() + eos;
                    yield pair(textIds(t.prompt()), textIds(t.prompt() + completion));
                }
                if (eosId < 0) throw new TokenDataException("a text completion needs an EOS token and the tokenizer has none");
                int[] ids = textIds(t.prompt() + t.completion());
                int[] withEos = Arrays.copyOf(ids, ids.length + 1);
                withEos[ids.length] = eosId;
                yield pair(textIds(t.prompt()), withEos);
            }
            case SftRecord.ChatPair c -> {
                List<Map<String, Object>> all = new ArrayList<>(c.prompt());
                all.addAll(c.completion());
                yield pair(tokenizer.encode(render(c.prompt(), true).text()), tokenizer.encode(render(all, false).text()));
            }
            case SftRecord.Chat c -> {
                Rendered r = render(c.messages(), false);
                int[] ids = tokenizer.encode(r.text());
                if (loss == Loss.ALL) yield new SftExample(ids, ids);
                if (!hasGenerationMarkers(template.source()))
                    throw new TokenDataException("the chat template has no {% generation %} markers, so the assistant's"
                            + " tokens cannot be told apart; add {% generation %}...{% endgeneration %} around the"
                            + " assistant's turns, or score every token with --loss all");
                boolean[] mask = assistantMask(r, ids);
                int[] labels = ids.clone();
                boolean any = false;
                for (int i = 0; i < ids.length; i++) {
                    if (!mask[i]) labels[i] = CausalLm.IGNORE_INDEX;
                    any |= mask[i];
                }
                // TRL's RuntimeError: no assistant token at all (the template's markers enclose nothing here)
                if (!any) throw new TokenDataException("the example has no assistant tokens to score");
                yield new SftExample(ids, labels);
            }
        };
    }

    /** TRL's completion mask: zeros for the prompt's token count, ones for the rest. */
    private SftExample pair(int[] promptIds, int[] ids) {
        if (loss == Loss.ALL) return new SftExample(ids, ids);
        int[] labels = ids.clone();
        Arrays.fill(labels, 0, Math.min(promptIds.length, ids.length), CausalLm.IGNORE_INDEX);
        return new SftExample(ids, labels);
    }

    /** Plain text as TRL's {@code processing_class(text=...)}: the post-processor's special tokens included. */
    private int[] textIds(String text) {
        return tokenizer instanceof HfTokenizer hf ? hf.encodeForModel(text) : tokenizer.encode(text);
    }

    private Rendered render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        if (template == null) throw new TokenDataException("conversations need a chat template and the model has none");
        return template.render(messages, addGenerationPrompt, Map.of());
    }

    /** TRL's {@code has_generation_markers}: {@code {% generation %}} with any whitespace-control signs. */
    static boolean hasGenerationMarkers(String source) {
        return java.util.regex.Pattern.compile("\\{%-?\\s*generation\\s*-?%\\}").matcher(source).find();
    }

    /**
     * transformers' assistant mask: for each generation span [start, end), the tokens from the one holding character
     * {@code start} to the one holding {@code end - 1} (to the end when that lookup gives token 0 or nothing, as its
     * {@code end_token + 1 if end_token else len} does); a span starting past the tokens stops the scan. Characters
     * are mapped to tokens by decoding the tokens one at a time: each character belongs to the token whose decoding
     * completes it, which is the tokenizer's offset for byte-level BPE (a character split over several byte tokens is
     * given to the last of them, where transformers' offsets name the first).
     */
    private boolean[] assistantMask(Rendered r, int[] ids) {
        String text = r.text();
        int[] tokenOfChar = new int[text.length()];
        StreamingDecoder decoder = new StreamingDecoder(tokenizer, false);
        StringBuilder decoded = new StringBuilder();
        for (int t = 0; t < ids.length; t++) {
            String piece = decoder.step(ids[t]);
            for (int c = decoded.length(); c < decoded.length() + piece.length() && c < tokenOfChar.length; c++)
                tokenOfChar[c] = t;
            decoded.append(piece);
        }
        decoded.append(decoder.finish());
        if (!decoded.toString().equals(text))
            throw new TokenDataException("the tokens do not decode back to the rendered chat, so assistant tokens cannot"
                    + " be located; score every token with --loss all");
        boolean[] mask = new boolean[ids.length];
        for (Rendered.Span s : r.generationSpans()) {
            if (s.start() >= text.length()) break;
            int start = tokenOfChar[s.start()];
            int endChar = s.end() - 1;
            int end = endChar < 0 || endChar >= text.length() ? 0 : tokenOfChar[endChar];
            int to = end == 0 ? ids.length : end + 1;
            for (int t = start; t < to; t++) mask[t] = true;
        }
        return mask;
    }
}
