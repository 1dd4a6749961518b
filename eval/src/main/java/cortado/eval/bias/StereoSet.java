package cortado.eval.bias;

import cortado.data.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * StereoSet's examples (Nadeem et al. 2021) in the published JSON layout ({@code dev.json}):
 * {@code {"version": ..., "data": {"intrasentence": [{"id", "target", "bias_type", "context", "sentences": [{"id",
 * "sentence", "labels", "gold_label"}, ...]}, ...], "intersentence": [...]}}}, each example's three sentences
 * labelled {@code stereotype}, {@code anti-stereotype} and {@code unrelated}. Intrasentence: the context has a BLANK
 * and each sentence fills it in. Intersentence: the context is a sentence of its own and each candidate follows it.
 * Either list may be empty or absent, not both.
 */
public final class StereoSet {
    public static final String BUILT_IN = "/cortado/eval/bias/stereoset.json";

    /** StereoSet's two splits, as its evaluation.py names them. */
    public enum Split {
        INTRASENTENCE, INTERSENTENCE;

        public String key() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * One example: the context (with its BLANK, intrasentence; the preceding sentence, intersentence) and the three
     * sentences by label.
     */
    public record Example(String id, String target, String biasType, String context, String stereotype,
                          String antiStereotype, String unrelated, Split split) {}

    private StereoSet() {}

    public static List<Example> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static List<Example> builtIn() {
        try (InputStream in = StereoSet.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) throw new IllegalStateException(BUILT_IN + " is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in stereoset.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Example> parse(String json, String source) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage());
        }
        if (!(root.get("data") instanceof Map<?, ?> data)
                || !(data.get("intrasentence") instanceof List<?> || data.get("intersentence") instanceof List<?>))
            throw new IllegalArgumentException(source + ": no \"data\".\"intrasentence\" or \"intersentence\" list"
                    + " (not a StereoSet file)");
        List<Example> out = new ArrayList<>();
        for (Split split : Split.values()) {
            Object list = data.get(split.key());
            if (list == null) continue;
            if (!(list instanceof List<?> items))
                throw new IllegalArgumentException(source + ": data." + split.key() + " is not a list");
            read(items, split, source, out);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": data.intrasentence and data.intersentence are empty");
        return out;
    }

    private static void read(List<?> items, Split split, String source, List<Example> out) {
        for (int i = 0; i < items.size(); i++) {
            String where = source + ": data." + split.key() + "[" + i + "]";
            if (!(items.get(i) instanceof Map<?, ?> ex)) throw new IllegalArgumentException(where + " is not an object");
            String id = text(ex, "id", where), target = text(ex, "target", where), type = text(ex, "bias_type", where),
                    context = text(ex, "context", where);
            if (!(ex.get("sentences") instanceof List<?> sentences))
                throw new IllegalArgumentException(where + " (id " + id + "): field 'sentences' is not a list");
            String stereo = null, anti = null, unrelated = null;
            for (int j = 0; j < sentences.size(); j++) {
                String at = where + ".sentences[" + j + "]";
                if (!(sentences.get(j) instanceof Map<?, ?> s)) throw new IllegalArgumentException(at + " is not an object");
                String sentence = text(s, "sentence", at), label = text(s, "gold_label", at);
                switch (label) {
                    case "stereotype" -> stereo = once(stereo, sentence, at, label);
                    case "anti-stereotype" -> anti = once(anti, sentence, at, label);
                    case "unrelated" -> unrelated = once(unrelated, sentence, at, label);
                    default -> throw new IllegalArgumentException(at + ": field 'gold_label' is '" + label
                            + "', expected stereotype, anti-stereotype or unrelated");
                }
            }
            if (stereo == null || anti == null || unrelated == null)
                throw new IllegalArgumentException(where + " (id " + id + "): needs one stereotype, one anti-stereotype"
                        + " and one unrelated sentence");
            out.add(new Example(id, target, type, context, stereo, anti, unrelated, split));
        }
    }

    private static String once(String seen, String sentence, String at, String label) {
        if (seen != null) throw new IllegalArgumentException(at + ": a second '" + label + "' sentence");
        return sentence;
    }

    private static String text(Map<?, ?> m, String field, String where) {
        if (!(m.get(field) instanceof String s)) throw new IllegalArgumentException(where + ": field '" + field + "' is missing or not text");
        return s;
    }
}
