package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Models;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters at the command line: {@code --adapter} on perplexity and generate (several, the last one active), merge,
 * and the bad adapters of issue 9's must-show 6, each one {@code error:} line with exit status 1.
 */
class AdapterCommandsTest {
    @TempDir static Path dir;
    static Path base, text, allLinear, attnOnly;

    @BeforeAll
    static void setUp() throws Exception {
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 5), base);
        text = dir.resolve("t.txt");
        Files.writeString(text, "a bird in the hand is worth two in the bush. ".repeat(40), StandardCharsets.UTF_8);
        allLinear = train("all", "--target-modules", "all-linear", "--r", "4");
        attnOnly = train("attn", "--r", "2", "--alpha", "4");
    }

    private static Path train(String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("finetune", "--model", base.toString(), "--data",
                text.toString(), "--out", out.toString(), "--steps", "5", "--batch", "2", "--seq", "16", "--lr", "2e-2"));
        args.addAll(List.of(extra));
        CliRun.Result r = CliRun.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    private static double perplexity(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("perplexity", "--data", text.toString(), "--seq", "32",
                "--stride", "12"));
        all.addAll(List.of(args));
        CliRun.Result r = CliRun.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> json = Json.parseObject(r.out().strip());
        assertThat(json.keySet()).containsExactly("perplexity", "tokens");
        return ((Number) json.get("perplexity")).doubleValue();
    }

    @Test
    void perplexityAppliesTheLastAdapterGivenAndMergeKeepsIt() {
        double plain = perplexity("--model", base.toString());
        double withAll = perplexity("--model", base.toString(), "--adapter", allLinear.toString());
        double withAttn = perplexity("--model", base.toString(), "--adapter", attnOnly.toString());
        assertThat(withAll).isNotEqualTo(plain).isLessThan(plain);   // trained on this very text
        assertThat(withAttn).isNotEqualTo(plain).isNotEqualTo(withAll);
        // Two adapters loaded: only the last one computes (the first stays inactive).
        assertThat(perplexity("--model", base.toString(), "--adapter", allLinear.toString(), "--adapter",
                "b=" + attnOnly)).isEqualTo(withAttn);
        assertThat(perplexity("--model", base.toString(), "--adapter", "b=" + attnOnly, "--adapter",
                allLinear.toString())).isEqualTo(withAll);

        // merge_and_unload: the merged model computes the adapted model (fp32 rounding of W + s·BA apart).
        Path merged = dir.resolve("merged");
        CliRun.Result m = CliRun.run("merge", "--model", base.toString(), "--adapter", allLinear.toString(), "--out",
                merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out()).contains("(LORA, 8 layers)");
        assertThat(merged.resolve("config.json")).exists();
        assertThat(merged.resolve(AdapterFiles.CONFIG)).doesNotExist();
        assertThat(perplexity("--model", merged.toString())).isCloseTo(withAll, org.assertj.core.data.Percentage.withPercentage(1e-4));
    }

    @Test
    void generateSaysWhichAdaptersAreLoadedAndWhichIsActive() {
        CliRun.Result r = CliRun.run("generate", "--model", base.toString(), "--prompt", "a bird", "--max-new-tokens",
                "3", "--temperature", "0", "--adapter", allLinear.toString(), "--adapter", "b=" + attnOnly);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("adapters: default=" + allLinear + ", b=" + attnOnly + "; active: b");
        CliRun.Result dup = CliRun.run("generate", "--model", base.toString(), "--prompt", "x", "--adapter",
                "b=" + allLinear, "--adapter", "b=" + attnOnly);
        assertThat(dup.code()).isEqualTo(Main.USAGE);
        assertThat(dup.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("two adapters called 'b'"));
    }

    /**
     * A prompt-learning adapter on the inference commands: perplexity and generate run the prompt-learning model (the
     * prefix trained on this text lowers its perplexity), and merge refuses it in one line.
     */
    @Test
    void promptLearningAdaptersRunInPerplexityAndGenerateAndMergeRefusesThem() {
        Path prefix = train("prefix", "--method", "prefix-tuning", "--num-virtual-tokens", "4");
        double plain = perplexity("--model", base.toString());
        assertThat(perplexity("--model", base.toString(), "--adapter", prefix.toString())).isLessThan(plain);
        CliRun.Result g = CliRun.run("generate", "--model", base.toString(), "--prompt", "a bird", "--max-new-tokens",
                "3", "--temperature", "0", "--adapter", prefix.toString());
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.err()).contains("adapters: default=" + prefix + "; active: default");
        oneError(CliRun.run("merge", "--model", base.toString(), "--adapter", prefix.toString(), "--out",
                dir.resolve("merged-prefix").toString()), "PREFIX_TUNING adds virtual tokens", "nothing to merge");
    }

    /**
     * A LLaMA-Adapter on the inference commands: perplexity runs the adapted attentions (the prompts trained on this
     * text lower its perplexity), generate decodes with them through the KV cache, and merge refuses it in one line.
     */
    @Test
    void adaptionPromptAdaptersRunInPerplexityAndGenerateAndMergeRefusesThem() {
        Path adapter = train("adaption", "--method", "adaption-prompt", "--adapter-len", "4");
        double plain = perplexity("--model", base.toString());
        assertThat(perplexity("--model", base.toString(), "--adapter", adapter.toString())).isLessThan(plain);
        CliRun.Result g = CliRun.run("generate", "--model", base.toString(), "--prompt", "a bird", "--max-new-tokens",
                "3", "--temperature", "0", "--adapter", adapter.toString());
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.err()).contains("adapters: default=" + adapter + "; active: default");
        oneError(CliRun.run("merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("merged-adaption").toString()), "ADAPTION_PROMPT adds attention", "nothing to merge");
    }

    /** Exit status 1 and exactly one line, {@code error: } and the expected words. */
    private static void oneError(CliRun.Result r, String... words) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.FAILURE);
        List<String> lines = r.err().lines().toList();
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).startsWith("error: ").contains(words);
    }

    private static Path copyAdapter(String name) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        for (String f : List.of(AdapterFiles.CONFIG, AdapterFiles.WEIGHTS))
            Files.copy(attnOnly.resolve(f), d.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return d;
    }

    @Test
    void badAdaptersAreOneErrorLineEach() throws Exception {
        // A target pattern that matches nothing: the error lists the names it could have matched.
        CliRun.Result none = CliRun.run("finetune", "--model", base.toString(), "--data", text.toString(), "--out",
                dir.resolve("none").toString(), "--seq", "16", "--target-modules", "q_proj,v_proj");
        oneError(none, "matched no module", "c_attn");
        CliRun.Result noneRegex = CliRun.run("finetune", "--model", base.toString(), "--data", text.toString(), "--out",
                dir.resolve("none").toString(), "--seq", "16", "--target-modules", ".*\\.nothing");
        oneError(noneRegex, "matched no module");

        // An adapter made for another base (width 48, not 32): the shape mismatch names the tensor.
        Map<String, Object> wider = new LinkedHashMap<>();
        wider.put("model_type", "gpt2");
        wider.put("n_embd", 48L);
        wider.put("n_head", 4L);
        wider.put("n_layer", 2L);
        wider.put("n_positions", 64L);
        wider.put("vocab_size", 257L);
        Path other = dir.resolve("other-base");
        HfCheckpoint.save(Models.fromConfig(wider, 1), other);
        oneError(CliRun.run("perplexity", "--model", other.toString(), "--data", text.toString(), "--adapter",
                attnOnly.toString()), "transformer.h.0.attn.c_attn.lora_A.weight", "shape");
        oneError(CliRun.run("merge", "--model", other.toString(), "--adapter", attnOnly.toString(), "--out",
                dir.resolve("m2").toString()), "lora_A.weight", "shape");

        // An unknown peft_type.
        Path unknown = copyAdapter("unknown-type");
        Map<String, Object> cfg = Json.parseObject(Files.readString(unknown.resolve(AdapterFiles.CONFIG)));
        cfg.put("peft_type", "NOT_A_TUNER");
        Files.writeString(unknown.resolve(AdapterFiles.CONFIG), Json.write(cfg));
        oneError(CliRun.run("generate", "--model", base.toString(), "--prompt", "a", "--adapter", unknown.toString()),
                "peft_type", "NOT_A_TUNER");

        // A corrupt adapter_config.json.
        Path corrupt = copyAdapter("corrupt");
        Files.writeString(corrupt.resolve(AdapterFiles.CONFIG), "{\"peft_type\": \"LORA\", \"r\": ");
        oneError(CliRun.run("perplexity", "--model", base.toString(), "--data", text.toString(), "--adapter",
                corrupt.toString()), corrupt.resolve(AdapterFiles.CONFIG).toString(), "not valid JSON");
        oneError(CliRun.run("perplexity", "--model", base.toString(), "--data", text.toString(), "--adapter",
                dir.resolve("no-such-adapter").toString()), "adapter_config.json", "no such file");
    }

    @Test
    void perplexityRejectsABadWindowAsUsage() {
        CliRun.Result r = CliRun.run("perplexity", "--model", base.toString(), "--data", text.toString(), "--seq", "16",
                "--stride", "17");
        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("--stride 17");
    }
}
