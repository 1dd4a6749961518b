package cortado.data.tokenizer;

import cortado.data.json.Json;
import cortado.data.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a SentencePiece {@code tokenizer.model} into the {@code tokenizer.json} transformers 5 builds from it when
 * a checkpoint has no {@code tokenizer.json}, then loads that through {@link HfTokenizerJson}, so it encodes, decodes
 * and saves as that file would. Two of transformers' paths are mirrored (tokenization_utils_tokenizers.py,
 * {@code TokenizersBackend._convert_from_sentencepiece}):
 * <ul>
 * <li>{@code LlamaTokenizer} (Llama 2, Mistral, TinyLlama; chosen by {@code tokenizer_class}):
 *     models/llama/tokenization_llama.py. BPE over the pieces with merges made by
 *     {@code generate_merges}, {@code fuse_unk} and {@code byte_fallback} on and no unk token, no normalizer,
 *     Metaspace(prepend_scheme from {@code legacy}/{@code add_prefix_space}, split false), decoder
 *     Replace/ByteFallback/Fuse(/Strip when add_prefix_space); the proto's normalizer spec is not read there.</li>
 * <li>transformers' generic backend ({@code TokenizersBackend} or {@code PreTrainedTokenizerFast}, or no
 *     {@code tokenizer_class} with {@code config.json}'s {@code model_type} llama, mistral or none, which
 *     AutoTokenizer maps there): {@code SpmConverter.build_tokenizer_from_spm_proto}: BPE or Unigram
 *     as the proto says, normalizer Replace(" ", "▁"), decoder Replace(/ByteFallback/Fuse).</li>
 * </ul>
 * Both add the control and user-defined pieces and the named special tokens as added tokens and set
 * TemplateProcessing from {@code add_bos_token}/{@code add_eos_token} (default false), as
 * {@code TokenizersBackend.update_post_processor} does. Refused, with the file and field named: T5's class (its
 * conversion needs the Precompiled normalizer for nmt_nfkc's {@code precompiled_charsmap}, which Cortado does not
 * implement, and transformers itself fails on an empty one), a non-empty {@code precompiled_charsmap} on the generic
 * path, WORD/CHAR models, duplicate pieces, and special tokens that are not pieces (transformers would append them).
 */
final class SentencePieceConversion {
    private SentencePieceConversion() {}

    private static final String SPACE = "\u2581";

    enum Style { LLAMA, GENERIC }

    /**
     * Loads {@code model} with the settings of {@code dir/tokenizer_config.json} and {@code dir/config.json} when
     * they exist ({@code dir} may be null).
     */
    static HfTokenizer load(Path model, Path dir) {
        Map<String, Object> config = dir == null ? Map.of() : optJson(dir.resolve("tokenizer_config.json"));
        Map<String, Object> modelConfig = dir == null ? Map.of() : optJson(dir.resolve("config.json"));
        String configFile = dir == null ? "tokenizer_config.json" : dir.resolve("tokenizer_config.json").toString();
        SentencePieceModel spm = SentencePieceModel.read(model);
        Style style = style(config, modelConfig, configFile, dir == null ? "config.json" : dir.resolve("config.json").toString());
        Map<String, Object> json = convert(spm, style, config, model.toString(), configFile);
        return HfTokenizerJson.parse(json, model.toString());
    }

    private static Map<String, Object> optJson(Path file) {
        if (!Files.exists(file)) return Map.of();
        try {
            return Json.parseObject(Files.readString(file));
        } catch (JsonException | ClassCastException | IllegalArgumentException e) {
            throw TokenizerException.in(file.toString(), "malformed JSON: " + e.getMessage());
        } catch (IOException e) {
            throw TokenizerException.in(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    /**
     * The class transformers' AutoTokenizer picks: {@code tokenizer_class}, else from {@code config.json}'s
     * {@code model_type}. transformers 5 maps llama and mistral (and no model_type) to TokenizersBackend, t5 to
     * T5Tokenizer; other model types have their own classes, which are refused rather than guessed.
     */
    static Style style(Map<String, Object> config, Map<String, Object> modelConfig, String configFile, String modelConfigFile) {
        Object cls = config.get("tokenizer_class");
        if (cls != null && !(cls instanceof String)) throw TokenizerException.in(configFile, "tokenizer_class is not a string");
        if (cls == null) {
            Object mt = modelConfig.get("model_type");
            if (mt == null || "llama".equals(mt) || "mistral".equals(mt)) return Style.GENERIC;
            throw TokenizerException.in(modelConfigFile, "model_type " + mt + ": converting its tokenizer.model is not supported "
                    + (mt.equals("t5") ? "(T5's conversion needs the Precompiled nmt_nfkc normalizer); use its tokenizer.json"
                    : "without a tokenizer_class in tokenizer_config.json"));
        }
        return switch (((String) cls).replaceFirst("Fast$", "")) {
            case "LlamaTokenizer" -> Style.LLAMA;
            case "TokenizersBackend", "PreTrainedTokenizer" -> Style.GENERIC;
            case "T5Tokenizer" -> throw TokenizerException.in(configFile, "tokenizer_class " + cls + " from tokenizer.model is "
                    + "not supported: T5's conversion needs the Precompiled (nmt_nfkc) normalizer; use its tokenizer.json");
            default -> throw TokenizerException.in(configFile, "tokenizer_class " + cls + " from tokenizer.model is not supported "
                    + "(LlamaTokenizer, TokenizersBackend and PreTrainedTokenizerFast are)");
        };
    }

    static Map<String, Object> convert(SentencePieceModel spm, Style style, Map<String, Object> config, String file,
                                       String configFile) {
        var t = spm.trainer();
        boolean bpe = switch (t.modelType()) {
            case SentencePieceModel.BPE -> true;
            case SentencePieceModel.UNIGRAM -> false;
            default -> throw TokenizerException.in(file, "trainer_spec.model_type " + t.modelType()
                    + " is not supported (UNIGRAM=1 and BPE=2 are)");
        };
        if (style == Style.LLAMA && !bpe) throw TokenizerException.in(file, "trainer_spec.model_type is UNIGRAM; LlamaTokenizer needs BPE");
        // transformers' decode would then rewrite " ." and " 's" after the tokenizer's decoder; Cortado does not.
        if (flag(config, "clean_up_tokenization_spaces", false, configFile)) {
            throw TokenizerException.in(configFile, "clean_up_tokenization_spaces true is not supported");
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<SentencePieceModel.Piece> pieces = spm.pieces();
        for (int i = 0; i < pieces.size(); i++) {
            Integer prev = ids.putIfAbsent(pieces.get(i).piece(), i);
            if (prev != null) throw TokenizerException.in(file, "pieces[" + i + "] repeats pieces[" + prev + "] '"
                    + TiktokenFile.clip(pieces.get(i).piece()) + "'");
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", addedTokens(spm, style, config, ids, configFile));
        boolean byteFallback;
        if (style == Style.LLAMA) {
            byteFallback = true;
            boolean prefix = flag(config, "add_prefix_space", true, configFile);
            // _get_prepend_scheme: a false or null `legacy` (LlamaTokenizer's default is False) prepends to the first
            // section only.
            boolean legacy = flag(config, "legacy", false, configFile);
            root.put("normalizer", null);
            root.put("pre_tokenizer", obj("type", "Metaspace", "replacement", SPACE,
                    "prepend_scheme", !prefix ? "never" : legacy ? "always" : "first", "split", false));
            root.put("model", bpeModel(ids, null, true));
            root.put("post_processor", template(config, ids, configFile, style, Map.of()));
            List<Object> dec = byteFallbackDecoders();
            if (prefix) dec.add(obj("type", "Strip", "content", " ", "start", 1L, "stop", 0L));
            root.put("decoder", obj("type", "Sequence", "decoders", dec));
        } else {
            byteFallback = t.byteFallback();
            if (spm.normalizer().precompiledCharsmap().length > 0) {
                throw TokenizerException.in(file, "normalizer_spec.precompiled_charsmap (rule '" + spm.normalizer().name()
                        + "') is not supported: Cortado has no Precompiled normalizer; only the identity normalizer is");
            }
            root.put("normalizer", obj("type", "Sequence", "normalizers",
                    List.of(obj("type", "Replace", "pattern", obj("String", " "), "content", SPACE))));
            root.put("pre_tokenizer", null);
            if (bpe) {
                root.put("model", bpeModel(ids, t.unkPiece(), byteFallback));
            } else {
                if (t.unkId() < 0 || t.unkId() >= pieces.size()) {
                    throw TokenizerException.in(file, "trainer_spec.unk_id " + t.unkId() + " is not a piece id");
                }
                List<Object> vocab = new ArrayList<>(pieces.size());
                for (var p : pieces) vocab.add(List.of(p.piece(), (double) p.score()));
                root.put("model", obj("type", "Unigram", "unk_id", (long) t.unkId(), "vocab", vocab,
                        "byte_fallback", byteFallback));
            }
            root.put("post_processor", template(config, ids, configFile, style, protoSpecials(spm)));
            List<Object> dec = byteFallback ? byteFallbackDecoders()
                    : new ArrayList<>(List.of(obj("type", "Replace", "pattern", obj("String", SPACE), "content", " ")));
            root.put("decoder", obj("type", "Sequence", "decoders", dec));
        }
        return root;
    }

    private static List<Object> byteFallbackDecoders() {
        return new ArrayList<>(List.of(obj("type", "Replace", "pattern", obj("String", SPACE), "content", " "),
                obj("type", "ByteFallback"), obj("type", "Fuse")));
    }

    private static Map<String, Object> bpeModel(Map<String, Integer> ids, String unk, boolean byteFallback) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        ids.forEach((k, v) -> vocab.put(k, (long) v));
        List<Object> merges = new ArrayList<>();
        for (String[] m : generateMerges(ids)) merges.add(List.of(m[0], m[1]));
        return obj("type", "BPE", "dropout", null, "unk_token", unk, "continuing_subword_prefix", null,
                "end_of_word_suffix", null, "fuse_unk", true, "byte_fallback", byteFallback, "ignore_merges", false,
                "vocab", vocab, "merges", merges);
    }

    /**
     * transformers' {@code generate_merges(vocab)} (tokenization_utils_base.py): every split of every piece into two
     * pieces, ordered by the piece's id, then the left and right lengths in code points (Python's stable sort, the
     * splits of one piece first ordered by the ids of their halves).
     */
    static List<String[]> generateMerges(Map<String, Integer> ids) {
        record Merge(String l, String r, int id, int ll, int rl) {}
        List<Merge> all = new ArrayList<>();
        List<Merge> local = new ArrayList<>();
        for (var e : ids.entrySet()) {
            String piece = e.getKey();
            local.clear();
            int n = piece.codePointCount(0, piece.length());
            for (int k = 1, at = 0; k < n; k++) {
                at = piece.offsetByCodePoints(at, 1);
                String l = piece.substring(0, at), r = piece.substring(at);
                if (ids.containsKey(l) && ids.containsKey(r)) local.add(new Merge(l, r, e.getValue(), k, n - k));
            }
            local.sort(Comparator.<Merge>comparingInt(m -> ids.get(m.l)).thenComparingInt(m -> ids.get(m.r)));
            all.addAll(local);
        }
        all.sort(Comparator.comparingInt(Merge::id).thenComparingInt(Merge::ll).thenComparingInt(Merge::rl));
        List<String[]> out = new ArrayList<>(all.size());
        for (Merge m : all) out.add(new String[] {m.l, m.r});
        return out;
    }

    /** The generic path takes bos/eos/unk from the trainer spec where the config does not name them. */
    private static Map<String, Object> protoSpecials(SentencePieceModel spm) {
        var t = spm.trainer();
        Map<String, Object> out = new HashMap<>();
        if (t.bosId() >= 0) out.put("bos_token", t.bosPiece());
        if (t.eosId() >= 0) out.put("eos_token", t.eosPiece());
        if (t.unkId() >= 0) out.put("unk_token", t.unkPiece());
        return out;
    }

    private static final List<String> NAMED = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    /** The special token a config key names, or null; LlamaTokenizer's defaults are {@code <s>}, {@code </s>}, {@code <unk>}. */
    private static Object named(String key, Style style, Map<String, Object> config, Map<String, Object> fallback) {
        if (config.containsKey(key)) return config.get(key);
        if (style == Style.LLAMA) {
            return switch (key) {
                case "bos_token" -> "<s>";
                case "eos_token" -> "</s>";
                case "unk_token" -> "<unk>";
                default -> null;
            };
        }
        return fallback.get(key);
    }

    private static List<Object> addedTokens(SentencePieceModel spm, Style style, Map<String, Object> config,
                                            Map<String, Integer> ids, String configFile) {
        Map<String, Map<String, Object>> added = new LinkedHashMap<>();
        if (config.get("added_tokens_decoder") instanceof Map<?, ?> dec) {
            for (var e : dec.entrySet()) {
                String field = "added_tokens_decoder['" + e.getKey() + "']";
                Map<String, Object> tok = token(e.getValue(), field, configFile);
                int id = ids.getOrDefault((String) tok.get("content"), -1);
                if (!String.valueOf(id).equals(e.getKey())) {
                    throw TokenizerException.in(configFile, field + " '" + tok.get("content") + "' is not piece "
                            + e.getKey() + " of tokenizer.model (renaming or adding tokens is not supported)");
                }
                added.putIfAbsent((String) tok.get("content"), tok);
            }
        } else if (config.get("added_tokens_decoder") != null) {
            throw TokenizerException.in(configFile, "added_tokens_decoder is not an object");
        }
        List<SentencePieceModel.Piece> pieces = spm.pieces();
        for (var p : pieces) {
            if (p.type() == SentencePieceModel.CONTROL || p.type() == SentencePieceModel.USER_DEFINED) {
                added.putIfAbsent(p.piece(), tokenJson(p.piece(), false, false, false, false,
                        p.type() == SentencePieceModel.CONTROL));
            }
        }
        Map<String, Object> fallback = style == Style.GENERIC ? protoSpecials(spm) : Map.of();
        for (String key : NAMED) {
            Object v = named(key, style, config, fallback);
            if (v == null) continue;
            Map<String, Object> tok = token(v, key, configFile);
            tok.put("special", true);
            String content = (String) tok.get("content");
            if (!ids.containsKey(content)) {
                throw TokenizerException.in(configFile, key + " '" + TiktokenFile.clip(content)
                        + "' is not a piece of tokenizer.model (adding tokens is not supported)");
            }
            added.putIfAbsent(content, tok);
        }
        List<Object> out = new ArrayList<>();
        for (var tok : added.values()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", (long) ids.get((String) tok.get("content")));
            t.putAll(tok);
            out.add(t);
        }
        out.sort(Comparator.comparingLong(o -> (Long) ((Map<?, ?>) o).get("id")));
        return out;
    }

    /** A token given as a string (a special AddedToken, not normalized) or as an AddedToken object. */
    private static Map<String, Object> token(Object v, String field, String configFile) {
        if (v instanceof String s) return tokenJson(s, false, false, false, false, true);
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            boolean special = bool(m, "special", true, field, configFile);
            return tokenJson(s, bool(m, "single_word", false, field, configFile), bool(m, "lstrip", false, field, configFile),
                    bool(m, "rstrip", false, field, configFile), bool(m, "normalized", !special, field, configFile), special);
        }
        throw TokenizerException.in(configFile, field + " is neither a string nor an object with \"content\"");
    }

    private static boolean bool(Map<?, ?> m, String key, boolean dflt, String field, String configFile) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw TokenizerException.in(configFile, field + "." + key + " is not a boolean");
    }

    private static Map<String, Object> tokenJson(String content, boolean singleWord, boolean lstrip, boolean rstrip,
                                                 boolean normalized, boolean special) {
        return obj("content", content, "single_word", singleWord, "lstrip", lstrip, "rstrip", rstrip,
                "normalized", normalized, "special", special);
    }

    private static boolean flag(Map<String, Object> config, String key, boolean dflt, String configFile) {
        Object v = config.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw TokenizerException.in(configFile, key + " is not a boolean or null");
    }

    /** {@code TokenizersBackend.update_post_processor}: [bos] $A [eos], and the same again around $B (type id 1). */
    private static Map<String, Object> template(Map<String, Object> config, Map<String, Integer> ids, String configFile,
                                                Style style, Map<String, Object> fallback) {
        String bos = tokenContent(named("bos_token", style, config, fallback), "bos_token", configFile);
        String eos = tokenContent(named("eos_token", style, config, fallback), "eos_token", configFile);
        boolean addBos = flag(config, "add_bos_token", false, configFile) && bos != null;
        boolean addEos = flag(config, "add_eos_token", false, configFile) && eos != null;
        List<Object> single = new ArrayList<>(), pair = new ArrayList<>();
        for (int type = 0; type < 2; type++) {
            List<Object> into = type == 0 ? single : pair;
            if (type == 1) into.addAll(single);
            if (addBos) into.add(obj("SpecialToken", obj("id", bos, "type_id", (long) type)));
            into.add(obj("Sequence", obj("id", type == 0 ? "A" : "B", "type_id", (long) type)));
            if (addEos) into.add(obj("SpecialToken", obj("id", eos, "type_id", (long) type)));
        }
        Map<String, Object> specials = new LinkedHashMap<>();
        if (addBos) specials.put(bos, obj("id", bos, "ids", List.of((long) ids.get(bos)), "tokens", List.of(bos)));
        if (addEos) specials.put(eos, obj("id", eos, "ids", List.of((long) ids.get(eos)), "tokens", List.of(eos)));
        return obj("type", "TemplateProcessing", "single", single, "pair", pair, "special_tokens", specials);
    }

    private static String tokenContent(Object v, String field, String configFile) {
        return v == null ? null : (String) token(v, field, configFile).get("content");
    }

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

}
