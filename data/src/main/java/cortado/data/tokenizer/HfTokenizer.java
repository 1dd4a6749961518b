package cortado.data.tokenizer;

import cortado.data.normalize.TextNormalizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer.json pipeline with Hugging Face tokenizers' semantics ({@code TokenizerImpl::encode} and
 * {@code decode}): added tokens are found first ({@link AddedVocabulary}); each stretch between them is normalized,
 * pre-tokenized and given to the model; the post-processor adds the model's special tokens when asked; decoding maps
 * ids to token strings (added tokens by their content) and runs the decoder chain.
 *
 * <p>Byte-level BPE whose pre-tokenizer is a known split regex (GPT-2, Llama 3, Qwen2, ...) runs through
 * {@link BpeTokenizer}'s byte-level fast path instead of the generic pre-tokenizer and model; both give the same ids.
 */
public final class HfTokenizer implements Tokenizer {
    private final String name;
    private final AddedVocabulary added;
    private final TextNormalizer normalizer;
    private final PreTokenizerStep preTokenizer;
    private final SubwordModel model;
    private final BpeTokenizer fastPath;
    private final PostProcessor postProcessor;
    private final TokenDecoder decoder;
    private final Map<String, Object> json;
    private final int endOfText;
    private final int vocabSize;

    HfTokenizer(String name, AddedVocabulary added, TextNormalizer normalizer, PreTokenizerStep preTokenizer,
                SubwordModel model, BpeTokenizer fastPath, PostProcessor postProcessor, TokenDecoder decoder,
                Map<String, Object> json) {
        this.name = name;
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.fastPath = fastPath;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.json = json;
        int size = model.size();
        for (AddedToken t : added.tokens()) size = Math.max(size, t.id() + 1);
        this.vocabSize = size;
        int eot = -1;
        for (String s : new String[] {"<|endoftext|>", "<|end_of_text|>", "</s>", "[SEP]"}) {
            int id = tokenId(s);
            if (id >= 0) { eot = id; break; }
        }
        this.endOfText = eot;
    }

    public String name() { return name; }

    /** The tokenizer.json this was read from (saving writes it back unchanged). */
    public Map<String, Object> json() { return json; }

    public List<AddedToken> addedTokens() { return added.tokens(); }

    public PostProcessor postProcessor() { return postProcessor; }

    /** Ids of {@code text} with every added token matched, as HF's {@code encode(text, add_special_tokens=False)}. */
    @Override
    public int[] encode(String text) { return ids(text, false); }

    /** Ids with special-token strings treated as text (HF's {@code encode_special_tokens = True}). */
    @Override
    public int[] encodeOrdinary(String text) { return ids(text, true); }

    /** HF's {@code encode(text).ids}: added tokens matched and the post-processor's special tokens added (BOS, CLS...). */
    public int[] encodeForModel(String text) { return encode(text, null, true).ids(); }

    /**
     * A sequence or a pair with the post-processor applied when {@code addSpecialTokens} (HF's {@code encode(a, b)}).
     */
    public Encoding encode(String a, String b, boolean addSpecialTokens) {
        return postProcessor.process(ids(a, false), b == null ? null : ids(b, false), addSpecialTokens);
    }

    private int[] ids(String text, boolean specialAsText) {
        text = BpeTokenizer.clean(text);
        IntList out = new IntList(text.length() / 3 + 4);
        for (AddedVocabulary.Segment s : added.split(text, normalizer, specialAsText)) {
            if (s.id() >= 0) out.add(s.id());
            else encodeSegment(s.text(), s.offset(), out);
        }
        return out.toArray();
    }

    private void encodeSegment(String text, int offset, IntList out) {
        if (text.isEmpty()) return;
        if (fastPath != null) fastPath.encodeSegment(text, out);
        else if (preTokenizer == null) model.tokenize(text, out);
        else preTokenizer.split(text, offset, (piece, o) -> model.tokenize(piece, out));
    }

    /** Text for {@code ids} with special tokens kept (transformers' default, {@code skip_special_tokens=False}). */
    @Override
    public String decode(int[] ids) { return decode(ids, false); }

    /** HF's {@code decode(ids, skip_special_tokens)}; ids outside the vocabulary are left out, as HF does. */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            AddedToken t = added.byId(id);
            if (t != null) {
                if (skipSpecialTokens && t.special()) continue;
                tokens.add(added.decodeForm(id));
                continue;
            }
            String s = model.token(id);
            if (s == null) continue;
            if (skipSpecialTokens && added.isSpecialContent(s)) continue;
            tokens.add(s);
        }
        return decoder.decode(tokens);
    }

    /** The token string of {@code id} (added token content, or the model's vocabulary entry), or null. */
    public String token(int id) {
        AddedToken t = added.byId(id);
        return t != null ? t.content() : model.token(id);
    }

    /** The id of a token string (added tokens first), or -1. */
    public int tokenId(String token) {
        for (AddedToken t : added.tokens()) if (t.content().equals(token)) return t.id();
        return model.id(token);
    }

    @Override
    public int vocabSize() { return vocabSize; }

    @Override
    public int endOfTextId() { return endOfText; }
}
