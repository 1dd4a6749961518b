package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the grpo and ppo command tests train: a byte-level gpt2-tiny pretrained here (cortado pretrain, 80 steps) on
 * generated sentences ("the red cat sits. ..."), one row each, so it continues a prompt with words and sometimes
 * ends with the end-of-text token; 36 training and 12 held-out prompts "the ADJ NOUN". Made once per JVM.
 */
final class RlTestBase {
    private static Path dir;

    private RlTestBase() {}

    static synchronized Path dir() {
        if (dir != null) return dir;
        try {
            Path d = Files.createTempDirectory("cortado-rl");
            d.toFile().deleteOnExit();
            Random rng = new Random(0);
            String[] nouns = {"cat", "dog", "bird", "fish", "cow", "fox", "owl", "bee"};
            String[] verbs = {"runs", "sits", "eats", "sleeps", "jumps", "sings"};
            String[] adjs = {"red", "big", "old", "small", "happy", "blue"};
            List<String> corpus = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                StringBuilder s = new StringBuilder();
                for (int k = rng.nextInt(3); k >= 0; k--)
                    s.append(s.isEmpty() ? "" : " ").append("the ").append(adjs[rng.nextInt(adjs.length)]).append(' ')
                            .append(nouns[rng.nextInt(nouns.length)]).append(' ').append(verbs[rng.nextInt(verbs.length)])
                            .append('.');
                corpus.add("{\"text\": \"" + s + "\"}");
            }
            Files.write(d.resolve("corpus.jsonl"), corpus);
            List<String> prompts = new ArrayList<>();
            for (String a : adjs) for (String n : nouns) prompts.add("{\"prompt\": \"the " + a + " " + n + "\"}");
            java.util.Collections.shuffle(prompts, new Random(1));
            Files.write(d.resolve("prompts.jsonl"), prompts.subList(0, 36));
            Files.write(d.resolve("held.jsonl"), prompts.subList(36, 48));
            CliRun.Result r = CliRun.run("pretrain", "--model", "gpt2-tiny", "--data", d.resolve("corpus.jsonl").toString(),
                    "--seq", "32", "--steps", "80", "--batch", "8", "--lr", "3e-3", "--val-every", "0", "--out",
                    d.resolve("base").toString(), "--threads", "1");
            if (r.code() != 0) throw new IllegalStateException("pretraining the test base failed: " + r.err());
            dir = d;
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path base() { return dir().resolve("base"); }

    static Path prompts() { return dir().resolve("prompts.jsonl"); }

    static Path held() { return dir().resolve("held.jsonl"); }

    /** OUT/heldout_reward.json shows the length:6 reward's held-out mean rising by more than 0.2 (printed). */
    static void heldOutRewardRose(String command, Path out) throws IOException {
        Map<String, Object> h = Json.parseObject(Files.readString(out.resolve(RlSetup.HELDOUT_FILE)));
        double before = ((Number) h.get("reward_before")).doubleValue(), after = ((Number) h.get("reward_after")).doubleValue();
        System.out.printf("%s held-out reward (length:6): before %.4f, after %.4f%n", command, before, after);
        assertThat(after).isGreaterThan(before + 0.2);
    }
}
