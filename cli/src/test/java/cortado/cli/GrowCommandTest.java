package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain --init-from}: a 1-layer, 32-wide GPT-2 pretrained on the demo corpus grows into 2 layers, 64 wide
 * (8 heads); before any step the grown model's held-out loss is the parent's (1e-4), and after 40 steps it is below
 * the same shape's from random init after 40 steps (same data, seed, lr).
 */
class GrowCommandTest {
    @TempDir static Path dir;
    static Path corpus, parent;

    static CliRun.Result pretrain(String steps, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--data", corpus.toString(), "--steps", steps, "--batch",
                "8", "--seq", "32", "--val-every", "20", "--val-batches", "8", "--lr", "3e-3", "--warmup", "5",
                "--save-every", "0", "--threads", "2", "--out", out.toString()));
        a.addAll(List.of(extra));
        return CliRun.run(a.toArray(String[]::new));
    }

    @BeforeAll
    static void trainParent() throws Exception {
        corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, DemoCommand.corpus().substring(0, 60_000));
        parent = dir.resolve("parent");
        CliRun.Result r = pretrain("120", parent, "--model", "gpt2-tiny", "--config", "n_layer=1");
        assertThat(r.code()).as(r.err()).isZero();
    }

    private static double lastValLoss(Path out) throws Exception {
        double last = Double.NaN;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            Map<String, Object> row = Json.parseObject(line);
            if (row.get("val_loss") instanceof Number v) last = v.doubleValue();
        }
        return last;
    }

    @Test
    void aGrownModelStartsAtItsParentsLossAndBeatsRandomInit() throws Exception {
        Path grown = dir.resolve("grown"), fresh = dir.resolve("fresh");
        CliRun.Result g = pretrain("40", grown, "--init-from", parent.toString(), "--config", "n_layer=2,n_embd=64,n_head=8");
        assertThat(g.code()).as(g.err()).isZero();
        Matcher m = Pattern.compile("held-out loss before training: ([0-9.]+) \\(parent ([0-9.]+),").matcher(g.out());
        assertThat(m.find()).as(g.out()).isTrue();
        double child0 = Double.parseDouble(m.group(1)), parent0 = Double.parseDouble(m.group(2));
        assertThat(Math.abs(child0 - parent0)).as(g.out()).isLessThan(1e-4);
        assertThat(parent0).isLessThan(3.5);   // the parent learned something (uniform over 257 bytes is 5.55)
        assertThat(g.out()).contains("grown (function-preserving)");

        CliRun.Result f = pretrain("40", fresh, "--model", "gpt2-tiny", "--config", "n_layer=2,n_embd=64,n_head=8");
        assertThat(f.code()).as(f.err()).isZero();
        double grownLoss = lastValLoss(grown), freshLoss = lastValLoss(fresh);
        System.out.printf("grow: parent %.6f, grown at step 0 %.6f, after 40 steps grown %.4f vs random init %.4f%n",
                parent0, child0, grownLoss, freshLoss);
        assertThat(grownLoss).as("grown %.4f vs random init %.4f", grownLoss, freshLoss).isLessThan(freshLoss - 0.1);
        assertThat(grownLoss).isLessThan(parent0 + 0.05);   // training from the parent's point did not undo it
    }

    @Test
    void depthUpscaleAndRefusals() throws Exception {
        CliRun.Result d = pretrain("2", dir.resolve("solar"), "--init-from", parent.toString(), "--config", "n_layer=2",
                "--grow", "depth-upscale");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("grown (depth up-scaling)");
        CliRun.Result bad = pretrain("2", dir.resolve("bad"), "--init-from", parent.toString(), "--config", "n_embd=48,n_head=6");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("not a multiple of the parent's 32");
        CliRun.Result noShape = pretrain("2", dir.resolve("bad2"), "--init-from", parent.toString());
        assertThat(noShape.code()).isEqualTo(2);
        assertThat(noShape.err()).contains("--init-from needs the larger shape");
        CliRun.Result grow = pretrain("2", dir.resolve("bad3"), "--model", "gpt2-tiny", "--grow", "depth-upscale");
        assertThat(grow.err()).contains("--grow applies with --init-from");
    }
}
