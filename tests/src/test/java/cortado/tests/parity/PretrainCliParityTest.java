package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.cli.Main;
import cortado.data.json.Json;
import cortado.nn.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole pretraining path against PyTorch: {@code cortado pretrain --model <HF dir written by transformers>
 * --data <llm.c .bin> --data-order sequential} for 10 steps, with the optimizer settings of
 * tools/golden/make_golden.py (lr 1e-3 constant, weight decay 0.1, clip 1.0). The per-step losses in metrics.jsonl
 * must match torch's within 1e-3 (see {@link TrainingParityTest} for why that tolerance).
 */
class PretrainCliParityTest {
    @TempDir Path out;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void sequentialPretrainLossesMatchPyTorch(String family) throws IOException {
        float[] expected = Safetensors.load(Golden.path(family + "_train.safetensors")).get("losses").toArray();
        int code = Main.run(new String[] {"pretrain", "--model", Golden.path(family).toString(),
                "--data", Golden.path(family + "_train.bin").toString(), "--data-order", "sequential",
                "--steps", "10", "--batch", "2", "--seq", "16", "--lr", "1e-3", "--schedule", "constant",
                "--warmup", "0", "--weight-decay", "0.1", "--grad-clip", "1.0", "--grad-accum", "1",
                "--val-every", "0", "--out", out.toString()});
        assertThat(code).isZero();
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            Map<String, Object> row = Json.parseObject(lines.get(i));
            assertThat(((Number) row.get("step")).intValue()).isEqualTo(i + 1);
            double loss = ((Number) row.get("loss")).doubleValue();
            worst = Math.max(worst, Math.abs(loss - expected[i]));
            assertThat(loss).as(family + " loss at step " + (i + 1)).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(1e-3));
        }
        System.out.printf("%s pretrain CLI parity: max |loss diff| %.2e over %d steps%n", family, worst, expected.length);
    }
}
