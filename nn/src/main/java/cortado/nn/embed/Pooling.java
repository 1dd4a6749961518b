package cortado.nn.embed;

import cortado.autograd.F;
import cortado.nn.io.CheckpointException;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * sentence-transformers' {@code Pooling} module: token embeddings {@code [B, T, C]} and the attention mask to one
 * vector per row, each mode's vector concatenated in order. Modes, as in its {@code _forward_padded}: {@code cls} the
 * first real token (the first 1 of the mask, so left padding works), {@code max} the largest value over real tokens,
 * {@code mean} the sum over real tokens / max(count, 1e-9), {@code mean_sqrt_len_tokens} the sum / sqrt(count),
 * {@code weightedmean} the mean weighted by position (slot t weighs t + 1) / max(sum of weights, 1e-9),
 * {@code lasttoken} the last real token (the last 1 of the mask; slot 0 when there is none). With
 * {@code includePrompt} false the prompt's tokens are taken out of the mask first, as {@code _exclude_prompt_from_mask}.
 */
public record Pooling(List<String> modes, boolean includePrompt) {
    /** ST 2-5's boolean flags, in the order ST 6 converts them to a mode list. */
    private static final List<String[]> LEGACY = List.of(
            new String[] {"pooling_mode_cls_token", "cls"}, new String[] {"pooling_mode_max_tokens", "max"},
            new String[] {"pooling_mode_mean_tokens", "mean"},
            new String[] {"pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"},
            new String[] {"pooling_mode_weightedmean_tokens", "weightedmean"},
            new String[] {"pooling_mode_lasttoken", "lasttoken"});
    private static final List<String> SUPPORTED = List.of("cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean",
            "lasttoken");

    public Pooling {
        modes = List.copyOf(modes);
        if (modes.isEmpty()) throw new IllegalArgumentException("pooling needs at least one mode");
        for (String m : modes) if (!SUPPORTED.contains(m)) throw new IllegalArgumentException("pooling mode " + m);
    }

    /** Modes over every token (include_prompt true). */
    public Pooling(List<String> modes) { this(modes, true); }

    /** Reads {@code 1_Pooling/config.json} in either layout (ST 6's {@code pooling_mode}, or ST 2-5's flags). */
    static Pooling fromConfig(Map<String, Object> json, Path file, int hidden) {
        List<String> modes = new ArrayList<>();
        Object mode = json.get("pooling_mode");
        if (mode instanceof String s) modes.add(s);
        else if (mode instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) throw CheckpointException.at(file, "pooling_mode entries must be strings, got " + o);
                modes.add(s);
            }
        } else if (mode != null) {
            throw CheckpointException.at(file, "pooling_mode must be a string or a list, got " + mode);
        } else {
            for (String[] flag : LEGACY) {
                Object v = json.get(flag[0]);
                if (v != null && !(v instanceof Boolean)) throw CheckpointException.at(file, flag[0] + " must be true or false, got " + v);
                if (Boolean.TRUE.equals(v)) modes.add(flag[1]);
            }
            if (modes.isEmpty()) modes.add("mean");   // ST's default when no flag is set
        }
        for (String key : json.keySet()) {
            boolean known = key.equals("pooling_mode") || key.equals("embedding_dimension")
                    || key.equals("word_embedding_dimension") || key.equals("include_prompt")
                    || LEGACY.stream().anyMatch(f -> f[0].equals(key));
            if (!known) throw CheckpointException.at(file, "field " + key + " is not a Pooling setting Cortado knows");
        }
        for (String m : modes)
            if (!SUPPORTED.contains(m))
                throw CheckpointException.at(file, "pooling mode " + m + " is not supported (" + String.join(", ", SUPPORTED) + ")");
        for (String dimKey : List.of("embedding_dimension", "word_embedding_dimension"))
            if (json.get(dimKey) instanceof Number n && n.intValue() != hidden)
                throw CheckpointException.at(file, dimKey + " = " + n + " but the model's hidden_size is " + hidden);
        Object include = json.getOrDefault("include_prompt", true);
        if (!(include instanceof Boolean includePrompt))
            throw CheckpointException.at(file, "include_prompt must be true or false, got " + include);
        return new Pooling(modes, includePrompt);
    }

    /** {@code [B, T, C]} with mask rows of 0/1 -> {@code [B, C * modes]}, every real token counted. */
    public Tensor apply(Tensor tokens, int[][] mask) { return apply(tokens, mask, 0); }

    /**
     * As {@link #apply(Tensor, int[][])}; when the texts start with a prompt of {@code promptLength} tokens and
     * include_prompt is false, each row's first promptLength real tokens are left out (slots below its first real
     * token + promptLength, as ST computes it).
     */
    public Tensor apply(Tensor tokens, int[][] fullMask, int promptLength) {
        int b = tokens.size(0), t = tokens.size(1);
        int[][] mask = fullMask;
        if (!includePrompt && promptLength > 0) {
            mask = new int[b][];
            for (int i = 0; i < b; i++) {
                mask[i] = fullMask[i].clone();
                int first = 0;
                while (first < t && fullMask[i][first] == 0) first++;
                if (first == t) first = 0;   // torch's argmax of an all-zero row
                for (int j = 0; j < Math.min(t, first + promptLength); j++) mask[i][j] = 0;
            }
        }
        float[] keep = new float[b * t], hide = new float[b * t], count = new float[b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++) {
                keep[i * t + j] = mask[i][j];
                hide[i * t + j] = mask[i][j] == 0 ? Float.NEGATIVE_INFINITY : 0f;
                count[i] += mask[i][j];
            }
        Backend be = tokens.backend();
        Tensor keepT = be.fromArray(keep, b, t, 1);
        List<Tensor> parts = new ArrayList<>();
        for (String m : modes) {
            parts.add(switch (m) {
                case "cls" -> {
                    Tensor[] rows = new Tensor[b];
                    for (int i = 0; i < b; i++) {
                        int first = 0;
                        while (first < t && mask[i][first] == 0) first++;
                        if (first == t) first = 0;   // torch's argmax: index 0 when none is 1
                        rows[i] = F.reshape(F.slice(F.slice(tokens, 0, i, i + 1), 1, first, first + 1), 1, tokens.size(2));
                    }
                    yield F.concat(0, rows);
                }
                case "max" -> tokens.backend().max(F.add(tokens, be.fromArray(hide, b, t, 1)), 1, false);
                case "mean", "mean_sqrt_len_tokens" -> {
                    float[] div = new float[b];
                    for (int i = 0; i < b; i++) {
                        float c = Math.max(count[i], 1e-9f);
                        div[i] = m.equals("mean") ? c : (float) Math.sqrt(c);
                    }
                    yield F.div(F.sum(F.mul(tokens, keepT), 1, false), be.fromArray(div, b, 1));
                }
                case "weightedmean" -> {
                    float[] w = new float[b * t], div = new float[b];
                    for (int i = 0; i < b; i++) {
                        float sum = 0;
                        for (int j = 0; j < t; j++) {
                            w[i * t + j] = mask[i][j] * (float) (j + 1);
                            sum += w[i * t + j];
                        }
                        div[i] = Math.max(sum, 1e-9f);
                    }
                    yield F.div(F.sum(F.mul(tokens, be.fromArray(w, b, t, 1)), 1, false), be.fromArray(div, b, 1));
                }
                case "lasttoken" -> {
                    Tensor masked = F.mul(tokens, keepT);   // ST gathers from token_embeddings * mask
                    Tensor[] rows = new Tensor[b];
                    for (int i = 0; i < b; i++) {
                        int last = t - 1;
                        while (last > 0 && mask[i][last] == 0) last--;   // no 1 at all: slot 0, as ST's flip/max
                        rows[i] = F.reshape(F.slice(F.slice(masked, 0, i, i + 1), 1, last, last + 1), 1, tokens.size(2));
                    }
                    yield F.concat(0, rows);
                }
                default -> throw new IllegalStateException("pooling mode " + m);
            });
        }
        return parts.size() == 1 ? parts.get(0) : F.concat(1, parts.toArray(Tensor[]::new));
    }
}
