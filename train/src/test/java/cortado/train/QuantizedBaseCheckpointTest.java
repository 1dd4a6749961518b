package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.quant.BnbCheckpoint;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.quant.nn.QuantizedLinear;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A trainer over a frozen quantized base (QLoRA's setting: quantized projections, frozen embeddings, trainable norms
 * and biases): its checkpoints keep the bitsandbytes layout with every quantized tensor byte for byte as before
 * training, load back as a quantized model, and resume to exactly the losses of an uninterrupted run.
 */
class QuantizedBaseCheckpointTest {
    @TempDir Path dir;

    static CausalLm quantizedBase(String type) {
        CausalLm m = Presets.create("gpt2-tiny", 4);
        ModelQuantizer.quantize(m, new QuantizeSpec(type, 64, type.equals("nf4"), QuantizeSpec.DEFAULT_SKIP));
        for (Map.Entry<String, Parameter> e : m.module().namedParameters().entrySet())
            if (e.getKey().contains("wte") || e.getKey().contains("wpe")) e.getValue().setTrainable(false);
        return m;
    }

    /** name -> raw bytes of every tensor of a checkpoint's weights file. */
    static Map<String, byte[]> tensorBytes(Path ckpt) {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (SafetensorsFile f = Safetensors.read(ckpt.resolve(BnbCheckpoint.WEIGHTS))) {
            for (String n : f.names()) out.put(n, f.bytes(n).toArray(ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"nf4", "fp4", "int8"})
    void checkpointsKeepTheQuantizedBaseUnchangedAndResumeExactly(String type) {
        TokenData data = TrainerTest.tokens(3000);
        TrainConfig cfg = TrainerTest.config(6, 2, 1, true);
        float[] expected = new float[6];
        Trainer straight = new Trainer(quantizedBase(type), cfg, data, null);
        for (int i = 0; i < 6; i++) expected[i] = straight.step().loss();

        CausalLm model = quantizedBase(type);
        Path before = dir.resolve("before");
        QuantizedCheckpoint.save(model, before);
        Trainer first = new Trainer(model, cfg, data, null);
        for (int i = 0; i < 3; i++) assertThat(first.step().loss()).isEqualTo(expected[i]);
        Path ckpt = dir.resolve("ckpt");
        Checkpoint.save(first, ckpt);

        // Quantized weights, their states and the frozen embeddings: byte for byte as before training.
        assertThat(BnbCheckpoint.isQuantized(ckpt)).isTrue();
        Map<String, byte[]> was = tensorBytes(before), now = tensorBytes(ckpt);
        assertThat(now.keySet()).isEqualTo(was.keySet());
        List<String> quantizedOrFrozen = was.keySet().stream().filter(n -> !n.endsWith(".bias") && !n.contains("ln_")).toList();
        assertThat(quantizedOrFrozen).anyMatch(n -> n.contains("c_attn.weight")).anyMatch(n -> n.contains("wte"));
        for (String n : quantizedOrFrozen) assertThat(now.get(n)).as(n).isEqualTo(was.get(n));
        assertThat(now.get("transformer.ln_f.weight")).isNotEqualTo(was.get("transformer.ln_f.weight")); // trained

        CausalLm loaded = Checkpoint.loadModel(ckpt);
        Module root = loaded.module();
        assertThat(root.namedModules().values()).anyMatch(m -> m instanceof QuantizedLinear);
        for (Map.Entry<String, Parameter> e : root.namedParameters().entrySet())   // frozen as in the first run
            if (e.getKey().contains("wte") || e.getKey().contains("wpe")) e.getValue().setTrainable(false);
        Trainer resumed = new Trainer(loaded, cfg, data, null);
        Checkpoint.restore(resumed, ckpt);
        for (int i = 3; i < 6; i++) assertThat(resumed.step().loss()).as("step %d", i + 1).isEqualTo(expected[i]);
    }
}
