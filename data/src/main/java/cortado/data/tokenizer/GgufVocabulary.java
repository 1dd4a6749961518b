package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer as GGUF's {@code tokenizer.ggml.*} metadata holds it (llama.cpp's llama-vocab.cpp reads it; its
 * convert_hf_to_gguf.py writes it): the model kind ({@code gpt2}: byte-level BPE), the pre-tokenizer's name
 * ({@code gpt-2}: GPT-2's regex; {@code llama-bpe}: Llama 3's, with whole-word vocabulary hits taking precedence over
 * merges), every token's text by id (byte-level spelled, as tokenizer.json's vocab), each token's type (1 normal,
 * 3 control, 4 user-defined, 5 unused, as gguf-py's TokenType), the merges as "left right", the special ids (-1:
 * none) and whether a BOS/EOS is added to an encoded text.
 *
 * <p>{@link #tokenizer} turns it into the equivalent tokenizer.json pipeline; {@link #of} goes the other way, as
 * convert_hf_to_gguf.py's {@code _set_vocab_gpt2} does (ids without a token become {@code [PAD<id>]}, unused).
 * SentencePiece vocabularies ({@code tokenizer.ggml.model = llama}) are not read yet.
 */
public record GgufVocabulary(String model, String pre, List<String> tokens, int[] tokenTypes, List<String> merges,
                             int bos, int eos, int unk, int pad, boolean addBos, boolean addEos) {
    public static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    public GgufVocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        if (tokenTypes.length != tokens.size())
            throw new IllegalArgumentException(tokens.size() + " tokens but " + tokenTypes.length + " token types");
    }

    /** The pre-tokenizer names this reads and writes, each with its split regex. */
    static final Map<String, String> PRE = Map.of("gpt-2", SplitPatterns.GPT2_ORIGINAL, "llama-bpe", SplitPatterns.LLAMA3);

    // ---- from GGUF metadata ----

    /**
     * The vocabulary in {@code metadata} (a GGUF file's key-value pairs: integers as Long, strings, lists);
     * {@code where} names the file in errors.
     */
    public static GgufVocabulary fromMetadata(Map<String, Object> metadata, String where) {
        String model = string(metadata, "tokenizer.ggml.model", where);
        if (model.equals("llama"))
            throw TokenizerException.in(where, "tokenizer.ggml.model 'llama' (a SentencePiece vocabulary) is not read yet;"
                    + " Cortado reads byte-level BPE ('gpt2')");
        if (!model.equals("gpt2"))
            throw TokenizerException.in(where, "tokenizer.ggml.model '" + model + "' is not supported (Cortado reads 'gpt2')");
        String pre = metadata.containsKey("tokenizer.ggml.pre") ? string(metadata, "tokenizer.ggml.pre", where) : "default";
        if (!PRE.containsKey(pre))
            throw TokenizerException.in(where, "tokenizer.ggml.pre '" + pre + "' is not supported (Cortado reads "
                    + String.join(", ", PRE.keySet().stream().sorted().toList()) + ")");
        List<String> tokens = strings(metadata, "tokenizer.ggml.tokens", where);
        int[] types = new int[tokens.size()];
        Arrays.fill(types, NORMAL);
        if (metadata.get("tokenizer.ggml.token_type") instanceof List<?> l) {
            if (l.size() != tokens.size())
                throw TokenizerException.in(where, "tokenizer.ggml.token_type has " + l.size() + " entries for "
                        + tokens.size() + " tokens");
            for (int i = 0; i < types.length; i++) {
                if (!(l.get(i) instanceof Long v)) throw TokenizerException.in(where, "tokenizer.ggml.token_type[" + i + "] is not an integer");
                types[i] = (int) (long) v;
            }
        }
        List<String> merges = metadata.containsKey("tokenizer.ggml.merges")
                ? strings(metadata, "tokenizer.ggml.merges", where) : List.of();
        return new GgufVocabulary(model, pre, tokens, types, merges,
                id(metadata, "tokenizer.ggml.bos_token_id", tokens.size(), where),
                id(metadata, "tokenizer.ggml.eos_token_id", tokens.size(), where),
                id(metadata, "tokenizer.ggml.unknown_token_id", tokens.size(), where),
                id(metadata, "tokenizer.ggml.padding_token_id", tokens.size(), where),
                // llama.cpp's defaults when the key is absent: a BOS for Llama 3's pre-tokenizer, none for GPT-2's.
                bool(metadata, "tokenizer.ggml.add_bos_token", pre.equals("llama-bpe"), where),
                bool(metadata, "tokenizer.ggml.add_eos_token", false, where));
    }

    private static String string(Map<String, Object> md, String key, String where) {
        if (!(md.get(key) instanceof String s))
            throw TokenizerException.in(where, md.containsKey(key) ? key + " is not a string" : "no " + key + " in the metadata");
        return s;
    }

    private static List<String> strings(Map<String, Object> md, String key, String where) {
        if (!(md.get(key) instanceof List<?> l))
            throw TokenizerException.in(where, md.containsKey(key) ? key + " is not an array" : "no " + key + " in the metadata");
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) throw TokenizerException.in(where, key + "[" + i + "] is not a string");
            out.add(s);
        }
        return out;
    }

    private static int id(Map<String, Object> md, String key, int n, String where) {
        Object v = md.get(key);
        if (v == null) return -1;
        if (!(v instanceof Long l) || l < 0 || l >= n)
            throw TokenizerException.in(where, key + " = " + v + " is not a token id in [0, " + n + ")");
        return (int) (long) l;
    }

    private static boolean bool(Map<String, Object> md, String key, boolean dflt, String where) {
        Object v = md.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw TokenizerException.in(where, key + " is not a bool");
        return b;
    }

    // ---- to a tokenizer ----

    /**
     * The tokenizer.json pipeline these fields describe, as llama.cpp tokenizes with them: control and user-defined
     * tokens matched first (as added tokens), the pre-tokenizer's regex, byte-level BPE over the merges, a BOS (EOS)
     * added to encoded texts when {@code addBos} ({@code addEos}) says so.
     */
    public HfTokenizer tokenizer(String where) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            int t = tokenTypes[i];
            if (t == CONTROL || t == USER_DEFINED) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("id", (long) i);
                a.put("content", tokens.get(i));
                a.put("single_word", false);
                a.put("lstrip", false);
                a.put("rstrip", false);
                a.put("normalized", t == USER_DEFINED);
                a.put("special", t == CONTROL);
                added.add(a);
            }
            if (t != UNUSED && !vocab.containsKey(tokens.get(i))) vocab.put(tokens.get(i), (long) i);
        }
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", null);
        bpe.put("continuing_subword_prefix", null);
        bpe.put("end_of_word_suffix", null);
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        bpe.put("ignore_merges", pre.equals("llama-bpe"));
        bpe.put("vocab", vocab);
        bpe.put("merges", new ArrayList<Object>(merges));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", preTokenizerJson(pre));
        root.put("post_processor", postProcessorJson());
        root.put("decoder", byteLevel(true, true));
        root.put("model", bpe);
        return HfTokenizerJson.parse(root, where);
    }

    private static Map<String, Object> byteLevel(boolean prefixSpace, boolean regex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", prefixSpace);
        m.put("trim_offsets", true);
        m.put("use_regex", regex);
        return m;
    }

    private static Map<String, Object> preTokenizerJson(String pre) {
        if (pre.equals("gpt-2")) return byteLevel(false, true);
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("type", "Split");
        split.put("pattern", Map.of("Regex", PRE.get(pre)));
        split.put("behavior", "Isolated");
        split.put("invert", false);
        Map<String, Object> seq = new LinkedHashMap<>();
        seq.put("type", "Sequence");
        seq.put("pretokenizers", List.of(split, byteLevel(false, false)));
        return seq;
    }

    private Map<String, Object> postProcessorJson() {
        if (!addBos && !addEos) return byteLevel(true, true);
        List<Object> single = new ArrayList<>();
        Map<String, Object> specials = new LinkedHashMap<>();
        if (addBos) single.add(special(bos, specials, "add_bos_token"));
        single.add(Map.of("Sequence", Map.of("id", "A", "type_id", 0L)));
        if (addEos) single.add(special(eos, specials, "add_eos_token"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "TemplateProcessing");
        m.put("single", single);
        List<Object> pair = new ArrayList<>(single);
        pair.addAll(single.stream().map(o -> o instanceof Map<?, ?> mm && mm.containsKey("Sequence")
                ? (Object) Map.of("Sequence", Map.of("id", "B", "type_id", 1L)) : o).toList());
        m.put("pair", pair);
        m.put("special_tokens", specials);
        return m;
    }

    private Map<String, Object> special(int id, Map<String, Object> specials, String flag) {
        if (id < 0) throw new IllegalArgumentException(flag + " is set but the token id is missing");
        String t = tokens.get(id);
        specials.put(t, Map.of("id", t, "ids", List.of((long) id), "tokens", List.of(t)));
        return Map.of("SpecialToken", Map.of("id", t, "type_id", 0L));
    }

    // ---- from a tokenizer ----

    /**
     * The GGUF fields of a byte-level BPE tokenizer.json for a model of {@code vocabSize} ids, with the model's
     * {@code bos}/{@code eos} ids (-1: none). Whether a BOS or EOS is added is read off the post-processor by encoding
     * a text. Fails for pipelines GGUF cannot name (other models, normalizers, pre-tokenizers).
     */
    public static GgufVocabulary of(HfTokenizer tok, int vocabSize, int bos, int eos) {
        Map<String, Object> json = tok.json();
        String where = tok.name();
        if (!(json.get("model") instanceof Map<?, ?> model) || !"BPE".equals(model.get("type")))
            throw TokenizerException.in(where, "only byte-level BPE tokenizers can be written to GGUF (tokenizer.ggml.model"
                    + " 'gpt2'); this one's model is " + (json.get("model") instanceof Map<?, ?> m ? m.get("type") : "missing"));
        if (Boolean.TRUE.equals(model.get("byte_fallback")))
            throw TokenizerException.in(where, "a BPE with byte_fallback (SentencePiece style) cannot be written as GGUF yet");
        if (json.get("normalizer") != null)
            throw TokenizerException.in(where, "a tokenizer with a normalizer cannot be written as a GGUF 'gpt2' vocabulary");
        String pre = preName(json.get("pre_tokenizer"));
        if (pre == null)
            throw TokenizerException.in(where, "its pre_tokenizer is neither GPT-2's ByteLevel nor Llama 3's Split + "
                    + "ByteLevel, the two GGUF pre-tokenizer names Cortado writes");
        String[] byId = new String[vocabSize];
        int[] types = new int[vocabSize];
        Arrays.fill(types, UNUSED);
        if (model.get("vocab") instanceof Map<?, ?> v)
            for (var e : v.entrySet()) {
                int id = (int) (long) (Long) e.getValue();
                if (id < vocabSize) { byId[id] = (String) e.getKey(); types[id] = NORMAL; }
            }
        for (AddedToken a : tok.addedTokens())
            if (a.id() < vocabSize) {
                byId[a.id()] = a.content();
                types[a.id()] = a.special() ? CONTROL : USER_DEFINED;
            }
        List<String> tokens = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) tokens.add(byId[i] != null ? byId[i] : "[PAD" + i + "]");
        List<String> merges = new ArrayList<>();
        if (model.get("merges") instanceof List<?> ms)
            for (Object m : ms) merges.add(m instanceof List<?> p ? p.get(0) + " " + p.get(1) : (String) m);
        int[] plain = tok.encode("a"), full = tok.encodeForModel("a");
        boolean addBos = full.length > plain.length && full[0] != plain[0];
        boolean addEos = full.length > plain.length && full[full.length - 1] != plain[plain.length - 1];
        if (addBos) bos = full[0];
        if (addEos) eos = full[full.length - 1];
        return new GgufVocabulary("gpt2", pre, tokens, types, merges, bos, eos, -1, -1, addBos, addEos);
    }

    /** "gpt-2" or "llama-bpe" for the pre-tokenizer json, else null. */
    static String preName(Object pre) {
        if (!(pre instanceof Map<?, ?> p)) return null;
        if ("ByteLevel".equals(p.get("type")))
            return !Boolean.TRUE.equals(p.get("add_prefix_space")) && !Boolean.FALSE.equals(p.get("use_regex")) ? "gpt-2" : null;
        if ("Sequence".equals(p.get("type")) && p.get("pretokenizers") instanceof List<?> seq && seq.size() == 2
                && seq.get(0) instanceof Map<?, ?> split && "Split".equals(split.get("type"))
                && split.get("pattern") instanceof Map<?, ?> pat && SplitPatterns.LLAMA3.equals(pat.get("Regex"))
                && "Isolated".equals(split.get("behavior")) && !Boolean.TRUE.equals(split.get("invert"))
                && seq.get(1) instanceof Map<?, ?> bl && "ByteLevel".equals(bl.get("type"))
                && Boolean.FALSE.equals(bl.get("use_regex")) && !Boolean.TRUE.equals(bl.get("add_prefix_space")))
            return "llama-bpe";
        return null;
    }
}
