package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training is reproducible bit for bit: the same {@code pretrain} command twice, and on 1, 2 or 3 threads, gives the
 * same training and validation losses, gradient norms and final parameters. The runs share this JVM, so the first one
 * starts with cold (interpreted) kernels and later ones use JIT-compiled code: this also checks that compiled and
 * uncompiled kernels agree.
 */
class DeterminismCliTest {
    @TempDir Path dir;

    /** loss, grad_norm and val_loss of every step, as written (the shortest decimal that round-trips the float). */
    static List<String> trajectory(Path metrics) throws Exception {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> row : MetricsLog.read(metrics))
            out.add(row.get("step") + " loss=" + row.get("loss") + " grad_norm=" + row.get("grad_norm")
                    + " val_loss=" + row.get("val_loss"));
        return out;
    }

    private Path run(String model, Path data, int threads, String name) {
        Path out = dir.resolve(name);
        CliRunner.Result r = CliRunner.run("pretrain", "--model", model, "--data", data.toString(), "--steps", "5",
                "--batch", "2", "--seq", "32", "--lr", "3e-3", "--warmup", "1", "--val-every", "2", "--val-batches", "2",
                "--out", out.toString(), "--threads", Integer.toString(threads));
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    @Test
    void sameCommandAndAnyThreadCountGiveIdenticalLossesAndParameters() throws Exception {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog; a lazy dog sleeps. ".repeat(150));
        // gpt2-tiny: LayerNorm, GELU, tied head; llama-tiny: RMSNorm, RoPE, SiLU gate, grouped-query attention
        for (String model : List.of("gpt2-tiny", "llama-tiny")) {
            Path first = run(model, data, 2, model + "-a");
            List<String> reference = trajectory(first.resolve("metrics.jsonl"));
            byte[] params = Files.readAllBytes(first.resolve("checkpoint/model.safetensors"));
            assertThat(reference).hasSize(5);
            for (int[] again : new int[][] {{2, 'b'}, {1, 'c'}, {3, 'd'}}) {
                Path other = run(model, data, again[0], model + "-" + (char) again[1]);
                assertThat(trajectory(other.resolve("metrics.jsonl"))).as(model + " on " + again[0] + " threads")
                        .isEqualTo(reference);
                assertThat(Files.readAllBytes(other.resolve("checkpoint/model.safetensors")))
                        .as(model + " parameters on " + again[0] + " threads").isEqualTo(params);
            }
        }
    }
}
