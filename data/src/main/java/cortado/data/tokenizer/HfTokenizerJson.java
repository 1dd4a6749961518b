package cortado.data.tokenizer;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.normalize.BertNormalizer;
import cortado.data.normalize.CombiningMarkFilter;
import cortado.data.normalize.Lowercase;
import cortado.data.normalize.Prepend;
import cortado.data.normalize.Replace;
import cortado.data.normalize.Strip;
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
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Hugging Face {@code tokenizer.json}: reading the whole pipeline (added tokens, normalizer, pre-tokenizer, BPE /
 * WordPiece / Unigram model, post-processor, decoder) into an {@link HfTokenizer}, and writing what our trainers make
 * (byte-level BPE, WordPiece) so that {@code tokenizers.Tokenizer.from_file} loads it. A field of an unknown type or
 * a malformed value is refused with one message naming the file and the field.
 */
public final class HfTokenizerJson {
    private HfTokenizerJson() {}

    public static HfTokenizer load(Path file) {
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
        } catch (PatternSyntaxException e) {
            throw TokenizerException.in(file.toString(), "a regex does not compile: " + e.getDescription());
        } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
            throw TokenizerException.in(file.toString(), "unexpected structure (" + e.getMessage() + ")");
        }
    }

    /** Builds the pipeline; every field that is read is checked, and an unknown type is refused by name. */
    static HfTokenizer parse(Map<String, Object> root, String file) {
        JsonFields f = new JsonFields(file);
        Map<String, Object> model = f.optObject(root, "model", "");
        if (model == null) throw TokenizerException.in(file, "no \"model\" object");
        List<AddedToken> added = addedTokens(root, f);
        TextNormalizer normalizer = normalizer(f.optObject(root, "normalizer", ""), f, "normalizer");
        Map<String, Object> pre = f.optObject(root, "pre_tokenizer", "");
        PreTokenizerStep preTokenizer = pre == null ? null : preTokenizer(pre, f, "pre_tokenizer");
        TokenDecoder decoder = decoder(f.optObject(root, "decoder", ""), f, "decoder");
        String type = model.get("type") instanceof String t ? t : guessModelType(model);
        Map<String, Integer> addedIds = new LinkedHashMap<>();
        for (AddedToken t : added) addedIds.put(t.content(), t.id());
        SubwordModel m;
        BpeTokenizer fast = null;
        switch (type) {
            case "BPE" -> {
                m = bpe(model, addedIds, f);
                if (m instanceof ByteLevelBpeModel bl) {
                    String pattern = fastPattern(pre);
                    if (pattern != null) fast = bl.bpe().withPreTokenizer(pattern);
                }
            }
            case "WordPiece" -> m = wordPiece(model, f);
            case "Unigram" -> m = unigram(model, f);
            default -> throw TokenizerException.in(file, "model.type '" + type + "' is not supported (BPE, WordPiece, Unigram are)");
        }
        Map<String, Object> post = f.optObject(root, "post_processor", "");
        PostProcessor pp = post == null ? PostProcessor.NONE : postProcessor(post, f, "post_processor");
        String name = file.replaceAll(".*/", "");
        return new HfTokenizer(name, new AddedVocabulary(added, normalizer), normalizer, preTokenizer, m, fast, pp,
                decoder, root);
    }

    private static String guessModelType(Map<String, Object> model) {
        if (model.containsKey("merges")) return "BPE";
        if (model.containsKey("continuing_subword_prefix") || model.containsKey("max_input_chars_per_word")) return "WordPiece";
        if (model.get("vocab") instanceof List) return "Unigram";
        return "unknown";
    }

    private static List<AddedToken> addedTokens(Map<String, Object> root, JsonFields f) {
        List<AddedToken> out = new ArrayList<>();
        if (root.get("added_tokens") == null) return out;
        List<?> list = f.list(root, "added_tokens", "");
        for (int i = 0; i < list.size(); i++) {
            String p = "added_tokens[" + i + "].";
            Map<String, Object> t = f.object(list.get(i), "added_tokens[" + i + "]");
            if (!(t.get("content") instanceof String) || !(t.get("id") instanceof Long)) {
                throw TokenizerException.in(f.file(), "added_tokens[" + i + "] needs \"id\" and \"content\"");
            }
            boolean special = f.bool(t, "special", false, p);
            out.add(new AddedToken(f.integer(t, "id", 0, MAX_ID, p), f.string(t, "content", p),
                    f.bool(t, "single_word", false, p), f.bool(t, "lstrip", false, p), f.bool(t, "rstrip", false, p),
                    f.bool(t, "normalized", !special, p), special));
        }
        return out;
    }

    private static final int MAX_ID = 50_000_000;

    private static Map<String, Integer> vocab(Map<String, Object> model, JsonFields f) {
        if (!(model.get("vocab") instanceof Map<?, ?> v)) throw TokenizerException.in(f.file(), "model.vocab is not an object");
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var e : v.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > MAX_ID) {
                throw TokenizerException.in(f.file(), "model.vocab['" + TiktokenFile.clip(String.valueOf(e.getKey()))
                        + "'] is not a valid id: " + e.getValue());
            }
            out.put((String) e.getKey(), id.intValue());
        }
        // Ids are dense in every real vocabulary; a huge id in a small file would only make us allocate for it.
        int max = -1;
        for (int id : out.values()) max = Math.max(max, id);
        if (max >= 2L * out.size() + 1024) {
            throw TokenizerException.in(f.file(), "model.vocab: id " + max + " is far beyond its " + out.size() + " entries");
        }
        return out;
    }

    // ---- models ----

    /** BPE: the byte-level fast model when the vocabulary is byte-level spelled, else HF's general BPE. */
    private static SubwordModel bpe(Map<String, Object> model, Map<String, Integer> added, JsonFields f) {
        String p = "model.";
        Object dropout = model.get("dropout");
        if (dropout != null && f.number(dropout, p + "dropout") != 0.0) {
            throw f.error(p + "dropout", "BPE dropout is random at encoding time; only null or 0 is supported");
        }
        String prefix = f.optString(model, "continuing_subword_prefix", p);
        String suffix = f.optString(model, "end_of_word_suffix", p);
        String unk = f.optString(model, "unk_token", p);
        boolean fuseUnk = f.bool(model, "fuse_unk", false, p), byteFallback = f.bool(model, "byte_fallback", false, p);
        boolean ignoreMerges = f.bool(model, "ignore_merges", false, p);
        Map<String, Integer> vocab = vocab(model, f);
        List<?> merges = f.list(model, "merges", p);
        String[][] pairs = new String[merges.size()][];
        for (int i = 0; i < merges.size(); i++) {
            Object m = merges.get(i);
            if (m instanceof String s) {
                int sp = s.indexOf(' ');
                if (sp <= 0 || s.indexOf(' ', sp + 1) >= 0) throw TokenizerException.in(f.file(), "model.merges[" + i + "] '" + s + "' is not 'left right'");
                pairs[i] = new String[] {s.substring(0, sp), s.substring(sp + 1)};
            } else if (m instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String x && l.get(1) instanceof String y) {
                pairs[i] = new String[] {x, y};
            } else {
                throw TokenizerException.in(f.file(), "model.merges[" + i + "] is neither 'a b' nor [a, b]");
            }
        }
        boolean plain = !byteFallback && (prefix == null || prefix.isEmpty()) && (suffix == null || suffix.isEmpty());
        if (plain) {
            SubwordModel bl = byteLevelBpe(vocab, pairs, ignoreMerges, added, f);
            if (bl != null) return bl;
        }
        try {
            return new BpeModel(vocab, pairs, unk, prefix, suffix, fuseUnk, byteFallback, ignoreMerges);
        } catch (TokenizerException e) {
            throw TokenizerException.in(f.file(), e.getMessage());
        }
    }

    /** The byte-level model, or null when some entry is not byte-level spelled or a byte is missing. */
    private static SubwordModel byteLevelBpe(Map<String, Integer> vocab, String[][] pairs, boolean ignoreMerges,
                                             Map<String, Integer> added, JsonFields f) {
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        byte[][] bytes = new byte[max + 1][];
        Map<String, Integer> extra = new LinkedHashMap<>();
        boolean[] seen = new boolean[256];
        for (var e : vocab.entrySet()) {
            if (added.containsKey(e.getKey())) { extra.put(e.getKey(), e.getValue()); continue; }
            byte[] b = ByteLevel.decode(e.getKey());
            if (b == null) return null;
            bytes[e.getValue()] = b;
            if (b.length == 1) seen[b[0] & 0xff] = true;
        }
        for (boolean s : seen) if (!s) return null;
        int[][] mergeList = new int[pairs.length][];
        for (int i = 0; i < pairs.length; i++) {
            Integer l = vocab.get(pairs[i][0]), r = vocab.get(pairs[i][1]);
            if (l == null || r == null || bytes[l] == null || bytes[r] == null) {
                throw TokenizerException.in(f.file(), "model.merges[" + i + "] uses '" + TiktokenFile.clip(l == null ? pairs[i][0] : pairs[i][1])
                        + "' that is not in model.vocab");
            }
            mergeList[i] = new int[] {l, r};
        }
        BpeTokenizer bpe;
        try {
            bpe = BpeTokenizer.fromMerges(f.file().replaceAll(".*/", ""), bytes, mergeList, ignoreMerges,
                    SplitPatterns.GPT2_ORIGINAL, PreTokenizers.forPattern(SplitPatterns.GPT2_ORIGINAL, true), null, Map.of());
        } catch (TokenizerException e) {
            throw TokenizerException.in(f.file(), "model: " + e.getMessage());
        }
        return new ByteLevelBpeModel(bpe, extra);
    }

    /**
     * The split regex when the pre-tokenizer is one the byte-level fast path runs itself: ByteLevel (GPT-2's regex,
     * no prefix space), or Sequence[Split(regex, Isolated), ByteLevel(use_regex = false, no prefix space)].
     */
    private static String fastPattern(Map<String, Object> pre) {
        if (pre == null) return null;
        if ("ByteLevel".equals(pre.get("type"))) {
            return !Boolean.TRUE.equals(pre.get("add_prefix_space")) && !Boolean.FALSE.equals(pre.get("use_regex"))
                    ? SplitPatterns.GPT2_ORIGINAL : null;
        }
        if ("Sequence".equals(pre.get("type")) && pre.get("pretokenizers") instanceof List<?> seq && seq.size() == 2
                && seq.get(0) instanceof Map<?, ?> split && "Split".equals(split.get("type"))
                && seq.get(1) instanceof Map<?, ?> bl && "ByteLevel".equals(bl.get("type"))
                && Boolean.FALSE.equals(bl.get("use_regex")) && !Boolean.TRUE.equals(bl.get("add_prefix_space"))
                && split.get("pattern") instanceof Map<?, ?> p && p.get("Regex") instanceof String regex
                && "Isolated".equals(split.get("behavior")) && !Boolean.TRUE.equals(split.get("invert"))) {
            return regex;
        }
        return null;
    }

    private static SubwordModel wordPiece(Map<String, Object> model, JsonFields f) {
        String p = "model.";
        Map<String, Integer> v = vocab(model, f);
        String unk = model.containsKey("unk_token") ? f.string(model, "unk_token", p) : "[UNK]";
        String prefix = model.containsKey("continuing_subword_prefix") ? f.string(model, "continuing_subword_prefix", p) : "##";
        int maxChars = f.integer(model, "max_input_chars_per_word", 100, Integer.MAX_VALUE, p);
        if (!v.containsKey(unk)) throw f.error("model.unk_token", "'" + TiktokenFile.clip(unk) + "' is not in model.vocab");
        return new WordPieceModel(v, unk, prefix, maxChars);
    }

    private static SubwordModel unigram(Map<String, Object> model, JsonFields f) {
        String p = "model.";
        List<?> vocab = f.list(model, "vocab", p);
        List<String> pieces = new ArrayList<>(vocab.size());
        double[] scores = new double[vocab.size()];
        for (int i = 0; i < vocab.size(); i++) {
            if (!(vocab.get(i) instanceof List<?> e) || e.size() != 2 || !(e.get(0) instanceof String s)) {
                throw f.error("model.vocab[" + i + "]", "expected [piece, score]");
            }
            pieces.add(s);
            scores[i] = f.number(e.get(1), "model.vocab[" + i + "][1]");
        }
        int unk = model.get("unk_id") == null ? -1 : f.integer(model.get("unk_id"), vocab.size() - 1, "model.unk_id");
        return new UnigramModel(f.file(), pieces, scores, unk, f.bool(model, "byte_fallback", false, p));
    }

    // ---- normalizers ----

    static TextNormalizer normalizer(Map<String, Object> n, JsonFields f, String path) {
        if (n == null) return null;
        String p = path + ".";
        String type = f.string(n, "type", p);
        return switch (type) {
            case "BertNormalizer" -> {
                boolean lower = f.bool(n, "lowercase", true, p);
                Object sa = n.get("strip_accents");
                yield new BertNormalizer(f.bool(n, "clean_text", true, p), f.bool(n, "handle_chinese_chars", true, p),
                        sa == null ? lower : f.bool(n, "strip_accents", lower, p), lower);
            }
            case "NFC" -> UnicodeForm.NFC;
            case "NFD" -> UnicodeForm.NFD;
            case "NFKC" -> UnicodeForm.NFKC;
            case "NFKD" -> UnicodeForm.NFKD;
            case "Lowercase" -> Lowercase.INSTANCE;
            case "StripAccents" -> CombiningMarkFilter.INSTANCE;
            case "Strip" -> new Strip(f.bool(n, "strip_left", true, p), f.bool(n, "strip_right", true, p));
            case "Prepend" -> new Prepend(f.string(n, "prepend", p));
            case "Replace" -> replace(n, f, p);
            case "Sequence" -> {
                TextNormalizer t = TextNormalizer.identity();
                List<?> list = f.list(n, "normalizers", p);
                for (int i = 0; i < list.size(); i++) {
                    t = t.then(normalizer(f.object(list.get(i), p + "normalizers[" + i + "]"), f, p + "normalizers[" + i + "]"));
                }
                yield t;
            }
            default -> throw f.error(p + "type", "normalizer '" + type + "' is not supported (BertNormalizer, NFC, NFD, NFKC, "
                    + "NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, Sequence are)");
        };
    }

    private static Replace replace(Map<String, Object> n, JsonFields f, String p) {
        Map<String, Object> pat = f.object(n.get("pattern"), p + "pattern");
        String content = f.string(n, "content", p);
        if (pat.get("String") instanceof String s) return Replace.literal(s, content);
        if (pat.get("Regex") instanceof String r) return Replace.regex(SplitPreTokenizer.regex(r), content);
        throw f.error(p + "pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    // ---- pre-tokenizers ----

    static PreTokenizerStep preTokenizer(Map<String, Object> n, JsonFields f, String path) {
        String p = path + ".";
        String type = f.string(n, "type", p);
        return switch (type) {
            case "ByteLevel" -> new ByteLevelPreTokenizer(f.bool(n, "add_prefix_space", true, p), f.bool(n, "use_regex", true, p));
            case "Metaspace" -> new MetaspacePreTokenizer((char) metaspaceReplacement(n, f, p), prependScheme(n, f, p),
                    f.bool(n, "split", true, p));
            case "Split" -> {
                Map<String, Object> pat = f.object(n.get("pattern"), p + "pattern");
                Pattern rx;
                if (pat.get("String") instanceof String s) rx = SplitPreTokenizer.literal(s);
                else if (pat.get("Regex") instanceof String r) rx = SplitPreTokenizer.regex(r);
                else throw f.error(p + "pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
                yield new SplitPreTokenizer(rx, behavior(n, f, p), f.bool(n, "invert", false, p));
            }
            case "Digits" -> CharClassPreTokenizer.digits(f.bool(n, "individual_digits", false, p));
            case "Punctuation" -> CharClassPreTokenizer.punctuation(n.containsKey("behavior") ? behavior(n, f, p) : SplitBehavior.ISOLATED);
            case "Whitespace" -> CharClassPreTokenizer.whitespace();
            case "WhitespaceSplit" -> CharClassPreTokenizer.whitespaceSplit();
            case "BertPreTokenizer" -> CharClassPreTokenizer.bert();
            case "CharDelimiterSplit" -> CharClassPreTokenizer.charDelimiter(f.character(n, "delimiter", p));
            case "Sequence" -> {
                List<?> list = f.list(n, "pretokenizers", p);
                List<PreTokenizerStep> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    String q = p + "pretokenizers[" + i + "]";
                    steps.add(preTokenizer(f.object(list.get(i), q), f, q));
                }
                yield PreTokenizerStep.sequence(steps);
            }
            default -> throw f.error(p + "type", "pre-tokenizer '" + type + "' is not supported (ByteLevel, Metaspace, Split, "
                    + "Digits, Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence are)");
        };
    }

    private static SplitBehavior behavior(Map<String, Object> n, JsonFields f, String p) {
        String b = f.string(n, "behavior", p);
        SplitBehavior sb = SplitBehavior.parse(b);
        if (sb == null) throw f.error(p + "behavior", "'" + TiktokenFile.clip(b) + "' is not a split behavior");
        return sb;
    }

    private static int metaspaceReplacement(Map<String, Object> n, JsonFields f, String p) {
        int c = f.character(n, "replacement", p);
        if (c > 0xFFFF) throw f.error(p + "replacement", "a replacement outside the BMP is not supported");
        return c;
    }

    private static MetaspacePreTokenizer.Prepend prependScheme(Map<String, Object> n, JsonFields f, String p) {
        String s = f.optString(n, "prepend_scheme", p);
        MetaspacePreTokenizer.Prepend scheme = s == null ? MetaspacePreTokenizer.Prepend.ALWAYS : switch (s) {
            case "always" -> MetaspacePreTokenizer.Prepend.ALWAYS;
            case "first" -> MetaspacePreTokenizer.Prepend.FIRST;
            case "never" -> MetaspacePreTokenizer.Prepend.NEVER;
            default -> throw f.error(p + "prepend_scheme", "'" + TiktokenFile.clip(s) + "' is not always, first or never");
        };
        // Files written before prepend_scheme existed say add_prefix_space; false means never (HF's deserializer).
        if (Boolean.FALSE.equals(n.get("add_prefix_space"))) {
            if (s != null && scheme != MetaspacePreTokenizer.Prepend.NEVER) {
                throw f.error(p + "add_prefix_space", "false does not match prepend_scheme '" + s + "'");
            }
            scheme = MetaspacePreTokenizer.Prepend.NEVER;
        }
        return scheme;
    }

    // ---- decoders ----

    static TokenDecoder decoder(Map<String, Object> n, JsonFields f, String path) {
        if (n == null) return TokenDecoder.NONE;
        String p = path + ".";
        String type = f.string(n, "type", p);
        return switch (type) {
            case "ByteLevel" -> TokenDecoder.BYTE_LEVEL;
            case "ByteFallback" -> TokenDecoder.BYTE_FALLBACK;
            case "Fuse" -> TokenDecoder.FUSE;
            case "Metaspace" -> TokenDecoder.metaspace((char) metaspaceReplacement(n, f, p),
                    prependScheme(n, f, p) == MetaspacePreTokenizer.Prepend.NEVER);
            case "Strip" -> TokenDecoder.strip(f.character(n, "content", p), f.integer(n, "start", 0, Integer.MAX_VALUE, p),
                    f.integer(n, "stop", 0, Integer.MAX_VALUE, p));
            case "Replace" -> TokenDecoder.replace(replace(n, f, p));
            case "WordPiece" -> TokenDecoder.wordPiece(n.containsKey("prefix") ? f.string(n, "prefix", p) : "##",
                    f.bool(n, "cleanup", true, p));
            case "BPEDecoder" -> TokenDecoder.bpeSuffix(n.containsKey("suffix") ? f.string(n, "suffix", p) : "</w>");
            case "Sequence" -> {
                List<?> list = f.list(n, "decoders", p);
                List<TokenDecoder> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    String q = p + "decoders[" + i + "]";
                    steps.add(decoder(f.object(list.get(i), q), f, q));
                }
                yield TokenDecoder.sequence(steps);
            }
            default -> throw f.error(p + "type", "decoder '" + type + "' is not supported (ByteLevel, ByteFallback, Fuse, "
                    + "Metaspace, Strip, Replace, WordPiece, BPEDecoder, Sequence are)");
        };
    }

    // ---- post-processors ----

    static PostProcessor postProcessor(Map<String, Object> n, JsonFields f, String path) {
        String p = path + ".";
        String type = f.string(n, "type", p);
        return switch (type) {
            case "ByteLevel" -> PostProcessor.NONE;
            case "BertProcessing" -> TemplateProcessor.bert(tokenPair(n, "cls", f, p), tokenPair(n, "sep", f, p));
            case "RobertaProcessing" -> TemplateProcessor.roberta(tokenPair(n, "cls", f, p), tokenPair(n, "sep", f, p));
            case "TemplateProcessing" -> template(n, f, p);
            case "Sequence" -> {
                List<?> list = f.list(n, "processors", p);
                PostProcessor only = PostProcessor.NONE;
                for (int i = 0; i < list.size(); i++) {
                    String q = p + "processors[" + i + "]";
                    PostProcessor x = postProcessor(f.object(list.get(i), q), f, q);
                    if (x == PostProcessor.NONE) continue;
                    if (only != PostProcessor.NONE) throw f.error(q, "more than one post-processor that adds tokens is not supported");
                    only = x;
                }
                yield only;
            }
            default -> throw f.error(p + "type", "post-processor '" + type + "' is not supported (TemplateProcessing, "
                    + "BertProcessing, RobertaProcessing, ByteLevel, Sequence are)");
        };
    }

    /** BertProcessing's {@code "cls": ["[CLS]", 101]}: the id. */
    private static int tokenPair(Map<String, Object> n, String key, JsonFields f, String p) {
        List<?> l = f.list(n, key, p);
        if (l.size() != 2 || !(l.get(0) instanceof String)) throw f.error(p + key, "expected [token, id]");
        return f.integer(l.get(1), MAX_ID, p + key + "[1]");
    }

    private static TemplateProcessor template(Map<String, Object> n, JsonFields f, String p) {
        Map<String, Object> specials = f.object(n.get("special_tokens") == null ? Map.of() : n.get("special_tokens"), p + "special_tokens");
        Map<String, int[]> ids = new LinkedHashMap<>();
        for (var e : specials.entrySet()) {
            String q = p + "special_tokens." + e.getKey() + ".";
            Map<String, Object> t = f.object(e.getValue(), q);
            List<?> l = f.list(t, "ids", q);
            int[] a = new int[l.size()];
            for (int i = 0; i < a.length; i++) a[i] = f.integer(l.get(i), MAX_ID, q + "ids[" + i + "]");
            ids.put(e.getKey(), a);
        }
        return TemplateProcessor.of(templatePieces(n, "single", ids, f, p), templatePieces(n, "pair", ids, f, p));
    }

    private static List<TemplateProcessor.Piece> templatePieces(Map<String, Object> n, String key, Map<String, int[]> ids,
                                                                JsonFields f, String p) {
        List<?> l = f.list(n, key, p);
        List<TemplateProcessor.Piece> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String q = p + key + "[" + i + "]";
            Map<String, Object> piece = f.object(l.get(i), q);
            if (piece.get("Sequence") != null) {
                Map<String, Object> s = f.object(piece.get("Sequence"), q + ".Sequence");
                String id = f.string(s, "id", q + ".Sequence.");
                if (!id.equals("A") && !id.equals("B")) throw f.error(q + ".Sequence.id", "expected A or B");
                out.add(new TemplateProcessor.Piece(new int[0], id.equals("A") ? 0 : 1, f.integer(s, "type_id", 0, 255, q + ".Sequence.")));
            } else if (piece.get("SpecialToken") != null) {
                Map<String, Object> s = f.object(piece.get("SpecialToken"), q + ".SpecialToken");
                String id = f.string(s, "id", q + ".SpecialToken.");
                int[] x = ids.get(id);
                if (x == null) throw f.error(q + ".SpecialToken.id", "'" + TiktokenFile.clip(id) + "' is not in special_tokens");
                out.add(new TemplateProcessor.Piece(x, -1, f.integer(s, "type_id", 0, 255, q + ".SpecialToken.")));
            } else {
                throw f.error(q, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return out;
    }

    // ---- writing ----

    /** Writes {@code tok} as tokenizer.json (atomically: temp file, then rename). */
    public static void save(Tokenizer tok, Path file) {
        Map<String, Object> root = switch (tok) {
            case HfTokenizer h -> h.json();
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
