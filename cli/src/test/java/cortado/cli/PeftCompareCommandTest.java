package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.peft.PeftConfig;
import cortado.peft.PeftModel;
import cortado.train.MetricsLog;
import cortado.train.TokenData;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado peft-compare} end to end on a random-init demo-preset directory (256 positions, as the question set's
 * rows need), three methods for two steps, each in its child JVM: the table's figures are checked against the same
 * quantities computed directly here, and bad input is refused with one error line.
 */
class PeftCompareCommandTest {
    @TempDir static Path dir;
    static Path base, qa, out;
    static CliRun.Result run;
    static Map<String, Map<String, String>> csv;

    @BeforeAll
    static void setUp() throws Exception {
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("demo", 3), base);
        qa = dir.resolve("qa.txt");
        StringBuilder sb = new StringBuilder();
        String[] names = {"Tom", "Ann", "Bo", "Kim", "Lee", "Max", "Sue", "Jo", "Al", "Eve"};
        for (String n : names)
            sb.append(n).append(" had a red ball and a blue cup.\nQ: Who had a ball?\nA: ").append(n)
                    .append("\nQ: What color was the cup?\nA: blue\n\n");
        Files.writeString(qa, sb.toString(), StandardCharsets.UTF_8);
        out = dir.resolve("out");
        run = CliRun.run("peft-compare", "--model", base.toString(), "--data", qa.toString(), "--steps", "2",
                "--batch", "3", "--methods", "frozen,full,lora", "--out", out.toString(), "--corpus-tokens", "600", "--threads", "1");
        csv = readCsv(out.resolve(PeftCompareTable.CSV));
    }

    private static Map<String, Map<String, String>> readCsv(Path f) throws Exception {
        List<String> lines = Files.readAllLines(f);
        String[] header = lines.get(0).split(",", -1);
        assertThat(String.join(",", header)).isEqualTo(PeftCompareTable.CSV_HEADER);
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertThat(cells).as(line).hasSameSizeAs(header);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) row.put(header[i], cells[i]);
            rows.put(cells[0], row);
        }
        return rows;
    }

    private static double num(String method, String column) { return Double.parseDouble(csv.get(method).get(column)); }

    @Test
    void writesEveryRowInEveryOutput() throws Exception {
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(csv.keySet()).containsExactly("frozen", "full", "lora");
        List<String> md = Files.readAllLines(out.resolve(PeftCompareTable.MARKDOWN));
        assertThat(md).hasSize(2 + 3);
        for (String line : md) assertThat(line.chars().filter(c -> c == '|').count()).as(line).isEqualTo(10);
        assertThat(MetricsLog.read(out.resolve("metrics.jsonl"))).extracting(r -> r.get("method"))
                .containsExactly("frozen", "full", "lora");
        BufferedImage png = ImageIO.read(out.resolve(PeftCompareTable.CHART).toFile());
        assertThat(png.getWidth()).isGreaterThan(300);
        assertThat(run.out()).contains("[1/3] frozen", "[3/3] lora");
        // two held-out pairs (the last of ten stories); each trained row has its step metrics
        assertThat(num("lora", "heldout_pairs")).isEqualTo(2);
        assertThat(MetricsLog.read(out.resolve("runs/lora/metrics.jsonl"))).hasSize(2);
        for (String m : List.of("full", "lora")) {
            assertThat(num(m, "median_step_ms")).isPositive();
            // --batch 3 rows of 256 positions a step
            assertThat(num(m, "tokens_per_s")).isCloseTo(3 * 256 / (num(m, "median_step_ms") / 1000), within(0.5));
        }
        for (String m : csv.keySet()) assertThat(num(m, "peak_rss_mb")).isGreaterThan(10);
        assertThat(csv.get("frozen").get("median_step_ms")).isEmpty();
    }

    @Test
    void trainableCountsAreTheMethodsOwn() throws Exception {
        CausalLm model = HfCheckpoint.load(base);
        long all = model.module().parameterCount();
        assertThat(num("full", "trainable_params")).isEqualTo(all);
        assertThat(num("full", "trainable_pct")).isEqualTo(100.0);
        assertThat(num("frozen", "trainable_params")).isZero();
        // the adapter finetune --method lora makes with its default flags, counted by PEFT's rule
        Args a = FinetuneCommand.args().parse(new String[] {"--model", base.toString(), "--data", qa.toString(),
                "--out", dir.resolve("x").toString()});
        PeftConfig c = FinetuneMethods.named("lora").adapter().make(a, base.toString());
        long[] counts = PeftModel.wrap(model, c, 1337).trainableAndAll();
        assertThat(counts[0]).isPositive().isLessThan(all);
        assertThat(num("lora", "trainable_params")).isEqualTo(counts[0]);
        assertThat(num("lora", "all_params")).isEqualTo(counts[1]);
        assertThat(num("lora", "trainable_pct")).isCloseTo(100.0 * counts[0] / counts[1], within(1e-9));
    }

    @Test
    void frozenRowIsTheBaseEvaluatedDirectly() throws Exception {
        CausalLm model = HfCheckpoint.load(base);
        List<DemoQa.Pair> heldOut = DemoQa.parse(Files.readString(qa), qa.toString()).heldOut();
        QaEval.Result direct = QaEval.evaluate(model, heldOut, QaFinetune.SEQ);
        // the child ran the same code on the same weights with one thread, as here: equal to rounding
        assertThat(num("frozen", "heldout_loss")).isCloseTo(direct.loss(), within(1e-6));
        assertThat(num("frozen", "exact_match")).isEqualTo(direct.exactMatch());
        TokenData text = TokenData.of(new cortado.data.tokenizer.ByteTokenizer().encode(DemoCommand.corpus()), "c");
        TokenData tail = TrainingRun.splitTail(text, 0.1, DemoCommand.SEQ)[1].slice(0, 601);
        double corpus = ValidationPerplexity.evaluate(model, tail, QaFinetune.SEQ, 8).loss();
        assertThat(num("frozen", "corpus_loss")).isCloseTo(corpus, within(1e-6));
        // training moved the trained rows off the base
        assertThat(num("full", "heldout_loss")).isNotCloseTo(direct.loss(), within(1e-4));
        assertThat(num("lora", "corpus_loss")).isNotCloseTo(corpus, within(1e-6));
    }

    @Test
    void virtualTokensShrinkToWhatTheModelsPositionsHold() throws Exception {
        // 80 positions; the longest example ("... cup?\nA: blue\n", 70 bytes) needs 69: 11 virtual tokens fit, not 20
        Path shortModel = dir.resolve("short");
        CausalLm m = cortado.nn.models.Models.fromConfig(Map.of("model_type", "gpt2", "vocab_size", 257L,
                "n_positions", 80L, "n_embd", 32L, "n_layer", 1L, "n_head", 2L), 4);
        HfCheckpoint.save(m, shortModel);
        assertThat(PeftTrial.positionsNeeded(DemoQa.parse(Files.readString(qa), qa.toString()))).isEqualTo(69);
        Path o = dir.resolve("virtual");
        CliRun.Result r = CliRun.run("peft-compare", "--model", shortModel.toString(), "--data", qa.toString(),
                "--steps", "1", "--batch", "2", "--methods", "prompt-tuning", "--out", o.toString(),
                "--corpus-tokens", "200", "--threads", "1");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("prompt-tuning: 11 virtual tokens");
        assertThat(Files.readString(o.resolve(PeftCompareTable.MARKDOWN))).contains(
                "- prompt-tuning: 11 virtual tokens, not 20: the longest example takes 69 of the model's 80 positions");
        Map<String, Map<String, String>> rows = readCsv(o.resolve(PeftCompareTable.CSV));
        assertThat(Double.parseDouble(rows.get("prompt-tuning").get("trainable_params"))).isEqualTo(11 * 32);
        // rows of the 69 positions beside the virtual tokens
        double ms = Double.parseDouble(rows.get("prompt-tuning").get("median_step_ms"));
        assertThat(Double.parseDouble(rows.get("prompt-tuning").get("tokens_per_s"))).isCloseTo(2 * 69 / (ms / 1000),
                within(0.5));
    }

    @Test
    void badInputIsOneErrorLine() {
        CliRun.Result r = CliRun.run("peft-compare", "--model", base.toString(), "--methods", "lora,nope",
                "--out", dir.resolve("bad").toString());
        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.err().strip().lines().toList()).singleElement().asString()
                .startsWith("error: --methods: unknown method 'nope'");
        CliRun.Result noModel = CliRun.run("peft-compare", "--model", dir.resolve("missing").toString(),
                "--out", dir.resolve("bad2").toString());
        assertThat(noModel.err().strip().lines().toList()).singleElement().asString()
                .startsWith("error: ").contains("missing");
        CliRun.Result badSet = CliRun.run("peft-compare", "--model", base.toString(), "--data", base.resolve("config.json").toString(),
                "--out", dir.resolve("bad3").toString());
        assertThat(badSet.err().strip().lines().toList()).singleElement().asString()
                .startsWith("error: " + base.resolve("config.json"));
        assertThat(Arrays.asList(dir.resolve("bad").toFile().list() == null ? new String[0]
                : dir.resolve("bad").toFile().list())).isEmpty();
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(PeftTrial.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(PeftTrial.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(PeftTrial.median(List.of())).isNaN();
    }
}
