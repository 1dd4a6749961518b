package cortado.quant.nn;

import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.quant.BnbCheckpoint;
import cortado.quant.QuantType;
import cortado.quant.Quantized4bit;
import cortado.quant.Quantized8bit;
import cortado.tensor.Backends;
import cortado.tensor.DeferredZeros;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A quantized model on disk in the transformers + bitsandbytes layout (4-bit, or LLM.int8) ({@link BnbCheckpoint} reads and writes
 * the tensors), as a model: {@link #load} builds the architecture from config.json and puts a {@link Linear4bit} at
 * every module whose weight is stored quantized, so generation and training run on the 4-bit weights directly;
 * {@link #save} writes a model quantized by {@link ModelQuantizer}.
 */
public final class QuantizedCheckpoint {
    private QuantizedCheckpoint() {}

    /** Whether any layer of {@code model} is quantized (a model {@link HfCheckpoint#save} would not write whole). */
    public static boolean isQuantized(CausalLm model) {
        return model.module().namedModules().values().stream().anyMatch(m -> m instanceof QuantizedLinear);
    }

    /**
     * Writes a model with quantized layers in the layout its layers already have: the quantized weights exactly as
     * held (so a frozen quantized base, e.g. after training what is around it, goes back byte for byte), the rest in
     * float32. The quantization config is read off the layers (type and double quantization; the Linear and Conv1D
     * layers left in fp32 are listed as skipped).
     */
    public static void save(CausalLm model, Path dir) { save(model, specOf(model), dir); }

    /** The spec that describes the quantized layers of {@code model} as they are (blocksizes are stored per tensor). */
    static QuantizeSpec specOf(CausalLm model) {
        QuantizeSpec spec = null;
        boolean embeddings = false;
        List<String> skip = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.module().namedModules().entrySet()) {
            Module m = e.getValue();
            QuantizeSpec s = null;
            if (m instanceof Linear4bit l)
                s = new QuantizeSpec(l.weight().type().bnbName(), l.weight().blocksize(), l.weight().isDoubleQuantized(), List.of());
            else if (m instanceof Linear8bit) s = new QuantizeSpec("int8", 0, false, List.of());
            else if (m instanceof Embedding emb && emb.frozen() instanceof QuantizedTable t) {
                s = t.fourBit() != null ? new QuantizeSpec(t.fourBit().type().bnbName(), t.fourBit().blocksize(),
                        t.fourBit().isDoubleQuantized(), List.of(), true) : new QuantizeSpec("int8", 0, false, List.of(), true);
                embeddings = true;
            }
            else if (m instanceof Linear || m instanceof Conv1D) {
                String leaf = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
                if (!skip.contains(leaf)) skip.add(leaf);
            }
            if (s == null) continue;
            if (spec != null && (!spec.type().equals(s.type()) || spec.doubleQuant() != s.doubleQuant()))
                throw new IllegalArgumentException("layers quantized differently (" + spec.type() + " and " + s.type()
                        + " at " + e.getKey() + ") have no single bitsandbytes layout");
            spec = s;
        }
        if (spec == null) throw new IllegalArgumentException("the model has no quantized layer");
        return new QuantizeSpec(spec.type(), spec.blocksize(), spec.doubleQuant(), skip, embeddings);
    }

    /** Writes a model whose layers {@link ModelQuantizer} replaced to {@code dir} (4-bit or LLM.int8 layout). */
    public static void save(CausalLm model, QuantizeSpec spec, Path dir) {
        Map<String, Quantized4bit> quantized = new LinkedHashMap<>();
        Map<String, Quantized8bit> quantized8 = new LinkedHashMap<>();
        model.module().namedModules().forEach((path, m) -> {
            if (m instanceof Linear4bit l) quantized.put(path + ".weight", l.weight());
            else if (m instanceof Linear8bit l) quantized8.put(path + ".weight", l.weight());
            else if (m instanceof Embedding e && e.frozen() instanceof QuantizedTable t) {
                if (t.fourBit() != null) quantized.put(path + ".weight", t.fourBit());
                else quantized8.put(path + ".weight", t.int8());
            }
        });
        if (!quantized.isEmpty() && !quantized8.isEmpty())
            throw new IllegalArgumentException("a model with both 4-bit and int8 layers has no bitsandbytes layout");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.module().namedParameters().forEach((name, p) -> tensors.put(name, p.value()));
        if (!spec.fourBit()) {
            BnbCheckpoint.saveInt8(dir, model.config().toHfJson(), spec.skip(), quantized8, tensors);
            return;
        }
        BnbCheckpoint.save(dir, model.config().toHfJson(),
                BnbCheckpoint.QuantizationConfig.of(QuantType.fromBnbName(spec.type()), spec.doubleQuant(),
                        spec.skip()), quantized, tensors);
    }

    /**
     * Loads a bitsandbytes checkpoint directory (4-bit, or LLM.int8) as a model with {@link Linear4bit} /
     * {@link Linear8bit} layers.
     */
    public static CausalLm load(Path dir) {
        Map<String, Object> rawConfig = HfCheckpoint.readConfig(dir);
        if (BnbCheckpoint.isInt8(rawConfig)) {
            BnbCheckpoint.Int8Contents c = BnbCheckpoint.loadInt8(dir);
            return build(dir, c.config(), c.quantized(), c.tensors());
        }
        BnbCheckpoint.Contents c = BnbCheckpoint.load(dir);
        return build(dir, c.config(), c.quantized(), c.tensors());
    }

    private static CausalLm build(Path dir, Map<String, Object> fileConfig, Map<String, ?> quantizedWeights,
                                  Map<String, Tensor> fp32Tensors) {
        Path weights = dir.resolve(BnbCheckpoint.WEIGHTS);
        Map<String, Object> config = new LinkedHashMap<>(fileConfig);
        config.remove("quantization_config");
        CausalLm model;
        try (DeferredZeros deferred = DeferredZeros.enter()) {   // fp32 zeros of replaced layers never allocated
            model = Models.forLoading(config);
        } catch (IllegalArgumentException e) {
            throw CheckpointException.at(dir.resolve(BnbCheckpoint.CONFIG), e.getMessage(), e);
        }
        Module root = model.module();
        Map<String, Module> modules = root.namedModules();
        Map<String, Tensor> tensors = new LinkedHashMap<>(fp32Tensors);
        for (Map.Entry<String, ?> e : quantizedWeights.entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue() instanceof Quantized4bit q4 ? q4.shape() : ((Quantized8bit) e.getValue()).shape();
            String path = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
            Module m = path == null ? null : modules.get(path);
            int[] expected;
            boolean conv;
            Parameter bias;
            if (m instanceof Embedding emb && emb.frozen() == null) {
                // A token embedding quantized with --include-embeddings.
                if (!Arrays.equals(shape, new int[] {emb.numEmbeddings(), emb.dim()}))
                    throw CheckpointException.at(weights, "quantized tensor '" + name + "' has shape "
                            + Arrays.toString(shape) + " but the config gives [" + emb.numEmbeddings() + ", " + emb.dim() + "]");
                emb.freeze(e.getValue() instanceof Quantized4bit q4 ? QuantizedTable.of(q4, Backends.cpu())
                        : QuantizedTable.of((Quantized8bit) e.getValue(), Backends.cpu()));
                continue;
            }
            if (m instanceof Linear l) { expected = l.weight().shape(); conv = false; bias = l.bias(); }
            else if (m instanceof Conv1D cv) {
                expected = new int[] {cv.outFeatures(), cv.inFeatures()}; // stored transposed, as transformers does
                conv = true;
                bias = cv.bias();
            } else {
                throw CheckpointException.at(weights, "quantized tensor '" + name + "' is not the weight of a Linear"
                        + " or Conv1D layer of this " + model.config().modelType() + " model");
            }
            if (!Arrays.equals(shape, expected))
                throw CheckpointException.at(weights, "quantized tensor '" + name + "' has shape "
                        + Arrays.toString(shape) + " but the config gives " + Arrays.toString(expected));
            Tensor b = null;
            if (bias != null) {
                b = tensors.remove(path + ".bias");
                if (b == null) throw CheckpointException.at(weights, "missing tensor '" + path + ".bias'");
                if (!b.sameShape(bias.value()))
                    throw CheckpointException.at(weights, "tensor '" + path + ".bias' is " + Arrays.toString(b.shape())
                            + " but the config gives " + Arrays.toString(bias.shape()));
                b.requiresGrad(true);   // loaded parameters train, as every other one the file holds
            }
            root.replace(path, e.getValue() instanceof Quantized4bit q4 ? new Linear4bit(q4, b, conv)
                    : new Linear8bit((Quantized8bit) e.getValue(), b, conv));
        }
        // Everything else is fp32 and fills the remaining parameters one to one.
        Map<String, Parameter> params = root.namedParameters();
        java.util.Set<String> takenBiases = new java.util.HashSet<>();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof QuantizedLinear) takenBiases.add(path + ".bias");
        });
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (takenBiases.contains(e.getKey())) continue; // taken from the file above
            Tensor t = tensors.remove(e.getKey());
            if (t == null) { missing.add(e.getKey()); continue; }
            if (!t.sameShape(e.getValue().value()))
                throw CheckpointException.at(weights, "tensor '" + e.getKey() + "' is " + Arrays.toString(t.shape())
                        + " but the config gives " + Arrays.toString(e.getValue().shape()));
            e.getValue().set(t);
        }
        tensors.keySet().removeIf(k -> k.equals("lm_head.weight") && !params.containsKey(k)); // a tied head
        unexpected.addAll(tensors.keySet());
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw CheckpointException.at(weights, "weights do not fit config.json (" + model.config().modelType()
                    + "):" + (missing.isEmpty() ? "" : " missing " + missing) + (unexpected.isEmpty() ? ""
                    : " unexpected " + unexpected));
        return model;
    }
}
