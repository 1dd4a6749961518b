package cortado.data.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.clean.MinHashConfig;
import cortado.data.dataset.Chunking;
import cortado.data.dataset.PrepareConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The job's command line: prepare's option names and defaults, and one clear error for what it does not take. */
class PrepareJobOptionsTest {
    static PrepareConfig parse(String... argv) {
        Map<String, String> a = new HashMap<>(PrepareJob.DEFAULTS);
        List<Path> inputs = new ArrayList<>();
        PrepareJob.parse(argv, a, inputs);
        return PrepareJob.config(a, inputs);
    }

    @Test
    void takesPreparesOptionsAndDefaults() {
        PrepareConfig c = parse("--input", "a", "b", "--tokenizer", "bytes", "--out", "o", "--dedup",
                "--near-dup-threshold=0.8", "--filters", "gopher,pii", "--no-shuffle", "--chunking", "pack", "--seq", "128");
        assertThat(c.inputs()).containsExactly(Path.of("a"), Path.of("b"));
        assertThat(c.cleaning().exactDedupBits()).isEqualTo(128);
        assertThat(c.cleaning().nearDup()).isEqualTo(MinHashConfig.forThreshold(0.8));
        assertThat(c.cleaning().activeSteps()).containsExactly("pii", "gopher-quality", "gopher-repetition", "dedup", "near-dup");
        assertThat(c.shuffle()).isFalse();
        assertThat(c.chunking()).isEqualTo(Chunking.PACK);
        assertThat(c.seq()).isEqualTo(128);
        assertThat(c.valFraction()).isEqualTo(0.01);
        assertThat(c.seed()).isEqualTo(1337);
        assertThat(c.shardTokens()).isEqualTo(100_000_000L);
    }

    @Test
    void refusesWhatItDoesNotTake() {
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--gopher-quality", "min_words=3"))
                .hasMessageStartingWith("unknown option --gopher-quality (options: ");
        assertThatThrownBy(() -> parse("--input", "a", "--out", "o")).hasMessage("--tokenizer is required");
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--filters", "nope"))
                .hasMessage("--filters: unknown filter 'nope'");
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--chunking", "pack", "--seq", "0"))
                .hasMessage("--chunking pack needs --seq T > 0");
    }
}
