package cortado.nn.grow;

import cortado.nn.Parameter;
import cortado.nn.grow.GrowthRules.Role;
import cortado.nn.grow.GrowthRules.Rule;
import cortado.nn.models.CausalLm;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A larger model of the same family initialized from a smaller trained one ("transfer weights from a smaller
 * model").
 *
 * <p>{@link Mode#PRESERVE} computes the parent's function exactly (to float rounding), so training starts at the
 * parent's loss:
 * <ul>
 *   <li>depth: the parent's blocks keep their order, spread among the child's; each new block has zero output
 *       projections (attention c_proj / o_proj, MLP c_proj / down_proj) and so is the identity;</li>
 *   <li>width (Net2WiderNet, Chen et al. 2016; bert2BERT, Chen et al. 2022): every grown unit copies a parent unit;
 *       the layer writing it copies its rows, the layer reading it divides its weights by the number of copies. MLP
 *       units and attention heads may grow by any amount (whole heads are copied, head_dim stays). The residual width
 *       must grow by a whole factor k: with every unit copied k times a LayerNorm's mean and variance (an RMSNorm's
 *       mean square) are the parent's, so the norm's output is the copied parent output; any other factor would change
 *       them, and is refused. A tied output head reads the token embedding, whose columns are copied (not divided,
 *       since it also writes the stream), so the final norm's weight (and bias) is divided by k instead.</li>
 * </ul>
 * Copies that read the same input split it with a little zero-sum noise (std {@link #SYMMETRY_NOISE}), so their
 * shares sum exactly to the parent's weight but differ, and the copies' gradients differ: with equal shares they
 * would stay equal forever and the wider model would train as the narrow one (Net2Net's remark on symmetry).
 *
 * <p>{@link Mode#DEPTH_UPSCALE}: SOLAR's depth up-scaling ({@link LayerMap#depthUpscale}), same width, not
 * function-preserving.
 */
public final class ModelGrowth {
    /** How the child starts. */
    public enum Mode { PRESERVE, DEPTH_UPSCALE }

    /** Standard deviation of the zero-sum noise between copies' shares of a weight. */
    public static final float SYMMETRY_NOISE = 1e-3f;

    private static final Pattern BLOCK = Pattern.compile("^(.*\\.(?:h|layers))\\.(\\d+)\\.(.+)$");

    /** The config fields growth may change; every other one must be the parent's. */
    private static final Set<String> GROWABLE = Set.of("n_layer", "n_embd", "n_head", "n_inner", "n_positions", "n_ctx",
            "num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads",
            "max_position_embeddings", "layer_types", "initializer_range");

    /** The dimensions growth changes, as one family-neutral record. */
    private record Shape(int vocab, int positions, int layers, int hidden, int inner, int heads, int kvHeads,
                         int headDim) {
        static Shape of(ModelConfig c) {
            return switch (c) {
                case Gpt2Config g -> new Shape(g.vocabSize(), g.nPositions(), g.nLayer(), g.nEmbd(), g.nInner(), g.nHead(),
                        g.nHead(), g.headDim());
                case LlamaConfig l -> new Shape(l.vocabSize(), l.maxPositionEmbeddings(), l.numHiddenLayers(),
                        l.hiddenSize(), l.intermediateSize(), l.numAttentionHeads(), l.numKeyValueHeads(), l.headDim());
                default -> throw new GrowthException("cannot grow a " + c.modelType() + " model (gpt2 and the llama family)");
            };
        }
    }

    private ModelGrowth() {}

    /**
     * A model of {@code child}'s config initialized from {@code parent}; parts without a parent (new blocks' input
     * weights, positions beyond the parent's) keep the child's own init from {@code seed}, which also seeds the
     * symmetry noise.
     *
     * @throws GrowthException naming the field when the child is not a growth of the parent as {@code mode} asks
     */
    public static CausalLm grow(CausalLm parent, ModelConfig child, Mode mode, long seed) {
        ModelConfig pc = parent.config();
        Shape p = Shape.of(pc), c = Shape.of(child);
        checkSameOtherwise(pc, child);
        int[] layers = check(p, c, mode);
        boolean gpt2 = pc instanceof Gpt2Config;
        boolean tied = gpt2 ? ((Gpt2Config) child).tieWordEmbeddings() : ((LlamaConfig) child).tieWordEmbeddings();

        Map<Role, UnitMap> maps = new EnumMap<>(Role.class);
        maps.put(Role.VOCAB, UnitMap.identity(c.vocab));
        maps.put(Role.POSITION, UnitMap.prefix(p.positions, c.positions));
        maps.put(Role.RESIDUAL, UnitMap.tile(p.hidden, c.hidden));
        maps.put(Role.INNER, UnitMap.tile(p.inner, c.inner));
        maps.put(Role.QUERY, UnitMap.heads(p.heads, c.heads, c.headDim));
        maps.put(Role.KEY_VALUE, UnitMap.heads(p.kvHeads, c.kvHeads, c.headDim));
        maps.put(Role.QKV, UnitMap.fusedQkv(maps.get(Role.QUERY)));
        maps.put(Role.HEAD_DIM, UnitMap.identity(c.headDim));
        float finalNormScale = tied ? (float) p.hidden / c.hidden : 1f;

        CausalLm grown = Models.create(child, seed);
        Map<String, Parameter> from = parent.module().namedParameters();
        Random noise = new Random(seed ^ 0x5DEECE66DL);
        for (Map.Entry<String, Parameter> e : grown.module().namedParameters().entrySet()) {
            String name = e.getKey();
            Matcher m = BLOCK.matcher(name);
            boolean inBlock = m.matches();
            String parentName = name, key = name;
            if (inBlock) {
                key = m.group(3);
                int src = layers[Integer.parseInt(m.group(2))];
                if (src < 0) {   // a new block: the identity
                    GrowthRules.rule(gpt2, true, key);   // still a known parameter
                    if (GrowthRules.isOutputProjection(key)) zero(e.getValue().value());
                    continue;
                }
                parentName = m.group(1) + "." + src + "." + key;
            }
            Rule rule = GrowthRules.rule(gpt2, inBlock, key);
            Parameter source = from.get(parentName);
            if (source == null) throw new GrowthException("the parent has no parameter " + parentName);
            Tensor dst = e.getValue().value();
            float[] out = dst.toArray();
            UnitMap rows = maps.get(rule.roles()[0]);
            UnitMap cols = rule.roles().length > 1 ? maps.get(rule.roles()[1]) : null;
            copy(source.value().toArray(), out, rows, cols, rule.readDim(), noise);
            if (rule.finalNorm() && finalNormScale != 1f)
                for (int i = 0; i < out.length; i++) out[i] *= finalNormScale;
            dst.backend().copyFromHost(dst, out, 0);
        }
        return grown;
    }

    /** The layer map for the mode, after checking every dimension can grow as it asks. */
    private static int[] check(Shape p, Shape c, Mode mode) {
        if (c.vocab != p.vocab)
            throw new GrowthException("vocab_size " + c.vocab + " differs from the parent's " + p.vocab
                    + " (the child must use the parent's tokenizer)");
        atLeast("layers", c.layers, p.layers);
        atLeast("positions", c.positions, p.positions);
        if (mode == Mode.DEPTH_UPSCALE) {
            if (c.hidden != p.hidden || c.inner != p.inner || c.heads != p.heads || c.kvHeads != p.kvHeads)
                throw new GrowthException("--grow depth-upscale copies whole layers, so the width (hidden size, MLP"
                        + " width, heads) must be the parent's; grow the width with the function-preserving mode");
            return LayerMap.depthUpscale(p.layers, c.layers);
        }
        atLeast("hidden size", c.hidden, p.hidden);
        if (c.hidden % p.hidden != 0)
            throw new GrowthException("hidden size " + c.hidden + " is not a multiple of the parent's " + p.hidden
                    + ": a norm's statistics stay the parent's only when every unit is copied equally often");
        atLeast("MLP width", c.inner, p.inner);
        if (c.headDim != p.headDim)
            throw new GrowthException("head dim " + c.headDim + " differs from the parent's " + p.headDim
                    + ": heads are copied whole (grow the number of heads with the width)");
        atLeast("attention heads", c.heads, p.heads);
        atLeast("key-value heads", c.kvHeads, p.kvHeads);
        // Child query head h copies parent head h mod H; its key-value head must copy the parent head's one.
        int g = p.heads / p.kvHeads, cg = c.heads / c.kvHeads;
        for (int h = 0; h < c.heads; h++)
            if ((h / cg) % p.kvHeads != (h % p.heads) / g)
                throw new GrowthException("num_key_value_heads " + c.kvHeads + " with num_attention_heads " + c.heads
                        + " does not pair each copied query head with its parent's key-value head (grow both by the"
                        + " same factor)");
        return LayerMap.interleaved(p.layers, c.layers);
    }

    private static void atLeast(String what, int child, int parent) {
        if (child < parent)
            throw new GrowthException(what + " " + child + " is below the parent's " + parent + " (a child only grows)");
    }

    /** Every config field outside {@link #GROWABLE} must be the parent's: same family, norms, biases, RoPE, ties. */
    private static void checkSameOtherwise(ModelConfig parent, ModelConfig child) {
        if (!parent.modelType().equals(child.modelType()))
            throw new GrowthException("model_type " + child.modelType() + " differs from the parent's "
                    + parent.modelType() + " (a model grows within its family)");
        Map<String, Object> pj = parent.toHfJson(), cj = child.toHfJson();
        List<String> differ = new ArrayList<>();
        for (String k : pj.keySet())
            if (!GROWABLE.contains(k) && !Objects.equals(pj.get(k), cj.get(k)))
                differ.add(k + " " + cj.get(k) + " (parent " + pj.get(k) + ")");
        if (!differ.isEmpty())
            throw new GrowthException("only the sizes may grow; these fields differ from the parent's: "
                    + String.join(", ", differ));
        if (child instanceof LlamaConfig l && !l.layerTypes().stream().allMatch("full_attention"::equals))
            throw new GrowthException("layer_types with sliding-window layers cannot grow (which new layer slides?)");
    }

    /**
     * out[r', c'] = in[rows(r'), cols(c')], divided by the copies of the read dimension's unit, plus zero-sum noise
     * among those copies; rows or columns without a parent unit keep out's values.
     */
    private static void copy(float[] in, float[] out, UnitMap rows, UnitMap cols, int readDim, Random rng) {
        int cw = cols == null ? 1 : cols.childSize(), pw = cols == null ? 1 : cols.parentSize();
        for (int r = 0; r < rows.childSize(); r++) {
            int sr = rows.source()[r];
            if (sr < 0) continue;
            for (int col = 0; col < cw; col++) {
                int sc = cols == null ? 0 : cols.source()[col];
                if (sc < 0) continue;
                float v = in[sr * pw + sc];
                if (readDim == 0) v /= rows.copies()[sr];
                if (readDim == 1) v /= cols.copies()[sc];
                out[r * cw + col] = v;
            }
        }
        if (readDim == 0) splitNoise(out, rows, cols == null ? null : cols.source(), cw, true, rng);
        if (readDim == 1) splitNoise(out, cols, rows.source(), cw, false, rng);
    }

    /** Adds noise that sums to zero over each group of copies, for every index of the other dimension. */
    private static void splitNoise(float[] out, UnitMap read, int[] otherSource, int cw, boolean readIsRows, Random rng) {
        List<int[]> groups = new ArrayList<>();
        for (int u = 0; u < read.parentSize(); u++) {
            if (read.copies()[u] < 2) continue;
            int[] g = new int[read.copies()[u]];
            int n = 0;
            for (int i = 0; i < read.childSize(); i++) if (read.source()[i] == u) g[n++] = i;
            groups.add(g);
        }
        if (groups.isEmpty()) return;
        int others = otherSource == null ? 1 : otherSource.length;
        for (int o = 0; o < others; o++) {
            if (otherSource != null && otherSource[o] < 0) continue;
            for (int[] g : groups) {
                double[] z = new double[g.length];
                double mean = 0;
                for (int i = 0; i < g.length; i++) mean += z[i] = rng.nextGaussian();
                mean /= g.length;
                for (int i = 0; i < g.length; i++) {
                    int at = readIsRows ? g[i] * cw + o : o * cw + g[i];
                    out[at] += (float) (SYMMETRY_NOISE * (z[i] - mean));
                }
            }
        }
    }

    private static void zero(Tensor t) {
        t.backend().copyFromHost(t, new float[t.numel()], 0);
    }
}
