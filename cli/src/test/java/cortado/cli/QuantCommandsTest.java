package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quantize / inspect / dequantize / prune end to end on a gpt2-tiny checkpoint, and their one-line errors. */
class QuantCommandsTest {
    @TempDir Path dir;
    Path fp32;

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @BeforeEach
    void checkpoint() {
        fp32 = dir.resolve("fp32");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 7), fp32);
    }

    static Tensor logits(CausalLm m) {
        try (NoGrad g = NoGrad.enter()) {
            return m.forward(new int[] {5, 70, 101, 32, 9, 200}, 1, 6);
        }
    }

    @Test
    void quantizeLoadsAsTheSameQuantizedModelAndRoundTripsThroughDequantize() throws Exception {
        Path q = dir.resolve("nf4");
        CliRun.Result r = run("quantize", "--model", fp32.toString(), "--type", "nf4", "--double-quant", "--out", q.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized 8 layers to nf4");
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(q.resolve("config.json")));
        Map<?, ?> qc = (Map<?, ?>) cfg.get("quantization_config");
        assertThat(qc.get("bnb_4bit_quant_type")).isEqualTo("nf4");
        assertThat(qc.get("bnb_4bit_use_double_quant")).isEqualTo(true);

        // The directory loads as a model with 4-bit layers computing what the in-memory quantized model computes.
        CausalLm loaded = QuantizedCheckpoint.load(q);
        assertThat(loaded.module().get("transformer.h.0.attn.c_attn")).isInstanceOf(Linear4bit.class);
        CausalLm inMemory = HfCheckpoint.load(fp32);
        ModelQuantizer.quantize(inMemory, new QuantizeSpec("nf4", 64, true, List.of("lm_head")));
        assertThat(logits(loaded).toArray()).containsExactly(logits(inMemory).toArray());

        // generate runs on it directly.
        CliRun.Result g = run("generate", "--model", q.toString(), "--prompt", "Once", "--max-new-tokens", "4");
        assertThat(g.code()).as(g.err()).isZero();

        // pretrain would write a full fp32 checkpoint it does not have: refused in one line, before any work.
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello world ".repeat(100));
        CliRun.Result p = run("pretrain", "--model", q.toString(), "--data", text.toString(), "--out", dir.resolve("r").toString());
        assertThat(p.code()).isEqualTo(Main.FAILURE);
        assertThat(p.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains("dequantize"));

        CliRun.Result i = run("inspect", "--model", q.toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("nf4 codes (4-bit, packed)").contains("double-quantized").contains("total");

        Path back = dir.resolve("back");
        CliRun.Result d = run("dequantize", "--model", q.toString(), "--out", back.toString());
        assertThat(d.code()).as(d.err()).isZero();
        CausalLm deq = HfCheckpoint.load(back);
        float[] a = logits(deq).toArray(), b = logits(loaded).toArray();
        for (int k = 0; k < a.length; k++) assertThat(a[k]).isCloseTo(b[k], org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void int8RoundTrip() {
        Path q = dir.resolve("int8");
        CliRun.Result r = run("quantize", "--model", fp32.toString(), "--type", "int8", "--out", q.toString());
        assertThat(r.code()).as(r.err()).isZero();
        CausalLm loaded = QuantizedCheckpoint.load(q);
        assertThat(loaded.module().get("transformer.h.1.mlp.c_fc")).isInstanceOf(cortado.quant.nn.Linear8bit.class);
        CausalLm inMemory = HfCheckpoint.load(fp32);
        ModelQuantizer.quantize(inMemory, new QuantizeSpec("int8", 64, false, List.of("lm_head")));
        assertThat(logits(loaded).toArray()).containsExactly(logits(inMemory).toArray());
        CliRun.Result i = run("inspect", "--model", q.toString());
        assertThat(i.out()).contains("int8 codes (row-wise)");
    }

    @Test
    void pruneReportsSparsityAndPerplexity() {
        Path out = dir.resolve("pruned");
        CliRun.Result r = run("prune", "--model", fp32.toString(), "--method", "2:4", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("transformer.h.1.mlp.c_proj.weight").contains("50.00%")
                .containsPattern("validation perplexity \\(demo corpus.*\\): [0-9.]+ -> [0-9.]+");
        assertThat(Files.exists(out.resolve("model.safetensors"))).isTrue();
        CliRun.Result m = run("prune", "--model", fp32.toString(), "--sparsity", "0.3", "--scope", "layer", "--out", out.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out()).contains("  921 ").contains("29.98%"); // floor(0.3 * 3072) per layer
    }

    @Test
    void structuredPruningWritesASmallerLlamaAndRefusesWhatItCannotDo() throws Exception {
        Path llama = dir.resolve("llama"), out = dir.resolve("llama-pruned"), calib = dir.resolve("calib.txt");
        HfCheckpoint.save(Presets.create("llama-tiny", 5), llama);
        Files.writeString(calib, "calibration text for the activations of each output projection. ".repeat(20));
        CliRun.Result r = run("prune", "--model", llama.toString(), "--method", "structured", "--heads", "0.5",
                "--neurons", "0.25", "--importance", "calibration", "--calib-data", calib.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("attention: 1 of 2 key/value groups (2 of 4 query heads) per layer")
                .contains("MLP: 48 of 64 neurons per layer").containsPattern("parameters: \\d+ -> \\d+")
                .containsPattern("forward of 4 x \\d+ tokens").containsPattern("validation perplexity .*: [0-9.]+ -> [0-9.]+");
        CausalLm pruned = HfCheckpoint.load(out);
        assertThat(pruned.module().parameterCount()).isLessThan(HfCheckpoint.load(llama).module().parameterCount());
        CliRun.Result gpt2Heads = run("prune", "--model", fp32.toString(), "--method", "structured", "--heads", "0.5",
                "--out", dir.resolve("x").toString());
        assertThat(gpt2Heads.code()).isEqualTo(Main.USAGE);
        assertThat(gpt2Heads.err()).contains("GPT-2's heads cannot be pruned");
        CliRun.Result noCalib = run("prune", "--model", llama.toString(), "--method", "structured", "--neurons", "0.5",
                "--importance", "calibration", "--out", dir.resolve("y").toString());
        assertThat(noCalib.err()).contains("needs --calib-data");
        CliRun.Result nothing = run("prune", "--model", llama.toString(), "--method", "structured", "--out", dir.resolve("z").toString());
        assertThat(nothing.err()).contains("needs --heads F and/or --neurons F");
    }

    @Test
    void unsupportedBlocksizeIsAUsageError() {
        CliRun.Result r = run("quantize", "--model", fp32.toString(), "--blocksize", "48", "--out", dir.resolve("x").toString());
        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains("48"));
    }

    /** A checkpoint file edited in place (same-length edits keep the safetensors header valid). */
    private Path corrupted(String from, String to) throws Exception {
        Path q = dir.resolve("q-" + Math.abs(from.hashCode()));
        assertThat(run("quantize", "--model", fp32.toString(), "--out", q.toString()).code()).isZero();
        Path f = q.resolve("model.safetensors");
        String s = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(s).contains(from);
        assertThat(to).hasSameSizeAs(from);
        Files.write(f, s.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.ISO_8859_1));
        return q;
    }

    private static void assertOneErrorLineNaming(CliRun.Result r, String tensor) {
        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1)
                .allMatch(l -> l.startsWith("error: ") && l.contains(tensor));
    }

    @Test
    void missingQuantStateNamesTheTensor() throws Exception {
        Path q = corrupted("transformer.h.0.attn.c_attn.weight.quant_state", "transformer.h.0.attn.c_attn.weight.quant_stXte");
        assertOneErrorLineNaming(run("generate", "--model", q.toString(), "--prompt", "a"), "transformer.h.0.attn.c_attn.weight");
        assertOneErrorLineNaming(run("inspect", "--model", q.toString()), "transformer.h.0.attn.c_attn.weight");
    }

    @Test
    void packedSizeNotMatchingTheShapeNamesTheTensor() throws Exception {
        Path q = corrupted("\"shape\": [96, 32]", "\"shape\": [98, 32]");
        assertOneErrorLineNaming(run("inspect", "--model", q.toString()), "transformer.h.0.attn.c_attn.weight");
    }

    @Test
    void unsupportedBlocksizeInACheckpointNamesTheTensor() throws Exception {
        Path q = corrupted("\"blocksize\": 64", "\"blocksize\": 48");
        assertOneErrorLineNaming(run("dequantize", "--model", q.toString(), "--out", dir.resolve("d").toString()),
                ".weight");
    }
}
