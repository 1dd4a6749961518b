package cortado.cli;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code cortado metric}: sacreBLEU's README example through the command line (BLEU 48.53 with its parts, chrF2
 * 59.73; the metric classes' own parity tests cover the rest), each metric's JSON fields, and one clear error per bad
 * input.
 */
class MetricCommandTest {
    @TempDir Path dir;

    private Path file(String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    private Path hyp() throws IOException {
        return file("hyp.txt", "The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
    }

    private Path ref1() throws IOException {
        return file("ref1.txt", "The dog bit the man.", "It was not unexpected.", "The man bit him first.");
    }

    private Path ref2() throws IOException {
        return file("ref2.txt", "The dog had bit the man.", "No one was surprised.", "The man had bitten the dog.");
    }

    private static Map<String, Object> json(CliRun.Result r) {
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out().strip().lines().count()).isEqualTo(1);
        return Json.parseObject(r.out().strip());
    }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void bleuPrintsTheScoreAndItsPartsAsSacrebleu() throws IOException {
        Map<String, Object> m = json(CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", ref1().toString(),
                "--ref", ref2().toString()));
        assertThat(m.get("name")).isEqualTo("BLEU");
        assertThat(num(m.get("score"))).isCloseTo(48.53, within(0.005));
        assertThat(m.get("counts")).isEqualTo(List.of(14L, 7L, 5L, 3L));
        assertThat(m.get("totals")).isEqualTo(List.of(17L, 14L, 11L, 8L));
        assertThat(num(m.get("bp"))).isCloseTo(0.943, within(0.0005));
        assertThat(m.get("sys_len")).isEqualTo(17L);
        assertThat(m.get("ref_len")).isEqualTo(18L);
        assertThat(m.get("tok")).isEqualTo("13a");
        assertThat(m.get("smooth")).isEqualTo("exp");
        // floor smoothing and another tokenizer are accepted and change nothing they should not
        Map<String, Object> f = json(CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", ref1().toString(),
                "--smooth", "floor", "--tokenize", "intl", "--lowercase"));
        assertThat(f.get("smooth")).isEqualTo("floor[0.10]");
        assertThat(f.get("case")).isEqualTo("lc");
    }

    @Test
    void chrfAndChrfPlusPlus() throws IOException {
        Map<String, Object> c = json(CliRun.run("metric", "chrf", "--hyp", hyp().toString(), "--ref", ref1().toString(),
                "--ref", ref2().toString()));
        assertThat(c.get("name")).isEqualTo("chrF2");
        assertThat(num(c.get("score"))).isCloseTo(59.73, within(0.005));
        assertThat((List<?>) c.get("ngrams")).hasSize(6);
        Map<String, Object> pp = json(CliRun.run("metric", "chrf++", "--hyp", hyp().toString(), "--ref", ref1().toString()));
        assertThat(pp.get("name")).isEqualTo("chrF2++");
        assertThat((List<?>) pp.get("ngrams")).hasSize(8);
    }

    @Test
    void terRougeF1AndEm() throws IOException {
        Map<String, Object> t = json(CliRun.run("metric", "ter", "--hyp", hyp().toString(), "--ref", ref1().toString()));
        assertThat(t.get("name")).isEqualTo("TER");
        assertThat(num(t.get("score"))).isGreaterThan(0);
        Path pred = file("pred.txt", "testing", "the cat", "");
        Path gold = file("gold.txt", "testing one two", "a cat", "");
        Map<String, Object> r = json(CliRun.run("metric", "rouge", "--hyp", pred.toString(), "--ref", gold.toString(),
                "--rouge-types", "rouge1"));
        @SuppressWarnings("unchecked") Map<String, Object> r1 = (Map<String, Object>) r.get("rouge1");
        // line means, as rouge-score gives them line by line: precision (1 + 1/2 + 0) / 3, recall (1/3 + 1/2 + 0) / 3
        // ("the" and "a" are tokens to ROUGE; an empty line scores 0)
        assertThat(num(r1.get("precision"))).isCloseTo(0.5, within(1e-12));
        assertThat(num(r1.get("recall"))).isCloseTo((1 / 3.0 + 0.5) / 3, within(1e-12));
        Map<String, Object> f1 = json(CliRun.run("metric", "f1", "--hyp", pred.toString(), "--ref", gold.toString()));
        // SQuAD v2.0: "testing" vs "testing one two" = 0.5, "the cat" vs "a cat" = 1, empty vs empty = 1
        assertThat(num(f1.get("score"))).isCloseTo(100 * 2.5 / 3, within(1e-9));
        Map<String, Object> f1v1 = json(CliRun.run("metric", "f1", "--hyp", pred.toString(), "--ref", gold.toString(),
                "--squad", "v1.1"));
        assertThat(num(f1v1.get("score"))).isCloseTo(100 * 1.5 / 3, within(1e-9));
        Map<String, Object> em = json(CliRun.run("metric", "em", "--hyp", pred.toString(), "--ref", gold.toString()));
        assertThat(num(em.get("score"))).isCloseTo(200 / 3.0, within(1e-9));
    }

    @Test
    void crlfAndAMissingFinalNewlineReadAsTheSameLines() throws IOException {
        Path crlf = dir.resolve("crlf.txt");
        Files.writeString(crlf, "The dog bit the man.\r\nIt wasn't surprising.\r\nThe man had just bitten him.");
        Map<String, Object> a = json(CliRun.run("metric", "bleu", "--hyp", crlf.toString(), "--ref", ref1().toString()));
        Map<String, Object> b = json(CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", ref1().toString()));
        assertThat(a.get("score")).isEqualTo(b.get("score"));
    }

    @Test
    void badInputGivesOneClearError() throws IOException {
        Path shortRef = file("short.txt", "only one line");
        CliRun.Result r = CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", shortRef.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: " + shortRef + " has 1 lines but " + dir.resolve("hyp.txt")
                + " has 3 (one reference per hypothesis line)");

        Path missing = dir.resolve("nope.txt");
        r = CliRun.run("metric", "chrf", "--hyp", hyp().toString(), "--ref", missing.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: " + missing + ": no such file");

        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'o', 'k', '\n', 'b', (byte) 0xC3, '(', '\n', 'x', '\n'});
        r = CliRun.run("metric", "ter", "--hyp", bad.toString(), "--ref", ref1().toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: " + bad + ": line 2 is not valid UTF-8");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void usageErrorsExit2() throws IOException {
        assertThat(CliRun.run("metric", "meteor", "--hyp", hyp().toString(), "--ref", ref1().toString()).code()).isEqualTo(2);
        assertThat(CliRun.run("metric", "bleu", "--hyp", hyp().toString()).code()).isEqualTo(2);
        CliRun.Result r = CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", ref1().toString(), "--stemmer");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--stemmer is an option of rouge, not of bleu");
        assertThat(CliRun.run("metric", "bleu", "--hyp", hyp().toString(), "--ref", ref1().toString(), "--tokenize", "xx").code())
                .isEqualTo(2);
        assertThat(CliRun.run("metric", "rouge", "--hyp", hyp().toString(), "--ref", ref1().toString(), "--rouge-types", "rouge0")
                .code()).isEqualTo(2);
        assertThat(CliRun.run("metric", "rouge", "--hyp", hyp().toString(), "--ref", ref1().toString(), "--ref", ref2().toString())
                .code()).isEqualTo(2);
    }
}
