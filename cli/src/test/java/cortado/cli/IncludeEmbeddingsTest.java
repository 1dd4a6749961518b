package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.nn.Embedding;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.quant.nn.Dequantizer;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.quant.nn.QuantizedTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code quantize --include-embeddings}: the token embedding table (and with it a tied head; an untied lm_head as a
 * Linear4bit/Linear8bit) is quantized too. The file shrinks by the table's fp32 bytes minus its quantized bytes
 * (plus the head's, untied), within the few hundred header bytes the extra state tensors take; the loaded model's
 * logits equal, within 1e-4, those of the same model with every quantized weight dequantized to fp32 (the same values
 * multiplied in fp32, so only summation order differs; a wrong row or scale shows at O(1)).
 */
class IncludeEmbeddingsTest {
    @TempDir Path dir;

    static float[] logits(CausalLm m) {
        try (NoGrad g = NoGrad.enter()) {
            return m.forward(new int[] {5, 70, 101, 32, 9, 200, 3, 17}, 2, 4).toArray();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gpt2-tiny, nf4", "gpt2-tiny, int8", "llama-tiny, nf4", "llama-tiny, fp4"})
    void quantizesTheTableAndTheHead(String preset, String type) throws Exception {
        Path fp32 = dir.resolve("fp32");
        CausalLm source = Presets.create(preset, 3);
        HfCheckpoint.save(source, fp32);
        boolean tied = !source.module().children().containsKey("lm_head");
        Embedding table = preset.startsWith("gpt2") ? (Embedding) source.module().get("transformer.wte")
                : (Embedding) source.module().get("model.embed_tokens");
        long vc = (long) table.numEmbeddings() * table.dim();

        Path plain = dir.resolve("plain"), all = dir.resolve("all");
        CliRun.Result a = CliRun.run("quantize", "--model", fp32.toString(), "--type", type, "--out", plain.toString());
        assertThat(a.code()).as(a.err()).isZero();
        CliRun.Result b = CliRun.run("quantize", "--model", fp32.toString(), "--type", type, "--include-embeddings",
                "--out", all.toString());
        assertThat(b.code()).as(b.err()).isZero();

        // bitsandbytes' default leaves the table fp32.
        CausalLm p = QuantizedCheckpoint.load(plain);
        assertThat(embedding(p, preset).frozen()).isNull();

        // Each quantized [V, C] matrix: fp32 4 bytes per weight -> 4-bit codes + one fp32 absmax per 64, or int8 + one
        // fp32 scale per row. The untied head was fp32 (skipped) before and is quantized now.
        long quantizedBytes = type.equals("int8") ? vc + 4L * table.numEmbeddings() : vc / 2 + 4 * (vc / 64);
        long expected = (tied ? 1 : 2) * (4 * vc - quantizedBytes);
        long shrink = Files.size(plain.resolve("model.safetensors")) - Files.size(all.resolve("model.safetensors"));
        assertThat(shrink).isBetween(expected - 1024, expected);

        CausalLm q = QuantizedCheckpoint.load(all);
        assertThat(embedding(q, preset).frozen()).isInstanceOf(QuantizedTable.class);
        if (!tied && !type.equals("int8")) assertThat(q.module().get("lm_head")).isInstanceOf(Linear4bit.class);
        float[] got = logits(q);
        CausalLm reference = QuantizedCheckpoint.load(all);
        Dequantizer.dequantize(reference);
        assertThat(embedding(reference, preset).frozen()).isNull();
        float[] ref = logits(reference);
        for (int i = 0; i < ref.length; i++)
            assertThat(got[i]).as("logit %d", i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4f));

        // generate and dequantize run on it.
        CliRun.Result g = CliRun.run("generate", "--model", all.toString(), "--prompt", "Once", "--max-new-tokens", "3");
        assertThat(g.code()).as(g.err()).isZero();
        CliRun.Result d = CliRun.run("dequantize", "--model", all.toString(), "--out", dir.resolve("back").toString());
        assertThat(d.code()).as(d.err()).isZero();
        float[] back = logits(HfCheckpoint.load(dir.resolve("back")));
        for (int i = 0; i < ref.length; i++)
            assertThat(back[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4f));
    }

    private static Embedding embedding(CausalLm m, String preset) {
        return (Embedding) m.module().get(preset.startsWith("gpt2") ? "transformer.wte" : "model.embed_tokens");
    }
}
