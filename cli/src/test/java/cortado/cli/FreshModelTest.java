package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.Presets;
import cortado.nn.models.gpt2.Gpt2Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain --model DIR} where DIR holds only a config.json, {@code --config key=value,...} on presets, and the
 * vocabulary following {@code --tokenizer}: a model of the user's own size, trained, saved and generated from.
 */
class FreshModelTest {
    @TempDir static Path dir;
    static Path text, tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        text = dir.resolve("t.txt");
        Files.writeString(text, "the cat sat on the mat. the dog ran to the park.\n".repeat(120), StandardCharsets.UTF_8);
        tokenizer = dir.resolve("tok.json");
        CliRun.Result r = CliRun.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "290",
                "--out", tokenizer.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    static Path configOnly(String name, String json) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), json);
        return d;
    }

    static CliRun.Result pretrain(String... extra) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--data", text.toString(), "--steps", "3", "--batch", "2",
                "--seq", "16", "--val-every", "0", "--threads", "1"));
        a.addAll(List.of(extra));
        return CliRun.run(a.toArray(String[]::new));
    }

    @Test
    void aConfigOnlyDirectoryTrainsAndItsVocabularyFollowsTheTokenizer() throws Exception {
        Path m = configOnly("llama-cfg", """
                {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64, "vocab_size": 32000}""");
        Path out = dir.resolve("llama-run");
        CliRun.Result r = pretrain("--model", m.toString(), "--tokenizer", tokenizer.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Tokenizer tok = Tokenizers.open(tokenizer);
        Path ckpt = out.resolve("checkpoint");
        Map<String, Object> saved = HfCheckpoint.readConfig(ckpt);
        assertThat(saved).containsEntry("vocab_size", (long) tok.vocabSize())
                .containsEntry("eos_token_id", (long) tok.endOfTextId())
                .containsEntry("num_key_value_heads", 2L).containsEntry("head_dim", 8L);
        assertThat(ckpt.resolve("tokenizer.json")).isRegularFile();
        CausalLm back = HfCheckpoint.load(ckpt);
        assertThat(back.config().vocabSize()).isEqualTo(tok.vocabSize());

        Path prompts = dir.resolve("p.jsonl"), completions = dir.resolve("c.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"the cat\"}\n");
        r = CliRun.run("generate", "--model", out.toString(), "--prompts", prompts.toString(), "--out",
                completions.toString(), "--max-new-tokens", "4", "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.parseObject(Files.readAllLines(completions).get(0))).containsKey("completion");
    }

    @Test
    void everyFamilyTrainsFromConfigJsonAlone() throws Exception {
        for (String type : List.of("gpt2", "mistral", "qwen2", "qwen3")) {
            String json = type.equals("gpt2")
                    ? "{\"model_type\": \"gpt2\", \"n_embd\": 32, \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 32}"
                    : "{\"model_type\": \"" + type + "\", \"hidden_size\": 32, \"intermediate_size\": 48,"
                            + " \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                            + " \"head_dim\": 8, \"max_position_embeddings\": 32}";
            Path m = configOnly(type + "-cfg", json);
            Path out = dir.resolve(type + "-run");
            CliRun.Result r = pretrain("--model", m.toString(), "--tokenizer", tokenizer.toString(), "--out",
                    out.toString(), "--steps", "1");
            assertThat(r.code()).as(type + ": " + r.err()).isZero();
            assertThat(HfCheckpoint.readConfig(out.resolve("checkpoint"))).containsEntry("model_type", type)
                    .containsEntry("vocab_size", (long) Tokenizers.open(tokenizer).vocabSize());
        }
    }

    @Test
    void aNewModelIsDrawnWithItsFamilysInitFromTheSeed() throws Exception {
        Path m = configOnly("qwen3-init", """
                {"model_type": "qwen3", "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "vocab_size": 257,
                 "max_position_embeddings": 32}""");
        CausalLm fresh = PretrainCommand.freshModel(m.toString(), null, null, 7);
        Map<String, Object> json = HfCheckpoint.readConfig(m);
        json.put("eos_token_id", 256L);   // the byte tokenizer's end of text
        json.put("bos_token_id", null);
        CausalLm reference = Models.fromConfig(json, 7);
        assertThat(fresh.config()).isEqualTo(reference.config());
        Map<String, Parameter> a = fresh.module().namedParameters(), b = reference.module().namedParameters();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String k : a.keySet()) assertThat(a.get(k).value().toArray()).as(k).isEqualTo(b.get(k).value().toArray());

        // GPT-2 with --config: N(0, 0.02) weights, c_proj at 0.02 / sqrt(2 n_layer), as GPT2PreTrainedModel._init_weights.
        CausalLm g = PretrainCommand.freshModel("gpt2-tiny", "n_layer=8,n_embd=64,n_head=4", null, 3);
        assertThat(((Gpt2Config) g.config()).nLayer()).isEqualTo(8);
        Map<String, Parameter> p = g.module().namedParameters();
        assertThat(std(p.get("transformer.h.0.attn.c_attn.weight").value().toArray())).isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.001));
        assertThat(std(p.get("transformer.h.0.mlp.c_proj.weight").value().toArray()))
                .isCloseTo(0.02 / Math.sqrt(16), org.assertj.core.data.Offset.offset(0.0003));
        // a preset without --config and --tokenizer is the preset, bit for bit
        CausalLm preset = PretrainCommand.freshModel("gpt2-tiny", null, null, 3), direct = Presets.create("gpt2-tiny", 3);
        assertThat(preset.module().namedParameters().get("transformer.wte.weight").value().toArray())
                .isEqualTo(direct.module().namedParameters().get("transformer.wte.weight").value().toArray());
    }

    static double std(float[] x) {
        double s = 0, s2 = 0;
        for (float v : x) { s += v; s2 += (double) v * v; }
        double mean = s / x.length;
        return Math.sqrt(s2 / x.length - mean * mean);
    }

    @Test
    void configOverridesAPresetAndItsErrorsNameTheKey() throws Exception {
        Path out = dir.resolve("cfg-run");
        CliRun.Result r = pretrain("--model", "gpt2-tiny", "--config", "n_layer=1,n_positions=128,n_embd=48,n_head=3",
                "--seq", "100", "--out", out.toString(), "--steps", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(HfCheckpoint.readConfig(out.resolve("checkpoint"))).containsEntry("n_layer", 1L)
                .containsEntry("n_positions", 128L).containsEntry("n_embd", 48L).containsEntry("n_inner", 192L);

        r = pretrain("--model", "gpt2-tiny", "--config", "n_layers=1", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --config n_layers: not a field of a gpt2 config").hasLineCount(1);
        r = pretrain("--model", "gpt2-tiny", "--config", "n_head=5", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --config: n_head (5) does not divide n_embd (32)\n");
        r = pretrain("--model", "llama-tiny", "--config", "num_key_value_heads=half", "--out", out.toString());
        assertThat(r.err()).isEqualTo("error: --config num_key_value_heads: must be an integer, got \"half\"\n");
        // trained weights keep their shape
        r = pretrain("--model", out.resolve("checkpoint").toString(), "--config", "n_layer=2", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--config sets the fields of a new model").contains("holds trained weights");
        // a broken config.json names the file
        Path bad = configOnly("bad-cfg", "{\"model_type\": \"gpt2\", \"n_embd\": 30, \"n_head\": 4}");
        r = pretrain("--model", bad.toString(), "--out", out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + bad.resolve("config.json") + ": n_head (4) does not divide n_embd (30)\n");
        // vocab_size set explicitly wins over the tokenizer, and must still hold it
        r = pretrain("--model", "gpt2-tiny", "--tokenizer", tokenizer.toString(), "--config", "vocab_size=100",
                "--out", out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("more than the model's vocabulary of 100");
    }
}
