package cortado.nn.models.bert;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.ConfigException;
import cortado.nn.models.HfConfigFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the BERT family from a Hugging Face directory ({@code config.json} + {@code model.safetensors}), keys mapped as
 * transformers' {@code from_pretrained} maps them: a {@code BertModel} loads from a checkpoint of any BERT head class
 * (the {@code bert.} prefix is dropped and the head's {@code cls.*}/{@code classifier.*} weights are not used, as
 * transformers does), old TF-style LayerNorm names {@code gamma}/{@code beta} read as {@code weight}/{@code bias}, and
 * buffers ({@code position_ids}, {@code token_type_ids}) and tied copies of the MLM decoder are skipped. Every
 * parameter must be present with its shape; any other tensor is an error naming it.
 */
public final class BertCheckpoint {
    private BertCheckpoint() {}

    /** The architectures this reader builds. */
    public static final List<String> ARCHITECTURES = List.of("BertModel", "BertForMaskedLM",
            "BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering",
            "BertForMultipleChoice");

    /** The model the config's {@code architectures} names (BertModel also when none is named). */
    public static Module load(Path dir) {
        BertConfig c = config(dir);
        String arch = c.architecture() == null ? "BertModel" : c.architecture();
        return switch (arch) {
            case "BertModel" -> loadModel(dir);
            case "BertForMaskedLM" -> loadMaskedLm(dir);
            case "BertForSequenceClassification" -> loadSequenceClassification(dir);
            case "BertForTokenClassification" -> loadHead(new BertForTokenClassification(c), dir);
            case "BertForQuestionAnswering" -> loadHead(new BertForQuestionAnswering(c), dir);
            case "BertForMultipleChoice" -> loadHead(new BertForMultipleChoice(c), dir);
            default -> throw CheckpointException.at(dir.resolve(HfCheckpoint.CONFIG), "architectures = [\"" + arch
                    + "\"] is not supported (" + String.join(", ", ARCHITECTURES) + ")");
        };
    }

    /**
     * A task model (a {@code bert} encoder and its head) filled from {@code dir}: keys without the {@code bert.}
     * prefix (a bare BertModel's) go to the encoder, so a head starts from a pretrained encoder only when the caller
     * fills the head itself; here every parameter must be in the file.
     */
    public static <M extends Module> M loadHead(M model, Path dir) {
        model.eval();   // as from_pretrained returns it
        java.util.Set<String> own = model.namedParameters().keySet();
        fill(model, weightsFile(dir), key -> {
            String k = legacy(key);
            if (k.startsWith("cls.")) return IGNORE;   // an MLM head's weights, not this model's
            if ((k.startsWith("bert.pooler.") || k.startsWith("pooler.")) && !own.contains("bert.pooler.dense.weight"))
                return IGNORE;                          // this head has no pooler
            return k.startsWith("bert.") || own.contains(k) ? k : "bert." + k;
        });
        return model;
    }

    /**
     * The encoder of the checkpoint in {@code dir} (any BERT class) copied into {@code model}'s {@code bert} child,
     * whose head keeps its own (fresh) initialization: transformers' {@code AutoModelFor....from_pretrained} of a
     * checkpoint without that head. A pooler the file lacks keeps its initialization too.
     */
    public static void loadEncoderInto(Module model, Path dir) {
        BertModel source = loadModel(dir);
        Map<String, Parameter> target = model.namedParameters();
        for (var e : source.namedParameters().entrySet()) {
            Parameter p = target.get("bert." + e.getKey());
            if (p == null) continue;   // a pooler this head does not have
            if (!Arrays.equals(p.shape(), e.getValue().shape()))
                throw CheckpointException.at(dir, "bert." + e.getKey() + " is " + Arrays.toString(e.getValue().shape())
                        + " in the checkpoint but " + Arrays.toString(p.shape()) + " here");
            p.set(e.getValue().value());
        }
    }

    /**
     * Writes {@code model} as transformers saves it: config.json (the config's fields under HF's names,
     * {@code architectures}, and {@code id2label}/{@code label2id} when {@code labels} is given) and one
     * model.safetensors of its parameters under their HF names (an MLM decoder, tied, is not written).
     */
    public static void save(Module model, BertConfig c, String architecture, cortado.nn.models.TaskLabels labels, Path dir) {
        if (!ARCHITECTURES.contains(architecture))
            throw new IllegalArgumentException("unknown BERT architecture " + architecture);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(architecture));
        json.put("model_type", "bert");
        json.put("vocab_size", c.vocabSize());
        json.put("hidden_size", c.hiddenSize());
        json.put("num_hidden_layers", c.numHiddenLayers());
        json.put("num_attention_heads", c.numAttentionHeads());
        json.put("intermediate_size", c.intermediateSize());
        json.put("hidden_act", c.hiddenAct());
        json.put("max_position_embeddings", c.maxPositionEmbeddings());
        json.put("type_vocab_size", c.typeVocabSize());
        json.put("layer_norm_eps", (double) c.layerNormEps());
        json.put("hidden_dropout_prob", (double) c.hiddenDropoutProb());
        json.put("attention_probs_dropout_prob", (double) c.attentionProbsDropoutProb());
        json.put("classifier_dropout", (double) c.classifierDropout());
        json.put("initializer_range", HfConfigFields.decimal(c.initializerRange()));
        json.put("position_embedding_type", "absolute");
        json.put("tie_word_embeddings", true);
        if (labels != null) labels.writeTo(json);
        java.util.TreeMap<String, cortado.tensor.Tensor> tensors = new java.util.TreeMap<>();
        model.namedParameters().forEach((n, p) -> tensors.put(n, p.value()));
        try {
            Files.createDirectories(dir);
            cortado.nn.io.AtomicFiles.write(dir.resolve(HfCheckpoint.WEIGHTS),
                    tmp -> Safetensors.write(tmp, tensors, Map.of("format", "pt"), cortado.tensor.DType.F32));
            cortado.nn.io.AtomicFiles.write(dir.resolve(HfCheckpoint.CONFIG),
                    (cortado.data.json.Json.write(json) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw CheckpointException.at(dir, "cannot write the model: " + e.getMessage(), e);
        }
    }

    /** The encoder of any BERT checkpoint; with a pooler when the checkpoint has one. */
    public static BertModel loadModel(Path dir) {
        BertConfig c = config(dir);
        Path file = weightsFile(dir);
        boolean pooler;
        try (SafetensorsFile f = Safetensors.read(file)) {
            pooler = f.contains("pooler.dense.weight") || f.contains("bert.pooler.dense.weight");
        }
        BertModel m = new BertModel(c, pooler);
        m.eval();   // as from_pretrained returns it
        fill(m, file, key -> {
            String k = legacy(key);
            if (k.startsWith("cls.") || k.startsWith("classifier.")) return IGNORE;   // a head class's own weights
            return k.startsWith("bert.") ? k.substring(5) : k;
        });
        return m;
    }

    public static BertForMaskedLM loadMaskedLm(Path dir) {
        BertForMaskedLM m = new BertForMaskedLM(config(dir));
        m.eval();   // as from_pretrained returns it
        Path file = weightsFile(dir);
        fill(m, file, key -> {
            String k = legacy(key);
            if (k.startsWith("bert.pooler.") || k.startsWith("pooler.")) return IGNORE;   // BertForMaskedLM has none
            if (k.equals("cls.predictions.decoder.weight") || k.equals("cls.predictions.decoder.bias")) return IGNORE;   // tied
            return k.startsWith("bert.") || k.startsWith("cls.") ? k : "bert." + k;
        });
        return m;
    }

    public static BertForSequenceClassification loadSequenceClassification(Path dir) {
        BertForSequenceClassification m = new BertForSequenceClassification(config(dir));
        m.eval();   // as from_pretrained returns it
        fill(m, weightsFile(dir), key -> {
            String k = legacy(key);
            return k.startsWith("bert.") || k.startsWith("classifier.") ? k : "bert." + k;
        });
        return m;
    }

    /** The BertConfig of {@code dir}'s config.json; errors name the file and the field. */
    public static BertConfig config(Path dir) {
        if (!Files.isDirectory(dir))
            throw CheckpointException.at(dir, Files.exists(dir) ? "not a directory (expected a Hugging Face model directory)"
                    : "no such directory");
        Map<String, Object> json = HfCheckpoint.readConfig(dir);
        try {
            return BertConfig.fromHfJson(json);
        } catch (ConfigException e) {
            String msg = e.getMessage();
            if (msg.startsWith(HfCheckpoint.CONFIG + ": ")) msg = msg.substring(HfCheckpoint.CONFIG.length() + 2);
            throw CheckpointException.at(dir.resolve(HfCheckpoint.CONFIG), msg, e);
        }
    }

    private static final String IGNORE = "";

    /** TF-era names: LayerNorm gamma/beta (transformers renames them on load too). */
    private static String legacy(String key) {
        if (key.endsWith(".gamma")) return key.substring(0, key.length() - 6) + ".weight";
        if (key.endsWith(".beta")) return key.substring(0, key.length() - 5) + ".bias";
        return key;
    }

    private static Path weightsFile(Path dir) {
        Path file = dir.resolve(HfCheckpoint.WEIGHTS);
        if (Files.exists(file)) return file;
        String hint = Files.exists(dir.resolve(HfCheckpoint.INDEX)) ? " (sharded BERT checkpoints are not supported)"
                : Files.exists(dir.resolve("pytorch_model.bin"))
                ? " (only pytorch_model.bin, which Cortado does not read: save with safe_serialization=True)" : "";
        throw CheckpointException.at(dir, "no " + HfCheckpoint.WEIGHTS + hint);
    }

    /** Copies the file's tensors into the module's parameters, after mapping each key (IGNORE: skip it). */
    private static void fill(Module m, Path file, java.util.function.UnaryOperator<String> map) {
        Map<String, Parameter> params = m.namedParameters();
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> source = new LinkedHashMap<>();   // parameter -> file key
            List<String> unexpected = new ArrayList<>(), misShaped = new ArrayList<>(), missing = new ArrayList<>();
            java.util.Set<String> shapeless = new java.util.HashSet<>();
            for (String key : f.names()) {
                if (key.endsWith("position_ids") || key.endsWith("embeddings.token_type_ids")) continue;   // buffers
                String name = map.apply(key);
                if (name.equals(IGNORE)) continue;
                Parameter p = params.get(name);
                if (p == null || source.containsKey(name)) { unexpected.add(key); continue; }
                if (!Arrays.equals(f.shape(key), p.shape())) {
                    misShaped.add(key + " is " + Arrays.toString(f.shape(key)) + " but the config gives "
                            + Arrays.toString(p.shape()));
                    shapeless.add(name);
                    continue;
                }
                source.put(name, key);
            }
            for (String name : params.keySet()) if (!source.containsKey(name) && !shapeless.contains(name)) missing.add(name);
            if (!unexpected.isEmpty() || !misShaped.isEmpty() || !missing.isEmpty()) {
                List<String> parts = new ArrayList<>();
                if (!misShaped.isEmpty()) parts.add("shape mismatch: " + list(misShaped));
                if (!missing.isEmpty()) parts.add("missing " + list(missing));
                if (!unexpected.isEmpty()) parts.add("unexpected " + list(unexpected));
                throw CheckpointException.at(file, "weights do not fit config.json (" + m.getClass().getSimpleName()
                        + "): " + String.join("; ", parts));
            }
            source.forEach((name, key) -> params.get(name).set(f.toFloatTensor(key)));
        }
    }

    private static String list(List<String> items) {
        String shown = String.join(", ", items.subList(0, Math.min(items.size(), 5)));
        return items.size() > 5 ? shown + " and " + (items.size() - 5) + " more" : shown;
    }
}
