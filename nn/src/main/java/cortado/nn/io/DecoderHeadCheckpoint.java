package cortado.nn.io;

import cortado.data.json.Json;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForQuestionAnswering;
import cortado.nn.models.DecoderForTokenClassification;
import cortado.nn.models.DecoderLm;
import cortado.nn.models.Models;
import cortado.nn.models.TaskLabels;
import cortado.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decoders with a token-classification or extractive-QA head as transformers saves them
 * ({@code GPT2ForTokenClassification}, {@code LlamaForTokenClassification}, {@code GPT2ForQuestionAnswering},
 * {@code LlamaForQuestionAnswering}, ...): the decoder family's config.json with that architecture (and
 * {@code id2label}/{@code label2id} for a tagger) and one model.safetensors of the trunk plus the head, no LM head.
 */
public final class DecoderHeadCheckpoint {
    private DecoderHeadCheckpoint() {}

    /** Config fields of the head, read here and not by the decoder family's config reader. */
    private static final List<String> HEAD_FIELDS = List.of("id2label", "label2id", "num_labels", "problem_type",
            "classifier_dropout");

    /** transformers' classifier dropout when the config sets none (GPT2ForTokenClassification, the generic class). */
    static final float DEFAULT_DROPOUT = 0.1f;

    public static DecoderForTokenClassification loadTokenClassification(Path dir) {
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        requireArchitecture(dir, config, "ForTokenClassification");
        TaskLabels labels = TaskLabels.of(config);
        int n = labels != null ? labels.size() : config.get("num_labels") instanceof Number k ? k.intValue() : 2;
        float dropout = config.get("classifier_dropout") instanceof Number d ? d.floatValue() : DEFAULT_DROPOUT;
        DecoderForTokenClassification m = new DecoderForTokenClassification(trunk(dir, config), n, dropout);
        fill(m, dir);
        return m;
    }

    public static DecoderForQuestionAnswering loadQuestionAnswering(Path dir) {
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        requireArchitecture(dir, config, "ForQuestionAnswering");
        DecoderForQuestionAnswering m = new DecoderForQuestionAnswering(trunk(dir, config));
        fill(m, dir);
        return m;
    }

    /** Writes {@code model} (a decoder head whose trunk is {@code decoder}) under {@code architecture}. */
    public static void save(Module model, DecoderLm decoder, String architecture, TaskLabels labels, Path dir) {
        HfCheckpoint.save(decoder, dir);   // the decoder's config.json; its weights are replaced below
        Map<String, Object> config = new LinkedHashMap<>(HfCheckpoint.readConfig(dir));
        config.put("architectures", List.of(architecture));
        if (labels != null) labels.writeTo(config);
        TreeMap<String, Tensor> tensors = new TreeMap<>();
        model.namedParameters().forEach((n, p) -> tensors.put(n, p.value()));
        try {
            AtomicFiles.write(dir.resolve(HfCheckpoint.WEIGHTS),
                    tmp -> Safetensors.write(tmp, tensors, Map.of("format", "pt"), cortado.tensor.DType.F32));
            AtomicFiles.write(dir.resolve(HfCheckpoint.CONFIG), (Json.write(config) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw CheckpointException.at(dir, "cannot write the model: " + e.getMessage(), e);
        }
    }

    private static void requireArchitecture(Path dir, Map<String, Object> config, String suffix) {
        String arch = config.get("architectures") instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : "";
        if (!arch.endsWith(suffix))
            throw CheckpointException.at(dir.resolve(HfCheckpoint.CONFIG), "architectures = [\"" + arch
                    + "\"], expected a ..." + suffix + " class");
    }

    private static DecoderLm trunk(Path dir, Map<String, Object> config) {
        Map<String, Object> trunk = new LinkedHashMap<>(config);
        for (String k : HEAD_FIELDS) trunk.remove(k);
        CausalLm lm = Models.forLoading(trunk);
        if (!(lm instanceof DecoderLm decoder))
            throw CheckpointException.at(dir, "not a decoder family: " + config.get("model_type"));
        return decoder;
    }

    private static void fill(Module model, Path dir) {
        Path weights = dir.resolve(HfCheckpoint.WEIGHTS);
        if (!Files.isRegularFile(weights))
            throw CheckpointException.at(weights, "missing (one model.safetensors is read for a task head)");
        Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.load(weights));
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor t = tensors.remove(e.getKey());
            if (t == null) missing.add(e.getKey());
            else if (!java.util.Arrays.equals(t.shape(), e.getValue().shape()))
                throw CheckpointException.at(weights, e.getKey() + " is " + java.util.Arrays.toString(t.shape())
                        + " but the config gives " + java.util.Arrays.toString(e.getValue().shape()));
            else e.getValue().set(t);
        }
        if (!missing.isEmpty() || !tensors.isEmpty())
            throw CheckpointException.at(weights, (missing.isEmpty() ? "" : "missing " + missing + " ")
                    + (tensors.isEmpty() ? "" : "unexpected " + tensors.keySet()));
        model.eval();
    }
}
