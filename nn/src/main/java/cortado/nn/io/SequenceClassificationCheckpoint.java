package cortado.nn.io;

import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.DecoderLm;
import cortado.nn.models.Models;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link DecoderForSequenceClassification} as transformers saves {@code GPT2ForSequenceClassification} /
 * {@code LlamaForSequenceClassification}: the decoder's config.json with that architecture, {@code id2label} /
 * {@code label2id} ({@code LABEL_i}) and {@code pad_token_id}, and one model.safetensors of the trunk's tensors plus
 * {@code score.weight} (no LM head), so {@code AutoModelForSequenceClassification.from_pretrained} reads it.
 */
public final class SequenceClassificationCheckpoint {
    private SequenceClassificationCheckpoint() {}

    /** Whether {@code dir}'s config.json names a ...ForSequenceClassification architecture. */
    public static boolean isSequenceClassification(Path dir) {
        if (!Files.isRegularFile(dir.resolve(HfCheckpoint.CONFIG))) return false;
        return architecture(HfCheckpoint.readConfig(dir)).endsWith("ForSequenceClassification");
    }

    public static void save(DecoderForSequenceClassification model, Path dir) {
        HfCheckpoint.save(model.decoder(), dir);   // the decoder's config.json; its weights are replaced below
        Map<String, Object> config = new LinkedHashMap<>(HfCheckpoint.readConfig(dir));
        String lmArch = architecture(config);
        config.put("architectures", List.of(lmArch.replace("LMHeadModel", "ForSequenceClassification")
                .replace("ForCausalLM", "ForSequenceClassification")));
        Map<String, Object> id2label = new LinkedHashMap<>(), label2id = new LinkedHashMap<>();
        for (int i = 0; i < model.numLabels(); i++) {
            id2label.put(Integer.toString(i), "LABEL_" + i);
            label2id.put("LABEL_" + i, i);
        }
        config.put("id2label", id2label);
        config.put("label2id", label2id);
        config.put("pad_token_id", model.padTokenId());
        TreeMap<String, Tensor> tensors = new TreeMap<>();
        model.namedParameters().forEach((n, p) -> tensors.put(n, p.value()));
        try {
            Safetensors.write(dir.resolve(HfCheckpoint.WEIGHTS), tensors, Map.of("format", "pt"),
                    cortado.tensor.DType.F32);
            Files.writeString(dir.resolve(HfCheckpoint.CONFIG), Json.write(config) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CheckpointException.at(dir, "cannot write the classifier: " + e.getMessage(), e);
        }
    }

    /** Loads a classifier saved by {@link #save} or by transformers (one model.safetensors). */
    public static DecoderForSequenceClassification load(Path dir) {
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        Path weights = dir.resolve(HfCheckpoint.WEIGHTS);
        if (!Files.isRegularFile(weights))
            throw CheckpointException.at(weights, "missing (one model.safetensors is read for a classifier)");
        Map<String, Object> trunk = new LinkedHashMap<>(config);   // the head's fields are read here, not by the family
        for (String k : List.of("id2label", "label2id", "num_labels", "problem_type")) trunk.remove(k);
        CausalLm lm = Models.forLoading(trunk);
        if (!(lm instanceof DecoderLm decoder))
            throw CheckpointException.at(dir, "not a decoder family: " + config.get("model_type"));
        int labels = config.get("id2label") instanceof Map<?, ?> m ? m.size()
                : config.get("num_labels") instanceof Number n ? n.intValue() : 2;   // transformers' default
        Integer pad = config.get("pad_token_id") instanceof Number n ? n.intValue() : null;
        DecoderForSequenceClassification model = new DecoderForSequenceClassification(decoder, labels, pad);
        Map<String, Tensor> tensors = Safetensors.load(weights);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor t = tensors.remove(e.getKey());
            if (t == null) missing.add(e.getKey());
            else e.getValue().set(t);
        }
        if (!missing.isEmpty() || !tensors.isEmpty())
            throw CheckpointException.at(weights, (missing.isEmpty() ? "" : "missing " + missing + " ")
                    + (tensors.isEmpty() ? "" : "unexpected " + tensors.keySet()));
        model.eval();
        return model;
    }

    private static String architecture(Map<String, Object> config) {
        return config.get("architectures") instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : "";
    }
}
