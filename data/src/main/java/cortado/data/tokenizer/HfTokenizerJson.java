package cortado.data.tokenizer;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.normalize.BertNormalizer;
import cortado.data.normalize.Lowercase;
import cortado.data.normalize.StripAccents;
import cortado.data.normalize.TextNormalizer;
import cortado.data.normalize.UnicodeForm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face {@code tokenizer.json}: reading byte-level BPE (ByteLevel pre-tokenizer, or a Split regex followed by
 * ByteLevel as Llama 3 does) and WordPiece (BERT) models with their added tokens, and writing both so that
 * {@code tokenizers.Tokenizer.from_file} loads them. Anything else is refused with a message naming the field.
 */
public final class HfTokenizerJson {
    private HfTokenizerJson() {}

    public static Tokenizer load(Path file) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(VocabText.read(file));
        } catch (JsonException e) {
            throw TokenizerException.in(file.toString(), "malformed JSON: " + e.getMessage());
        } catch (ClassCastException | IllegalArgumentException e) {
            throw TokenizerException.in(file.toString(), "top level is not a JSON object");
        }
        try {
            return parse(root, file.toString());
        } catch (ClassCastException | NullPointerException e) {
            throw TokenizerException.in(file.toString(), "unexpected structure (" + e.getMessage() + ")");
        }
    }

    static Tokenizer parse(Map<String, Object> root, String file) {
        Map<String, Object> model = obj(root, "model", file);
        if (model == null) throw TokenizerException.in(file, "no \"model\" object");
        String type = model.get("type") instanceof String t ? t : guessModelType(model);
        Map<String, Integer> added = addedTokens(root, file);
        return switch (type) {
            case "BPE" -> bpe(root, model, added, file);
            case "WordPiece" -> wordPiece(root, model, added, file);
            default -> throw TokenizerException.in(file, "model.type '" + type + "' is not supported (BPE, WordPiece are)");
        };
    }

    private static String guessModelType(Map<String, Object> model) {
        if (model.containsKey("merges")) return "BPE";
        if (model.containsKey("continuing_subword_prefix") || model.containsKey("max_input_chars_per_word")) return "WordPiece";
        return "unknown";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String key, String file) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof Map)) throw TokenizerException.in(file, "\"" + key + "\" is not an object");
        return (Map<String, Object>) v;
    }

    private static Map<String, Integer> addedTokens(Map<String, Object> root, String file) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Object v = root.get("added_tokens");
        if (v == null) return out;
        if (!(v instanceof List<?> list)) throw TokenizerException.in(file, "\"added_tokens\" is not a list");
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> t) || !(t.get("content") instanceof String c) || !(t.get("id") instanceof Long id)) {
                throw TokenizerException.in(file, "added_tokens[" + i + "] needs \"id\" and \"content\"");
            }
            out.put(c, id.intValue());
        }
        return out;
    }

    private static Map<String, Integer> vocab(Map<String, Object> model, String file) {
        if (!(model.get("vocab") instanceof Map<?, ?> v)) throw TokenizerException.in(file, "model.vocab is not an object");
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var e : v.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > 50_000_000) {
                throw TokenizerException.in(file, "model.vocab['" + TiktokenFile.clip(String.valueOf(e.getKey()))
                        + "'] is not a valid id: " + e.getValue());
            }
            out.put((String) e.getKey(), id.intValue());
        }
        return out;
    }

    // ---- BPE ----

    private static BpeTokenizer bpe(Map<String, Object> root, Map<String, Object> model, Map<String, Integer> added, String file) {
        if (Boolean.TRUE.equals(model.get("byte_fallback"))) {
            throw TokenizerException.in(file, "model.byte_fallback (SentencePiece-style BPE) is not supported; byte-level BPE is");
        }
        if (model.get("continuing_subword_prefix") != null || model.get("end_of_word_suffix") != null) {
            throw TokenizerException.in(file, "BPE with continuing_subword_prefix/end_of_word_suffix is not supported");
        }
        String pattern = bytePattern(obj(root, "pre_tokenizer", file), file);
        boolean keepGaps = true;
        Map<String, Integer> vocab = vocab(model, file);
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        byte[][] bytes = new byte[max + 1][];
        for (var e : vocab.entrySet()) {
            if (added.containsKey(e.getKey())) continue;
            byte[] b = ByteLevel.decode(e.getKey());
            if (b == null) {
                throw TokenizerException.in(file, "model.vocab token '" + TiktokenFile.clip(e.getKey())
                        + "' is not byte-level spelled (and not an added token)");
            }
            bytes[e.getValue()] = b;
        }
        if (!(model.get("merges") instanceof List<?> merges)) throw TokenizerException.in(file, "model.merges is not a list");
        int[][] mergeList = new int[merges.size()][];
        for (int i = 0; i < merges.size(); i++) {
            String a, b;
            Object m = merges.get(i);
            if (m instanceof String s) {
                int sp = s.indexOf(' ');
                if (sp <= 0 || s.indexOf(' ', sp + 1) >= 0) throw TokenizerException.in(file, "model.merges[" + i + "] '" + s + "' is not 'left right'");
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            } else if (m instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String x && l.get(1) instanceof String y) {
                a = x;
                b = y;
            } else {
                throw TokenizerException.in(file, "model.merges[" + i + "] is neither 'a b' nor [a, b]");
            }
            Integer l = vocab.get(a), r = vocab.get(b);
            if (l == null || r == null || bytes[l] == null || bytes[r] == null) {
                throw TokenizerException.in(file, "model.merges[" + i + "] uses '" + (l == null ? a : b) + "' that is not in model.vocab");
            }
            mergeList[i] = new int[] {l, r};
        }
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
        TextNormalizer normalizer = normalizer(obj(root, "normalizer", file), file);
        String name = file.replaceAll(".*/", "");
        return BpeTokenizer.fromMerges(name, bytes, mergeList, ignoreMerges, pattern,
                PreTokenizers.forPattern(pattern, keepGaps), normalizer, added);
    }

    /** The regex of a ByteLevel pre-tokenizer, or of Sequence[Split(regex), ByteLevel(use_regex=false)]. */
    @SuppressWarnings("unchecked")
    private static String bytePattern(Map<String, Object> pre, String file) {
        if (pre == null) throw TokenizerException.in(file, "BPE without a pre_tokenizer is not byte-level; not supported");
        String type = String.valueOf(pre.get("type"));
        if (type.equals("ByteLevel")) {
            if (Boolean.TRUE.equals(pre.get("add_prefix_space"))) {
                throw TokenizerException.in(file, "pre_tokenizer.add_prefix_space = true is not supported");
            }
            if (Boolean.FALSE.equals(pre.get("use_regex"))) throw TokenizerException.in(file, "ByteLevel without regex is not supported");
            return SplitPatterns.GPT2_ORIGINAL;
        }
        if (type.equals("Sequence") && pre.get("pretokenizers") instanceof List<?> seq && seq.size() == 2
                && seq.get(0) instanceof Map<?, ?> split && "Split".equals(split.get("type"))
                && seq.get(1) instanceof Map<?, ?> bl && "ByteLevel".equals(bl.get("type"))
                && Boolean.FALSE.equals(bl.get("use_regex"))) {
            Map<String, Object> s = (Map<String, Object>) split;
            if (!(s.get("pattern") instanceof Map<?, ?> p) || !(p.get("Regex") instanceof String regex)) {
                throw TokenizerException.in(file, "pre_tokenizer Split needs pattern.Regex");
            }
            if (!"Isolated".equals(s.get("behavior")) || Boolean.TRUE.equals(s.get("invert"))) {
                throw TokenizerException.in(file, "pre_tokenizer Split must have behavior Isolated and invert false");
            }
            return regex;
        }
        throw TokenizerException.in(file, "pre_tokenizer of type '" + type + "' is not supported for BPE "
                + "(ByteLevel, or Sequence of Split + ByteLevel are)");
    }

    // ---- WordPiece ----

    private static WordPieceTokenizer wordPiece(Map<String, Object> root, Map<String, Object> model, Map<String, Integer> added, String file) {
        Map<String, Integer> v = vocab(model, file);
        int max = -1;
        for (int id : v.values()) max = Math.max(max, id);
        String[] byId = new String[max + 1];
        for (var e : v.entrySet()) byId[e.getValue()] = e.getKey();
        for (var e : added.entrySet()) {
            if (e.getValue() > max) throw TokenizerException.in(file, "added token '" + e.getKey() + "' has id beyond model.vocab");
            if (byId[e.getValue()] == null) byId[e.getValue()] = e.getKey();
        }
        List<String> vocab = new ArrayList<>(byId.length);
        for (int i = 0; i < byId.length; i++) {
            if (byId[i] == null) throw TokenizerException.in(file, "model.vocab has no token with id " + i);
            vocab.add(byId[i]);
        }
        Object pre = root.get("pre_tokenizer");
        if (!(pre instanceof Map<?, ?> p) || !"BertPreTokenizer".equals(p.get("type"))) {
            throw TokenizerException.in(file, "WordPiece needs pre_tokenizer BertPreTokenizer");
        }
        String unk = model.get("unk_token") instanceof String u ? u : "[UNK]";
        String prefix = model.get("continuing_subword_prefix") instanceof String s ? s : "##";
        int maxChars = model.get("max_input_chars_per_word") instanceof Long l ? l.intValue() : 100;
        TextNormalizer norm = normalizer(obj(root, "normalizer", file), file);
        return new WordPieceTokenizer(vocab, norm == null ? TextNormalizer.identity() : norm, unk, prefix, maxChars, added);
    }

    @SuppressWarnings("unchecked")
    static TextNormalizer normalizer(Map<String, Object> n, String file) {
        if (n == null) return null;
        String type = String.valueOf(n.get("type"));
        return switch (type) {
            case "BertNormalizer" -> {
                boolean lower = !Boolean.FALSE.equals(n.get("lowercase"));
                Object sa = n.get("strip_accents");
                yield new BertNormalizer(!Boolean.FALSE.equals(n.get("clean_text")),
                        !Boolean.FALSE.equals(n.get("handle_chinese_chars")), sa == null ? lower : (Boolean) sa, lower);
            }
            case "NFC" -> UnicodeForm.NFC;
            case "NFD" -> UnicodeForm.NFD;
            case "NFKC" -> UnicodeForm.NFKC;
            case "NFKD" -> UnicodeForm.NFKD;
            case "Lowercase" -> Lowercase.INSTANCE;
            case "StripAccents" -> StripAccents.INSTANCE;
            case "Sequence" -> {
                TextNormalizer t = TextNormalizer.identity();
                for (Object o : (List<Object>) n.get("normalizers")) t = t.then(normalizer((Map<String, Object>) o, file));
                yield t;
            }
            default -> throw TokenizerException.in(file, "normalizer of type '" + type + "' is not supported");
        };
    }

    // ---- writing ----

    /** Writes {@code tok} as tokenizer.json (atomically: temp file, then rename). */
    public static void save(Tokenizer tok, Path file) {
        Map<String, Object> root = switch (tok) {
            case BpeTokenizer b -> bpeJson(b);
            case WordPieceTokenizer w -> wordPieceJson(w);
            default -> throw new IllegalArgumentException("cannot save " + tok.getClass().getSimpleName() + " as tokenizer.json");
        };
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".tokenizer", ".tmp");
            Files.writeString(tmp, Json.write(root), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> header(Map<String, Integer> specials) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        specials.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", e.getValue());
            t.put("content", e.getKey());
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        });
        root.put("added_tokens", added);
        return root;
    }

    private static Map<String, Object> byteLevel(boolean useRegex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", true);
        m.put("use_regex", useRegex);
        return m;
    }

    static Map<String, Object> bpeJson(BpeTokenizer b) {
        if (b.mergeList() == null) {
            throw new IllegalArgumentException(b.name() + " has no merge list (a tiktoken rank vocabulary); "
                    + "cannot save it as a Hugging Face BPE model");
        }
        Map<String, Object> root = header(b.specialTokens());
        root.put("normalizer", null);
        if (b.pattern().equals(SplitPatterns.GPT2_ORIGINAL)) {
            root.put("pre_tokenizer", byteLevel(true));
        } else {
            Map<String, Object> split = new LinkedHashMap<>();
            split.put("type", "Split");
            split.put("pattern", Map.of("Regex", b.pattern()));
            split.put("behavior", "Isolated");
            split.put("invert", false);
            Map<String, Object> seq = new LinkedHashMap<>();
            seq.put("type", "Sequence");
            seq.put("pretokenizers", List.of(split, byteLevel(false)));
            root.put("pre_tokenizer", seq);
        }
        root.put("post_processor", null);
        root.put("decoder", byteLevel(true));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", b.wholePieceLookup());
        Map<String, Object> vocab = new LinkedHashMap<>();
        int n = Math.max(b.ordinaryIds(), b.vocabSize());
        for (int id = 0; id < n; id++) {
            byte[] t = b.tokenBytes(id);
            if (t != null) vocab.put(ByteLevel.encode(t), id);
            else {
                for (var e : b.specialTokens().entrySet()) if (e.getValue() == id) vocab.put(e.getKey(), id);
            }
        }
        model.put("vocab", vocab);
        List<Object> merges = new ArrayList<>();
        for (int[] m : b.mergeList()) {
            merges.add(List.of(ByteLevel.encode(b.tokenBytes(m[0])), ByteLevel.encode(b.tokenBytes(m[1]))));
        }
        model.put("merges", merges);
        root.put("model", model);
        return root;
    }

    static Map<String, Object> wordPieceJson(WordPieceTokenizer w) {
        Map<String, Object> root = header(w.specialTokens());
        if (w.normalizer() instanceof BertNormalizer bn) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("type", "BertNormalizer");
            n.put("clean_text", bn.cleanText());
            n.put("handle_chinese_chars", bn.handleChineseChars());
            n.put("strip_accents", bn.stripAccents());
            n.put("lowercase", bn.lowercase());
            root.put("normalizer", n);
        } else {
            throw new IllegalArgumentException("only a BertNormalizer can be saved for WordPiece");
        }
        root.put("pre_tokenizer", Map.of("type", "BertPreTokenizer"));
        int cls = w.tokenId("[CLS]"), sep = w.tokenId("[SEP]");
        if (cls >= 0 && sep >= 0) {
            Map<String, Object> post = new LinkedHashMap<>();
            post.put("type", "BertProcessing");
            post.put("sep", List.of("[SEP]", sep));
            post.put("cls", List.of("[CLS]", cls));
            root.put("post_processor", post);
        } else {
            root.put("post_processor", null);
        }
        Map<String, Object> dec = new LinkedHashMap<>();
        dec.put("type", "WordPiece");
        dec.put("prefix", w.continuingPrefix());
        dec.put("cleanup", true);
        root.put("decoder", dec);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "WordPiece");
        model.put("unk_token", w.unkToken());
        model.put("continuing_subword_prefix", w.continuingPrefix());
        model.put("max_input_chars_per_word", w.maxInputCharsPerWord());
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<String> v = w.vocab();
        for (int i = 0; i < v.size(); i++) vocab.put(v.get(i), i);
        model.put("vocab", vocab);
        root.put("model", model);
        return root;
    }
}
