package cortado.quant.prune;

import cortado.data.json.Json;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Structured pruning: whole attention heads and MLP neurons are removed, so the result is a smaller dense model of the
 * same family (its config.json with fewer heads and a narrower MLP) that is smaller on disk and faster per step, unlike
 * {@link Pruner}'s zeros. Units are ranked per layer and the same number is kept in every layer, because a Hugging
 * Face config holds one {@code num_key_value_heads} and one {@code intermediate_size} for all layers.
 * <ul>
 *   <li>Attention units are key/value groups: a key/value head with the query heads that share it (GQA), so the
 *       query-to-key ratio stays whole; with plain multi-head attention a group is one head. Removing a group removes
 *       its rows of q_proj, k_proj, v_proj (and their biases) and its columns of o_proj. {@code head_dim} is written
 *       explicitly, as the width no longer equals hidden_size / num_attention_heads. The llama family only (llama,
 *       mistral, qwen2, qwen3): GPT-2's config has no head_dim, so its heads cannot shrink without its width.</li>
 *   <li>MLP neurons: rows of gate_proj and up_proj (GPT-2: columns of c_fc) and columns of down_proj (GPT-2: rows of
 *       mlp.c_proj), with their biases.</li>
 * </ul>
 * Importance: {@link Importance#MAGNITUDE}, the L2 norm of a unit's input weights times that of its output weights
 * (weight-norm ranking as Li et al. 2017 rank filters; the product puts a unit that is silent on either side last);
 * {@link Importance#CALIBRATION}, sum over the unit's channels c of ||X_c||_2 · ||W_out[:, c]||_2, where
 * X is the input of the unit's output projection over calibration tokens (Wanda's weight-times-activation score, Sun et
 * al. 2023, summed over a unit as structured variants such as FLAP do).
 */
public final class StructuredPruner {
    public enum Importance { MAGNITUDE, CALIBRATION }

    /** The shapes pruning reads from config.json, and the counts kept. */
    public record Shape(String family, int layers, int kvHeads, int headsPerKv, int headDim, int intermediate) {
        boolean gpt2() { return family.equals("gpt2"); }
    }

    /** What a pruning keeps: per layer the kept key/value groups and neurons, in ascending order. */
    public record Kept(int[][] groups, int[][] neurons) {}

    /** Why GPT-2's heads stay. */
    public static final String GPT2_HEADS = "GPT-2's heads cannot be pruned: its config has no head_dim, so fewer heads"
            + " would change the width; prune its MLP neurons only";

    private StructuredPruner() {}

    /** The shape of a config.json (as {@code HfCheckpoint.readConfig} returns it). */
    public static Shape shape(Map<String, Object> config) {
        String type = String.valueOf(config.get("model_type"));
        if (type.equals("gpt2")) {
            int embd = num(config, "n_embd", -1);
            return new Shape("gpt2", num(config, "n_layer", -1), 1, 1, 0, num(config, "n_inner", 4 * embd));
        }
        if (!List.of("llama", "mistral", "qwen2", "qwen3").contains(type))
            throw new IllegalArgumentException("structured pruning supports the llama family (llama, mistral, qwen2, "
                    + "qwen3) and gpt2, not model_type '" + type + "'");
        int heads = num(config, "num_attention_heads", -1), kv = num(config, "num_key_value_heads", heads);
        int headDim = num(config, "head_dim", num(config, "hidden_size", -1) / heads);
        return new Shape("llama", num(config, "num_hidden_layers", -1), kv, heads / kv, headDim,
                num(config, "intermediate_size", -1));
    }

    private static int num(Map<String, Object> config, String key, int otherwise) {
        Object v = config.get(key);
        if (v instanceof Number n) return n.intValue();
        if (otherwise < 0) throw new IllegalArgumentException("config.json has no numeric " + key);
        return otherwise;
    }

    /**
     * Ranks the units of every layer and keeps the {@code keepGroups} key/value groups and {@code keepNeurons} neurons
     * of highest importance. {@code activationNorms} (CALIBRATION only) holds, per output projection's dotted name,
     * the L2 norm of each of its input channels over the calibration tokens ({@link #recordInputNorms}).
     */
    public static Kept choose(Module model, Shape s, int keepGroups, int keepNeurons, Importance importance,
                              Map<String, double[]> activationNorms) {
        if (keepGroups < 1 || keepGroups > s.kvHeads())
            throw new IllegalArgumentException("kept key/value groups must lie in [1, " + s.kvHeads() + "], got " + keepGroups);
        if (keepNeurons < 1 || keepNeurons > s.intermediate())
            throw new IllegalArgumentException("kept neurons must lie in [1, " + s.intermediate() + "], got " + keepNeurons);
        if (s.gpt2() && keepGroups != s.kvHeads())
            throw new IllegalArgumentException(GPT2_HEADS);
        Map<String, Tensor> w = weights(model);
        int[][] groups = new int[s.layers()][], neurons = new int[s.layers()][];
        for (int l = 0; l < s.layers(); l++) {
            String p = prefix(s, l);
            // Magnitude: ||unit's input weights|| * ||unit's output weights||, so a unit silent on either side is last.
            // Calibration: the Wanda sum at the output projection alone (its input already carries the input weights).
            boolean magnitude = importance == Importance.MAGNITUDE;
            double[] gIn = new double[s.kvHeads()], gOut = new double[s.kvHeads()];
            double[] nIn = new double[s.intermediate()], nOut = new double[s.intermediate()];
            if (!s.gpt2()) {
                int q = s.headsPerKv() * s.headDim(), kvw = s.headDim();
                addRowGroups(gIn, w.get(p + "self_attn.q_proj.weight"), q);
                addRowGroups(gIn, w.get(p + "self_attn.k_proj.weight"), kvw);
                addRowGroups(gIn, w.get(p + "self_attn.v_proj.weight"), kvw);
                addColumnGroups(gOut, w.get(p + "self_attn.o_proj.weight"), q, norms(activationNorms, importance, p + "self_attn.o_proj"));
                addRowGroups(nIn, w.get(p + "mlp.gate_proj.weight"), 1);
                addRowGroups(nIn, w.get(p + "mlp.up_proj.weight"), 1);
                addColumnGroups(nOut, w.get(p + "mlp.down_proj.weight"), 1, norms(activationNorms, importance, p + "mlp.down_proj"));
            } else {
                addColumnGroups(nIn, w.get(p + "mlp.c_fc.weight"), 1, null);
                // Conv1D stores [in, out]: c_proj's input channels are its rows
                addRowGroups(nOut, w.get(p + "mlp.c_proj.weight"), 1, norms(activationNorms, importance, p + "mlp.c_proj"));
            }
            double[] g = score(gIn, gOut, magnitude), n = score(nIn, nOut, magnitude);
            groups[l] = top(g, keepGroups);
            neurons[l] = top(n, keepNeurons);
        }
        return new Kept(groups, neurons);
    }

    /** Magnitude: the product of the input and output weight norms (sums of squares in); else the output score. */
    private static double[] score(double[] in, double[] out, boolean magnitude) {
        if (!magnitude) return out;
        double[] s = new double[in.length];
        for (int i = 0; i < s.length; i++) s[i] = Math.sqrt(in[i]) * Math.sqrt(out[i]);
        return s;
    }

    private static double[] norms(Map<String, double[]> activationNorms, Importance importance, String name) {
        if (importance == Importance.MAGNITUDE) return null;
        double[] a = activationNorms == null ? null : activationNorms.get(name);
        if (a == null) throw new IllegalArgumentException("no calibration activations recorded for " + name);
        return a;
    }

    /** The pruned weights (every other parameter as it is), by Hugging Face name. */
    public static Map<String, Tensor> prune(Module model, Shape s, Kept kept) {
        Map<String, Tensor> out = new LinkedHashMap<>(weights(model));
        for (int l = 0; l < s.layers(); l++) {
            String p = prefix(s, l);
            int[] n = kept.neurons()[l];
            if (!s.gpt2()) {
                int q = s.headsPerKv() * s.headDim(), kvw = s.headDim();
                int[] g = kept.groups()[l];
                for (String proj : List.of("q_proj", "k_proj", "v_proj")) {
                    int width = proj.equals("q_proj") ? q : kvw;
                    rows(out, p + "self_attn." + proj + ".weight", g, width);
                    rows(out, p + "self_attn." + proj + ".bias", g, width);
                }
                columns(out, p + "self_attn.o_proj.weight", g, q);
                for (String proj : List.of("gate_proj", "up_proj")) {
                    rows(out, p + "mlp." + proj + ".weight", n, 1);
                    rows(out, p + "mlp." + proj + ".bias", n, 1);
                }
                columns(out, p + "mlp.down_proj.weight", n, 1);
            } else {
                columns(out, p + "mlp.c_fc.weight", n, 1);
                rows(out, p + "mlp.c_fc.bias", n, 1);
                rows(out, p + "mlp.c_proj.weight", n, 1);
            }
        }
        return out;
    }

    /** config.json's fields after {@code kept}: fewer key/value and query heads, explicit head_dim, narrower MLP. */
    public static Map<String, Object> config(Map<String, Object> config, Shape s, Kept kept) {
        Map<String, Object> c = new LinkedHashMap<>(config);
        int groups = kept.groups()[0].length, neurons = kept.neurons()[0].length;
        if (s.gpt2()) {
            c.put("n_inner", (long) neurons);
        } else {
            c.put("num_key_value_heads", (long) groups);
            c.put("num_attention_heads", (long) groups * s.headsPerKv());
            c.put("head_dim", (long) s.headDim());
            c.put("intermediate_size", (long) neurons);
        }
        return c;
    }

    /**
     * Writes the pruned checkpoint of {@code model} to {@code out} and loads it back (which checks every shape against
     * the new config). {@link HfCheckpoint#save} lays the directory out and clears an older layout; the pruned weights
     * and config then replace its files, config.json last, so a directory without it is recognisably incomplete.
     */
    public static CausalLm save(CausalLm model, Shape s, Kept kept, Path out) {
        HfCheckpoint.save(model, out);
        Map<String, Object> config = config(HfCheckpoint.readConfig(out), s, kept);
        Safetensors.write(out.resolve(HfCheckpoint.WEIGHTS), prune(model.module(), s, kept), Map.of("format", "pt"),
                DType.F32);
        AtomicFiles.write(out.resolve(HfCheckpoint.CONFIG), (Json.write(config) + "\n").getBytes(StandardCharsets.UTF_8));
        return HfCheckpoint.load(out);
    }

    /**
     * Wraps every output projection (o_proj, down_proj; GPT-2's mlp.c_proj) of {@code model} so that running
     * {@code calibrate} through it accumulates each input channel's sum of squares; returns the channels' L2 norms
     * by projection name, with the model unwrapped again.
     */
    public static Map<String, double[]> recordInputNorms(Module model, Shape s, Consumer<Module> calibrate) {
        Map<String, InputNorms> recorders = new LinkedHashMap<>();
        for (int l = 0; l < s.layers(); l++) {
            String p = prefix(s, l);
            for (String name : s.gpt2() ? List.of(p + "mlp.c_proj") : List.of(p + "self_attn.o_proj", p + "mlp.down_proj")) {
                InputNorms r = new InputNorms(model.get(name));
                model.replace(name, r);
                recorders.put(name, r);
            }
        }
        try {
            calibrate.accept(model);
        } finally {
            recorders.forEach((name, r) -> model.replace(name, r.inner()));
        }
        Map<String, double[]> norms = new LinkedHashMap<>();
        recorders.forEach((name, r) -> norms.put(name, r.norms()));
        return norms;
    }

    /** Sums the squares of each input channel of the layer it wraps. */
    private static final class InputNorms extends Module implements Layer {
        private double[] sumSquares;

        InputNorms(Module inner) { child("inner", inner); }

        Module inner() { return children().get("inner"); }

        @Override
        public Tensor forward(Tensor x) {
            float[] v = x.toArray();
            int c = x.shape()[x.shape().length - 1];
            if (sumSquares == null) sumSquares = new double[c];
            for (int i = 0; i < v.length; i++) sumSquares[i % c] += (double) v[i] * v[i];
            return ((Layer) inner()).forward(x);
        }

        double[] norms() {
            if (sumSquares == null) throw new IllegalStateException("the calibration ran no tokens through the model");
            return Arrays.stream(sumSquares).map(Math::sqrt).toArray();
        }
    }

    private static String prefix(Shape s, int layer) { return (s.gpt2() ? "transformer.h." : "model.layers.") + layer + "."; }

    private static Map<String, Tensor> weights(Module model) {
        Map<String, Tensor> w = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> w.put(n, p.value()));
        return w;
    }

    /** Adds to score[g] the sum of squares of rows [g*width, (g+1)*width) of a [rows, cols] weight. */
    private static void addRowGroups(double[] score, Tensor w, int width) { addRowGroups(score, w, width, null); }

    /** As above; with {@code channelNorms}, each row r's norm is weighted by channelNorms[r] (Wanda), not squared. */
    private static void addRowGroups(double[] score, Tensor w, int width, double[] channelNorms) {
        float[] a = w.toArray();
        int cols = w.shape()[1];
        for (int r = 0; r < w.shape()[0]; r++) {
            double ss = 0;
            for (int j = 0; j < cols; j++) ss += (double) a[r * cols + j] * a[r * cols + j];
            score[r / width] += channelNorms == null ? ss : Math.sqrt(ss) * channelNorms[r];
        }
    }

    /** Adds to score[g] the sum of squares of columns [g*width, (g+1)*width) (weighted as {@link #addRowGroups}). */
    private static void addColumnGroups(double[] score, Tensor w, int width, double[] channelNorms) {
        float[] a = w.toArray();
        int rows = w.shape()[0], cols = w.shape()[1];
        double[] ss = new double[cols];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) ss[j] += (double) a[r * cols + j] * a[r * cols + j];
        for (int j = 0; j < cols; j++) score[j / width] += channelNorms == null ? ss[j] : Math.sqrt(ss[j]) * channelNorms[j];
    }

    /** The indices of the {@code k} largest scores, ascending (ties: the lower index stays). */
    static int[] top(double[] score, int k) {
        return IntStream.range(0, score.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -score[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Keeps row blocks {@code keep} (each {@code width} rows) of a weight [rows, cols] or a bias [rows]; absent: no-op. */
    private static void rows(Map<String, Tensor> m, String name, int[] keep, int width) {
        Tensor t = m.get(name);
        if (t == null) return;
        float[] a = t.toArray();
        int cols = t.shape().length == 1 ? 1 : t.shape()[1];
        float[] o = new float[keep.length * width * cols];
        int at = 0;
        for (int g : keep) {
            System.arraycopy(a, g * width * cols, o, at, width * cols);
            at += width * cols;
        }
        m.put(name, t.shape().length == 1 ? t.backend().fromArray(o, keep.length * width)
                : t.backend().fromArray(o, keep.length * width, cols));
    }

    /** Keeps column blocks {@code keep} (each {@code width} columns) of a weight [rows, cols]. */
    private static void columns(Map<String, Tensor> m, String name, int[] keep, int width) {
        Tensor t = m.get(name);
        float[] a = t.toArray();
        int rows = t.shape()[0], cols = t.shape()[1], kept = keep.length * width;
        float[] o = new float[rows * kept];
        for (int r = 0; r < rows; r++) {
            int at = r * kept;
            for (int g : keep) {
                System.arraycopy(a, r * cols + g * width, o, at, width);
                at += width;
            }
        }
        m.put(name, t.backend().fromArray(o, rows, kept));
    }

    /** What {@code kept} keeps, in words, for the command's report. */
    public static List<String> summary(Shape s, Kept kept) {
        List<String> out = new ArrayList<>();
        if (!s.gpt2()) out.add("attention: " + kept.groups()[0].length + " of " + s.kvHeads() + " key/value groups ("
                + kept.groups()[0].length * s.headsPerKv() + " of " + s.kvHeads() * s.headsPerKv() + " query heads) per layer");
        out.add("MLP: " + kept.neurons()[0].length + " of " + s.intermediate() + " neurons per layer");
        return out;
    }
}
