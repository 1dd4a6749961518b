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
    void takesGopherOverridesAndABlocklistFile(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path list = dir.resolve("block.txt");
        java.nio.file.Files.writeString(list, "casino\nfree spins\n");
        PrepareConfig c = parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--filters", "gopher",
                "--gopher-quality", "min_words=20,max_mean_word_length=12", "--gopher-repetition", "top_2gram=0.25",
                "--blocklist", list.toString(), "--blocklist-min-hits", "2");
        assertThat(c.cleaning().quality().minWords()).isEqualTo(20);
        assertThat(c.cleaning().quality().maxMeanWordLength()).isEqualTo(12);
        assertThat(c.cleaning().repetition().topNgram()[0]).isEqualTo(0.25);
        assertThat(c.cleaning().blocklist()).containsExactly("casino", "free spins");
        assertThat(c.cleaning().blocklistMinHits()).isEqualTo(2);
    }

    @Test
    void refusesWhatItDoesNotTake() {
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--min-hash", "3"))
                .hasMessageStartingWith("unknown option --min-hash (options: ");
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--filters", "gopher",
                "--gopher-quality", "min_words=abc")).hasMessage("--gopher-quality: min_words expects a number, got 'abc'");
        assertThatThrownBy(() -> parse("--input", "a", "--out", "o")).hasMessage("--tokenizer is required");
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--filters", "nope"))
                .hasMessage("--filters: unknown filter 'nope'");
        assertThatThrownBy(() -> parse("--input", "a", "--tokenizer", "bytes", "--out", "o", "--chunking", "pack", "--seq", "0"))
                .hasMessage("--chunking pack needs --seq T > 0");
    }
}
