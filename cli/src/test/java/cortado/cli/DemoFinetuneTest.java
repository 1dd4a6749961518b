package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's QLoRA stage end to end on a budget of seconds, on the tiny random preset (no pretraining to wait for):
 * quantized to NF4, wrapped with LoRA, trained on completion-only rows of a question set in the demo's format, then
 * greedy answers stopping at the newline, exact match, and the adapter in PEFT's format. A random base's frozen tied
 * embeddings keep every logit small, so in a few dozen steps LoRA learns an answer that follows from the question
 * ("What does the cow say?" -> "moo") but not one it must read from the story; that reading is what
 * cortado.bench.QloraQualityMain measures on the pretrained demo model.
 */
class DemoFinetuneTest {
    @TempDir Path dir;

    static final String[] NAMES = {"Tom", "Lily", "Max", "Anna", "Ben", "Mia", "Sam", "Lucy", "Jack", "Emma"};

    /** 40 one-line stories with one question each, in the resource's block format. */
    static String questionSet() {
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < 40; s++)
            b.append(NAMES[s % NAMES.length]).append(" met ").append(s % 3 + 2).append(" cows.\n")
                    .append("Q: What does the cow say?\nA: moo\n\n");
        return b.toString();
    }

    @Test
    void qloraRaisesHeldOutExactMatchAndSavesAPeftAdapter() throws Exception {
        DemoQa.Split qa = DemoQa.parse(questionSet(), "test set");
        assertThat(qa.heldOut()).hasSize(4);
        CausalLm model = Presets.create("gpt2-tiny", 5);
        QaFinetune.Recipe recipe = new QaFinetune.Recipe(QaFinetune.Method.QLORA, 60, 8, 64, 1e-2f, 6, 8, 16, 0.05, true, 1);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        DemoFinetune.Result r = DemoFinetune.run(model, qa, recipe, dir.resolve("checkpoint"), dir,
                new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);

        assertThat(r.before().exactMatch()).as(printed).isZero();
        assertThat(r.after().exactMatch()).as(printed).isEqualTo(1.0);
        assertThat(r.after().answers()).containsOnly("moo");
        assertThat(r.after().loss()).as(printed).isLessThan(r.before().loss());
        assertThat(model.module().get("transformer.h.0.attn.c_attn.base_layer")).isInstanceOf(Linear4bit.class);
        // PEFT's line counts the NF4 weights as the fp32 parameters they replace (bitsandbytes' Params4bit: 2 per byte),
        // and each trained norm twice (the original and its modules_to_save copy): ln_1, ln_2 of 2 layers and ln_f.
        long fp32 = Presets.create("gpt2-tiny", 5).module().parameterCount(), adapters = 8L * (32 + 96) * 2
                + 8L * (32 + 32) * 2 + 8L * (32 + 128) * 2 + 8L * (128 + 32) * 2 + 5 * (32 + 32);
        assertThat(printed).contains(PeftModel.trainableLine(adapters, fp32 + adapters))
                .contains("held-out exact match 0.0% -> 100.0%");
        assertThat(cortado.data.json.Json.parseObject(Files.readString(dir.resolve("adapter/adapter_config.json")))
                .get("base_model_name_or_path")).isEqualTo(dir.resolve("checkpoint").toString());

        // The adapter saved by the stage, loaded on a freshly quantized copy of the same base, answers the same.
        CausalLm base = Presets.create("gpt2-tiny", 5);
        ModelQuantizer.quantize(base, new QuantizeSpec("nf4", 64, true, QuantizeSpec.DEFAULT_SKIP));
        PeftModel loaded = AdapterFiles.load(base, dir.resolve("adapter"));
        assertThat(QaEval.answers(loaded.model(), qa.heldOut())).isEqualTo(r.after().answers());
    }

    @Test
    void aMalformedQuestionSetNamesTheLine() {
        assertThatThrownBy(() -> DemoQa.parse("A story.\nQ: Who?\nB: nobody\n", "qa.txt"))
                .isInstanceOf(CliException.class).hasMessage("qa.txt: line 3: expected 'A: ...' after the question");
        assertThatThrownBy(() -> DemoQa.parse("A story.\n\nQ: Who?\nA: x\n", "qa.txt"))
                .isInstanceOf(CliException.class).hasMessageContaining("line 1: a story without questions");
    }

    @Test
    void theEmbeddedSetHoldsOutTheLastTenPercentOfItsStories() throws Exception {
        DemoQa.Split qa = DemoQa.load();
        assertThat(qa.train().size() + qa.heldOut().size()).isGreaterThanOrEqualTo(2000);
        assertThat(qa.heldOut()).hasSize((qa.train().size() + qa.heldOut().size()) / 10);
        List<String> heldStories = qa.heldOut().stream().map(DemoQa.Pair::story).distinct().toList();
        assertThat(qa.train()).noneMatch(p -> heldStories.contains(p.story()));
        for (DemoQa.Pair p : qa.train()) // every answer is read from the story (a kind of animal: its last word)
            assertThat(p.story()).contains(p.answer().startsWith("a ") && !p.question().startsWith("What did") ? p.answer().substring(p.answer().indexOf(' ') + 1) : p.answer());
    }
}
