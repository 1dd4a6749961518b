package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.peft.bottleneck.BottleneckTuner;
import cortado.peft.PeftModel;
import cortado.peft.lora.LoraLayer;
import cortado.quant.nn.Linear4bit;
import cortado.tensor.Tensor;
import cortado.train.MetricsLog;
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
 * {@code cortado finetune} end to end on a byte-level gpt2-tiny directory: LoRA, QLoRA and full fine-tuning, resuming,
 * JSONL data, the trainable line, and the methods and flags that do not exist being refused.
 */
class FinetuneCommandTest {
    @TempDir static Path dir;
    static Path base, text;

    @BeforeAll
    static void setUp() throws Exception {
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
        text = dir.resolve("stories.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 60; i++) sb.append("the cat sat on the mat. the dog ran to the park. ");
        Files.writeString(text, sb.toString(), StandardCharsets.UTF_8);
    }

    static CliRun.Result finetune(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", base.toString(), "--data", text.toString(),
                "--out", out.toString(), "--batch", "2", "--seq", "16", "--lr", "1e-2", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<Double> losses(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .map(r -> ((Number) r.get("loss")).doubleValue()).toList();
    }

    static Tensor logits(CausalLm m) {
        m.module().eval();
        try (NoGrad g = NoGrad.enter()) {
            return m.forward(new int[] {116, 104, 101, 32, 99, 97, 116}, 1, 7);
        }
    }

    @Test
    void doraAndGaussianInitWritePeftsFields() throws Exception {
        Path out = dir.resolve("dora");
        CliRun.Result r = finetune(out, "--method", "dora", "--r", "4", "--init", "gaussian", "--steps", "2");
        assertThat(r.code()).as(r.err()).isZero();
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("use_dora")).isEqualTo(true);
        assertThat(cfg.get("init_lora_weights")).isEqualTo("gaussian");
        assertThat(cortado.nn.io.Safetensors.load(out.resolve(AdapterFiles.WEIGHTS)).keySet())
                .anyMatch(k -> k.endsWith(".lora_magnitude_vector"));
        // the adapter reloads on the base and runs
        assertThat(logits(AdapterFiles.load(HfCheckpoint.load(base), out).model()).shape()).isNotEmpty();
    }

    @Test
    void loraWritesAPeftAdapterThatReproducesTheTrainedModelAndResumesExactly() throws Exception {
        Path straight = dir.resolve("lora-straight");
        CliRun.Result r = finetune(straight, "--method", "lora", "--r", "4", "--alpha", "8", "--target-modules",
                "all-linear", "--steps", "6", "--save-every", "3");
        assertThat(r.code()).as(r.err()).isZero();
        // gpt2-tiny (C 32, 2 layers), r 4: per layer c_attn 4*(32+96) + attn.c_proj 4*(32+32) + c_fc 4*(32+128)
        // + mlp.c_proj 4*(128+32) = 2048 adapter parameters, on top of the base's own.
        long all = HfCheckpoint.load(base).module().parameterCount() + 2 * 2048;
        assertThat(r.out()).contains(PeftModel.trainableLine(2 * 2048, all));
        assertThat(losses(straight)).hasSize(6);
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(straight.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("LORA");
        assertThat(cfg.get("r")).isEqualTo(4L);
        assertThat(cfg.get("task_type")).isEqualTo("CAUSAL_LM");
        assertThat(cfg.get("base_model_name_or_path")).isEqualTo(base.toString());
        assertThat((List<?>) cfg.get("target_modules")).hasSize(8);
        // The checkpoint holds the adapter and the optimizer, not the base.
        Path ckpt = straight.resolve("checkpoint");
        assertThat(ckpt.resolve(AdapterFiles.WEIGHTS)).exists();
        assertThat(ckpt.resolve("optimizer.safetensors")).exists();
        assertThat(ckpt.resolve("model.safetensors")).doesNotExist();
        assertThat(straight.resolve("loss.png")).exists();

        // Stopped after 3 steps and resumed: the same losses and the same adapter, bit for bit.
        Path split = dir.resolve("lora-split");
        CliRun.Result first = finetune(split, "--method", "lora", "--r", "4", "--alpha", "8", "--target-modules",
                "all-linear", "--steps", "3", "--save-every", "3");
        assertThat(first.code()).as(first.err()).isZero();
        CliRun.Result resumed = finetune(split, "--method", "lora", "--steps", "6", "--save-every", "3", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming at step 3 of 6");
        assertThat(losses(split)).containsExactlyElementsOf(losses(straight));
        Map<String, Tensor> a = Safetensors.load(straight.resolve(AdapterFiles.WEIGHTS)),
                b = Safetensors.load(split.resolve(AdapterFiles.WEIGHTS));
        assertThat(b.keySet()).isEqualTo(a.keySet());
        a.forEach((k, t) -> assertThat(b.get(k).toArray()).as(k).containsExactly(t.toArray()));
        assertThat(a.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").toArray())
                .as("trained B").isNotEqualTo(new float[4 * 96]);

        // The adapter on a fresh base changes the logits (it was trained) and loads under PEFT's keys.
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), straight);
        assertThat(loaded.module().get("transformer.h.1.mlp.c_fc")).isInstanceOf(LoraLayer.class);
        assertThat(logits(loaded.model()).toArray()).isNotEqualTo(logits(HfCheckpoint.load(base)).toArray());
    }

    @Test
    void qloraQuantizesTheBaseToNf4AndTrainsOnlyTheAdapter() throws Exception {
        Path out = dir.resolve("qlora");
        CliRun.Result r = finetune(out, "--method", "qlora", "--r", "8", "--alpha", "16", "--steps", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized 8 linear layers of the base to nf4 (blocksize 64, double quantization)");
        // PEFT counts a 4-bit weight as its in x out parameters, so "all" is the fp32 base's count plus the adapter's.
        assertThat(r.out()).contains(PeftModel.trainableLine(2048, HfCheckpoint.load(base).module().parameterCount() + 2048));
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("target_modules")).isEqualTo(List.of("c_attn"));   // GPT-2's PEFT default
        Map<String, Tensor> w = Safetensors.load(out.resolve(AdapterFiles.WEIGHTS));
        assertThat(w.keySet()).containsExactlyInAnyOrder(
                "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
                "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
                "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight",
                "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
        // No base tensor in the checkpoint: the base is quantized again from --model on resume.
        assertThat(out.resolve("checkpoint").resolve("model.safetensors")).doesNotExist();
        CliRun.Result resumed = finetune(out, "--method", "qlora", "--steps", "5", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(losses(out)).hasSize(5);
        // The adapter goes on a quantized base as well.
        PeftModel onNf4 = AdapterFiles.load(cortado.quant.nn.QuantizedCheckpoint.load(quantizedBase()), out);
        assertThat(((LoraLayer) onNf4.module().get("transformer.h.0.attn.c_attn")).baseLayer()).isInstanceOf(Linear4bit.class);
        CliRun.Result ppl = CliRun.run("perplexity", "--model", quantizedBase().toString(), "--data", text.toString(),
                "--adapter", out.toString());
        assertThat(ppl.code()).as(ppl.err()).isZero();
        // A directory already quantized is the base as it is, for qlora and lora alike.
        CliRun.Result onQuantizedDir = CliRun.run("finetune", "--model", quantizedBase().toString(), "--data",
                text.toString(), "--out", dir.resolve("qlora-on-nf4").toString(), "--method", "qlora", "--steps", "2",
                "--batch", "2", "--seq", "16");
        assertThat(onQuantizedDir.code()).as(onQuantizedDir.err()).isZero();
        assertThat(onQuantizedDir.out()).doesNotContain("quantized 8 linear layers").contains(r.out().lines()
                .filter(l -> l.startsWith("trainable params")).findFirst().orElseThrow());
    }

    private static Path quantizedBase() {
        Path q = dir.resolve("base-nf4");
        if (!Files.exists(q)) {
            CliRun.Result r = CliRun.run("quantize", "--model", base.toString(), "--double-quant", "--out", q.toString());
            assertThat(r.code()).as(r.err()).isZero();
        }
        return q;
    }

    @Test
    void fullFineTuningWritesAWholeModelDirectory() throws Exception {
        Path out = dir.resolve("full");
        CliRun.Result r = finetune(out, "--method", "full", "--steps", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("|| trainable%: 100.0000");
        CausalLm tuned = HfCheckpoint.load(out.resolve("checkpoint"));
        assertThat(logits(tuned).toArray()).isNotEqualTo(logits(HfCheckpoint.load(base)).toArray());
        // A quantized base cannot be trained whole.
        CliRun.Result q = CliRun.run("finetune", "--model", quantizedBase().toString(), "--data", text.toString(),
                "--method", "full", "--out", dir.resolve("full-q").toString());
        assertThat(q.code()).isEqualTo(Main.FAILURE);
        assertThat(q.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains("qlora"));
    }

    @Test
    void jsonlDataTrainsAndABadLineIsOneErrorNamingFileAndLine() throws Exception {
        Path good = dir.resolve("docs.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) sb.append("{\"text\": \"question ").append(i).append(": where is the cat? on the mat.\"}\n");
        Files.writeString(good, sb.toString());
        CliRun.Result ok = CliRun.run("finetune", "--model", base.toString(), "--data", good.toString(), "--out",
                dir.resolve("jsonl").toString(), "--steps", "2", "--batch", "2", "--seq", "16");
        assertThat(ok.code()).as(ok.err()).isZero();

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"fine\"}\n\n{\"text\": 3}\n");
        CliRun.Result r = CliRun.run("finetune", "--model", base.toString(), "--data", bad.toString(), "--out",
                dir.resolve("bad").toString(), "--seq", "16");
        assertThat(r.code()).as(r.err()).isEqualTo(Main.FAILURE);
        assertThat(r.err().lines().toList()).containsExactly("error: " + bad + ":3: expected {\"text\": \"...\"}, \"text\" is not a string");
        Files.writeString(bad, "{\"text\": \"fine\"}\nnot json\n");
        r = CliRun.run("finetune", "--model", base.toString(), "--data", bad.toString(), "--out", dir.resolve("bad").toString(),
                "--seq", "16");
        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: " + bad + ":2: not a JSON object"));
    }

    @Test
    void eightBitAndPagedOptimizersTrainAndResumeExactly() throws Exception {
        for (String kind : List.of("adamw-8bit", "paged-adamw-8bit")) {
            // all-linear at r 64 so that c_fc's adapter (64 x 160 = 10,240) has 8-bit state (4,096 elements and more).
            String[] common = {"--method", "lora", "--target-modules", "all-linear", "--r", "64", "--optimizer", kind};
            Path straight = dir.resolve(kind + "-straight"), split = dir.resolve(kind + "-split");
            List<String> extra = kind.startsWith("paged") ? List.of("--optimizer-memory-cap", "1") : List.of();
            CliRun.Result r = finetune(straight, concat(common, extra, "--steps", "4", "--save-every", "2"));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("optimizer " + kind + ": ");
            assertThat(finetune(split, concat(common, extra, "--steps", "2")).code()).isZero();
            CliRun.Result resumed = finetune(split, concat(common, extra, "--steps", "4", "--resume"));
            assertThat(resumed.code()).as(resumed.err()).isZero();
            assertThat(losses(split)).as(kind).containsExactlyElementsOf(losses(straight));
        }
    }

    private static String[] concat(String[] a, List<String> b, String... c) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(b);
        all.addAll(List.of(c));
        return all.toArray(String[]::new);
    }

    @Test
    void ia3AndBitfitTrainTheirOwnParametersAndLoadBackAsAdapters() throws Exception {
        Path ia3 = dir.resolve("ia3");
        CliRun.Result r = finetune(ia3, "--method", "ia3", "--steps", "3");
        assertThat(r.code()).as(r.err()).isZero();
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(ia3.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("IA3");
        // peft's GPT-2 defaults: c_attn (96 outputs) and mlp.c_proj (feed-forward: its 128 inputs), per layer.
        long all = HfCheckpoint.load(base).module().parameterCount() + 2 * (96 + 128);
        assertThat(r.out()).contains(PeftModel.trainableLine(2 * (96 + 128), all));
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), ia3);
        assertThat(logits(loaded.model()).toArray()).isNotEqualTo(logits(HfCheckpoint.load(base)).toArray());

        Path bitfit = dir.resolve("bitfit");
        r = finetune(bitfit, "--method", "bitfit", "--steps", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(bitfit.resolve("bitfit_config.json")).exists();
        long biases = HfCheckpoint.load(base).module().namedParameters().entrySet().stream()
                .filter(e -> e.getKey().endsWith("bias")).mapToLong(e -> e.getValue().numel()).sum();
        assertThat(r.out()).contains(PeftModel.trainableLine(biases, HfCheckpoint.load(base).module().parameterCount()));
        CliRun.Result resumed = finetune(bitfit, "--method", "bitfit", "--steps", "4", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(losses(bitfit)).hasSize(4);
        CliRun.Result p = CliRun.run("perplexity", "--model", base.toString(), "--data", text.toString(), "--adapter",
                bitfit.toString());
        assertThat(p.code()).as(p.err()).isZero();
    }

    /**
     * LoHa, LoKr, OFT and BOFT (Linear layers only, as in peft: on a tiny Llama), VeRA, LN tuning, FourierFT and
     * LLaMA-Adapter (on GPT-2 too) train a few steps, print the trainable line of the adapter they write, and that adapter loads back in PEFT's format and
     * changes the logits.
     */
    @Test
    void layerMethodsTrainAndWriteAdaptersThatLoadBack() throws Exception {
        Path llama = dir.resolve("llama-base");
        HfCheckpoint.save(Presets.create("llama-tiny", 3), llama);
        record Case(String type, Path base, String... flags) {}
        for (Case c : List.of(
                new Case("LOHA", llama, "--method", "loha", "--r", "4", "--target-modules", "q_proj,v_proj,down_proj"),
                new Case("LOKR", llama, "--method", "lokr", "--r", "2", "--decompose-both", "--rank-dropout", "0.1"),
                new Case("VERA", llama, "--method", "vera", "--r", "16", "--no-save-projection"),
                new Case("VERA", base, "--method", "vera", "--r", "8", "--projection-prng-key", "4"),
                new Case("OFT", llama, "--method", "oft", "--oft-block-size", "8", "--coft", "--coft-eps", "0.5"),
                new Case("BOFT", llama, "--method", "boft", "--boft-block-size", "4", "--boft-butterfly-factor", "2",
                        "--target-modules", "q_proj,v_proj,down_proj"),
                new Case("LN_TUNING", base, "--method", "ln-tuning"),
                new Case("FOURIERFT", base, "--method", "fourierft", "--n-frequency", "64", "--scaling", "20"),
                new Case("FOURIERFT", llama, "--method", "fourierft", "--n-frequency", "50", "--zero-init"),
                new Case("ADAPTION_PROMPT", llama, "--method", "adaption-prompt", "--adapter-len", "4",
                        "--adapter-layers", "1"),
                new Case("ADAPTION_PROMPT", base, "--method", "adaption-prompt", "--adapter-len", "3"))) {
            Path out = dir.resolve("method-" + String.join("", c.flags()).replace("-", "").replace(",", ""));
            List<String> args = new ArrayList<>(List.of("finetune", "--model", c.base().toString(), "--data",
                    text.toString(), "--out", out.toString(), "--batch", "2", "--seq", "16", "--lr", "1e-2", "--threads",
                    "1", "--steps", "3"));
            args.addAll(List.of(c.flags()));
            CliRun.Result r = CliRun.run(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", c.flags()) + ": " + r.err()).isZero();
            Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
            assertThat(cfg.get("peft_type")).isEqualTo(c.type());
            PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(c.base()), out);
            assertThat(r.out()).contains(loaded.trainableLine());
            assertThat(logits(loaded.model()).toArray()).as(c.type())
                    .isNotEqualTo(logits(HfCheckpoint.load(c.base())).toArray());
        }
        CliRun.Result conv1d = finetune(dir.resolve("loha-gpt2"), "--method", "loha", "--steps", "1");
        assertThat(conv1d.code()).isEqualTo(1);
        assertThat(conv1d.err().lines().toList()).hasSize(1)
                .allMatch(l -> l.startsWith("error: ") && l.contains("c_attn (Conv1D) is not supported"));
        for (String[] bad : List.of(new String[] {"--rank-dropout", "0.1", "--method", "vera"},
                new String[] {"--r", "4", "--method", "oft", "--oft-block-size", "8"},
                new String[] {"--boft-block-num", "4", "--method", "boft", "--boft-block-size", "8"},
                new String[] {"--boft-dropout", "0.1", "--method", "oft"},
                new String[] {"--decompose-factor", "0", "--method", "lokr"},
                new String[] {"--coft-eps", "0.1", "--method", "ln-tuning"},
                new String[] {"--adapter-len", "0", "--method", "adaption-prompt"},
                new String[] {"--adapter-len", "4", "--method", "lora"})) {
            CliRun.Result r = finetune(dir.resolve("unused"), bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(Main.USAGE);
            assertThat(r.err().lines().toList()).as(String.join(" ", bad)).hasSize(1)
                    .allMatch(l -> l.startsWith("error: ") && l.contains(bad[0]));
        }
    }

    /** A short finetune run on {@link #text} (batch 2, rows of 16, 1 thread, 4 validation batches) plus {@code extra}. */
    static CliRun.Result finetune(Path model, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", model.toString(), "--data", text.toString(),
                "--out", out.toString(), "--batch", "2", "--seq", "16", "--threads", "1", "--val-batches", "4"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    /** The last validation loss of a run (metrics.jsonl). */
    static double lastValLoss(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(r -> r.get("val_loss") != null)
                .reduce((x, y) -> y).map(r -> ((Number) r.get("val_loss")).doubleValue()).orElseThrow();
    }

    /**
     * adapter-hub's bottleneck adapters (Houlsby, Pfeiffer, parallel, Compacter) each bring the held-out loss below the frozen
     * base's (a full run at lr 0 measures it on the same validation windows), write bottleneck_config.json and
     * bottleneck_model.safetensors under adapter-hub's names, load back, and refuse a flag that does not apply.
     */
    @Test
    void bottleneckAdaptersLowerTheValidationLossBelowTheFrozenBase() throws Exception {
        String[] val = {"--steps", "30", "--val-every", "30", "--val-batches", "4", "--lr", "3e-2"};
        Path frozen = dir.resolve("bn-frozen");
        CliRun.Result f = finetune(frozen, "--method", "full", "--steps", "1", "--val-every", "1", "--val-batches", "4",
                "--lr", "0");
        assertThat(f.code()).as(f.err()).isZero();
        double baseLoss = lastValLoss(frozen);
        for (String[] flags : List.of(new String[] {"--method", "houlsby"},
                new String[] {"--method", "pfeiffer", "--reduction-factor", "4", "--non-linearity", "gelu"},
                new String[] {"--method", "parallel-adapter", "--leave-out", "0"},
                new String[] {"--method", "compacter", "--reduction-factor", "8"})) {
            Path out = dir.resolve("bn-" + String.join("", flags).replace("-", ""));
            List<String> args = new ArrayList<>(List.of(flags));
            args.addAll(List.of(val));
            CliRun.Result r = finetune(out, args.toArray(String[]::new));
            String what = String.join(" ", flags);
            assertThat(r.code()).as(what + ": " + r.err()).isZero();
            Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(BottleneckTuner.CONFIG)));
            assertThat(cfg.get("peft_type")).isEqualTo("BOTTLENECK");
            assertThat(Safetensors.load(out.resolve(BottleneckTuner.WEIGHTS)).keySet())
                    .allMatch(k -> k.contains("_adapters.adapters.default.adapter_")
                            || k.equals("transformer.shared_parameters.default.phm_rule"));
            double loss = lastValLoss(out);
            System.out.printf("%s: validation loss %.4f, frozen base %.4f%n", what, loss, baseLoss);
            assertThat(loss).as(what).isLessThan(baseLoss);
            PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), out);
            assertThat(logits(loaded.model()).toArray()).as(what).isNotEqualTo(logits(HfCheckpoint.load(base)).toArray());
        }
        // The adapter file is the trained tensors themselves, so a run resumes from it.
        CliRun.Result resumed = finetune(dir.resolve("bn-methodhoulsby"), "--method", "houlsby", "--steps", "32",
                "--lr", "3e-2", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming at step 30 of 32");
        CliRun.Result r = finetune(dir.resolve("unused"), "--method", "houlsby", "--r", "4");
        assertThat(r.code()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("--r does not apply to --method houlsby");
    }

    /**
     * Prompt tuning (random and sampled-vocabulary init), P-tuning (MLP, LSTM), prefix tuning (with and without the
     * projection) and LLaMA-Adapter (adaption-prompt, every layer of the GPT-2 demo) each bring the held-out loss below the frozen base's (a full run at lr 0 measures it on the same
     * validation windows), write a PEFT adapter that loads back, and refuse what does not apply.
     */
    @Test
    void promptLearningMethodsLowerTheValidationLossBelowTheFrozenBase() throws Exception {
        String[] val = {"--steps", "30", "--val-every", "30", "--val-batches", "4", "--lr", "3e-2"};
        Path frozen = dir.resolve("prompt-frozen");
        CliRun.Result f = finetune(frozen, "--method", "full", "--steps", "1", "--val-every", "1", "--val-batches", "4",
                "--lr", "0");
        assertThat(f.code()).as(f.err()).isZero();
        double baseLoss = lastValLoss(frozen);
        record Case(String type, String... flags) {}
        Path ptuning = null;
        for (Case c : List.of(
                new Case("PROMPT_TUNING", "--method", "prompt-tuning", "--num-virtual-tokens", "8"),
                new Case("PROMPT_TUNING", "--method", "prompt-tuning", "--num-virtual-tokens", "4", "--prompt-init",
                        "sample-vocab"),
                new Case("P_TUNING", "--method", "p-tuning", "--num-virtual-tokens", "4", "--encoder-hidden-size", "16"),
                new Case("P_TUNING", "--method", "p-tuning", "--num-virtual-tokens", "3", "--encoder-type", "lstm",
                        "--encoder-hidden-size", "8", "--encoder-num-layers", "1"),
                new Case("PREFIX_TUNING", "--method", "prefix-tuning", "--num-virtual-tokens", "4"),
                new Case("PREFIX_TUNING", "--method", "prefix-tuning", "--num-virtual-tokens", "4", "--prefix-projection",
                        "--encoder-hidden-size", "16"),
                new Case("ADAPTION_PROMPT", "--method", "adaption-prompt", "--adapter-len", "4"))) {
            Path out = dir.resolve("prompt-" + String.join("", c.flags()).replace("-", ""));
            if (ptuning == null && c.type().equals("P_TUNING")) ptuning = out;
            List<String> args = new ArrayList<>(List.of(c.flags()));
            args.addAll(List.of(val));
            CliRun.Result r = finetune(out, args.toArray(String[]::new));
            String what = String.join(" ", c.flags());
            assertThat(r.code()).as(what + ": " + r.err()).isZero();
            Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
            assertThat(cfg.get("peft_type")).isEqualTo(c.type());
            double loss = lastValLoss(out);
            System.out.printf("%s: validation loss %.4f, frozen base %.4f%n", what, loss, baseLoss);
            assertThat(loss).as(what).isLessThan(baseLoss);
            PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), out);
            assertThat(logits(loaded.model()).toArray()).as(what).isNotEqualTo(logits(HfCheckpoint.load(base)).toArray());
        }
        // Prompt tuning's file is its table, so a run resumes (the P-tuning encoder's output is no encoder: refused).
        Path promptTuning = dir.resolve("prompt-" + "--method prompt-tuning --num-virtual-tokens 8".replace(" ", "")
                .replace("-", ""));
        CliRun.Result resumed = finetune(promptTuning, "--method", "prompt-tuning", "--num-virtual-tokens", "8",
                "--steps", "32", "--lr", "3e-2", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming at step 30 of 32");
        CliRun.Result resume = finetune(ptuning, "--method", "p-tuning", "--num-virtual-tokens", "4", "--encoder-hidden-size", "16", "--steps", "40",
                "--resume");
        assertThat(resume.code()).as(resume.err()).isEqualTo(1);
        assertThat(resume.err()).contains("cannot continue");
        for (String[] bad : List.of(new String[] {"--prompt-init-text", "hi", "--method", "prompt-tuning"},
                new String[] {"--encoder-num-layers", "2", "--method", "p-tuning"},
                new String[] {"--encoder-hidden-size", "8", "--method", "prefix-tuning"},
                new String[] {"--num-virtual-tokens", "4", "--method", "lora"})) {
            CliRun.Result r = finetune(dir.resolve("unused"), bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(Main.USAGE);
            assertThat(r.err().lines().toList()).as(String.join(" ", bad)).hasSize(1)
                    .allMatch(l -> l.startsWith("error: ") && l.contains(bad[0]));
        }
    }

    @Test
    void pissaRunsResumeExactlyAndTheAdapterRedoesTheFactorizationOnTheBase() throws Exception {
        Path straight = dir.resolve("pissa-straight");
        CliRun.Result r = finetune(straight, "--method", "lora", "--r", "4", "--init", "pissa", "--steps", "4",
                "--save-every", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("factoring each target's weight for init_lora_weights \"pissa\"");
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(straight.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("init_lora_weights")).isEqualTo("pissa");

        Path split = dir.resolve("pissa-split");
        assertThat(finetune(split, "--method", "lora", "--r", "4", "--init", "pissa", "--steps", "2",
                "--save-every", "2").code()).isZero();
        CliRun.Result resumed = finetune(split, "--method", "lora", "--steps", "4", "--save-every", "2", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(losses(split)).containsExactlyElementsOf(losses(straight));

        // Loaded on the fp32 base, the adapter re-factors W (the residual back in the base) and then takes the
        // trained A, B: the trained model, not the base; two runs that trained alike load alike.
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), straight);
        float[] adapted = logits(loaded.model()).toArray(), plain = logits(HfCheckpoint.load(base)).toArray();
        assertThat(adapted).isNotEqualTo(plain);
        float[] again = logits(AdapterFiles.load(HfCheckpoint.load(base), split).model()).toArray();
        assertThat(again).containsExactly(adapted);
    }

    @Test
    void qloraWithPissaQuantizesTheResidualAfterFactoringAndResumesExactly() throws Exception {
        Path straight = dir.resolve("qpissa-straight");
        CliRun.Result r = finetune(straight, "--method", "qlora", "--r", "4", "--init", "pissa", "--steps", "4",
                "--save-every", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("linear layers of the residual base to nf4");
        Path split = dir.resolve("qpissa-split");
        assertThat(finetune(split, "--method", "qlora", "--r", "4", "--init", "pissa", "--steps", "2",
                "--save-every", "2").code()).isZero();
        CliRun.Result resumed = finetune(split, "--method", "qlora", "--steps", "4", "--save-every", "2", "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(losses(split)).containsExactlyElementsOf(losses(straight));
        assertThat(losses(straight)).allMatch(l -> Double.isFinite(l));
    }

    @Test
    void oloraAndLoftqOnLlamaAndTheirRefusals() throws Exception {
        Path llama = dir.resolve("llama-base");
        HfCheckpoint.save(Presets.create("llama-tiny", 5), llama);
        for (String[] run : List.of(new String[] {"--method", "lora", "--init", "olora"},
                new String[] {"--method", "qlora", "--init", "loftq", "--loftq-iter", "2"})) {
            Path out = dir.resolve("llama-" + run[3]);
            CliRun.Result r = CliRun.run(concat(new String[] {"finetune", "--model", llama.toString(), "--data",
                    text.toString(), "--out", out.toString(), "--batch", "2", "--seq", "16", "--lr", "1e-2",
                    "--threads", "1", "--r", "4", "--steps", "3"}, run));
            assertThat(r.code()).as(r.err()).isZero();
            Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
            assertThat(cfg.get("init_lora_weights")).isEqualTo(run[3]);
            if (run[3].equals("loftq"))
                assertThat(((Map<?, ?>) cfg.get("loftq_config")).get("loftq_iter")).isEqualTo(2L);
            assertThat(losses(out).get(2)).isLessThan(losses(out).get(0));
        }
        // GPT-2's Conv1D layers cannot take olora (peft factors the stored [in, out] weight); a quantized
        // directory cannot be factored at all. Each is one error line.
        CliRun.Result conv = finetune(dir.resolve("olora-gpt2"), "--method", "lora", "--init", "olora", "--steps", "1");
        assertThat(conv.code()).isEqualTo(Main.FAILURE);
        assertThat(conv.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains("Conv1D"));
        Path q = dir.resolve("llama-nf4");
        assertThat(CliRun.run("quantize", "--model", llama.toString(), "--out", q.toString()).code()).isZero();
        CliRun.Result onQuantized = CliRun.run("finetune", "--model", q.toString(), "--data", text.toString(), "--out",
                dir.resolve("unused-q").toString(), "--method", "qlora", "--init", "pissa", "--steps", "1");
        assertThat(onQuantized.code()).isEqualTo(Main.FAILURE);
        assertThat(onQuantized.err().lines().toList()).hasSize(1)
                .allMatch(l -> l.contains("is quantized") && l.contains("pissa"));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void methodsAndOptionsThatAreNotBuiltAreUsageErrorsAndNotInTheHelp() {
        CliRun.Result help = CliRun.run("finetune", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--method full|lora|qlora|dora|adalora|ia3|bitfit|loha|lokr|vera|oft|boft|hra|fourierft|trainable-tokens|ln-tuning"
                        + "|houlsby|pfeiffer|parallel-adapter|compacter|compacter++|prompt-tuning|multitask-prompt-tuning|p-tuning|prefix-tuning"
                        + "|adaption-prompt|xlora")
                .contains("--target-modules")
                .contains("--rslora");
        assertThat(help.out()).contains("--optimizer adamw|paged-adamw|adamw-8bit|paged-adamw-8bit|sgd|sgd-nesterov|lamb"
                        + "|lion|adafactor|adafactor-relative")
                .contains("--optimizer-memory-cap MB");
        assertThat(help.out()).contains("--init kaiming|gaussian|pissa|olora|loftq").contains("--loftq-iter N");
        for (String[] bad : List.of(new String[] {"--method", "randlora"}, new String[] {"--optimizer", "adam"},
                new String[] {"--init", "svd"}, new String[] {"--loftq-iter", "2", "--init", "pissa"},
                new String[] {"--optimizer-memory-cap", "64"},
                new String[] {"--optimizer-memory-cap", "0", "--optimizer", "paged-adamw"},
                new String[] {"--r", "4", "--method", "ia3"}, new String[] {"--feedforward-modules", "c_fc"},
                new String[] {"--alpha", "4", "--method", "full"})) {
            CliRun.Result r = finetune(dir.resolve("unused"), bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(Main.USAGE);
            assertThat(r.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains(bad[0]));
        }
    }
}
