package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado plan} prints what hand computations give for GPT-2 124M, Llama 3.2 1B's shape and Llama 7B's shape:
 * every figure below is worked out in this file from the published shapes (see PlanTest for the same numbers
 * checked on Plan itself, and against the built models and optimizers).
 */
class PlanCommandTest {
    @TempDir Path dir;

    /** The row of {@code label} in the output: the label, spaces, then {@code values} separated by spaces. */
    static void assertRow(String out, String label, String... values) {
        StringBuilder re = new StringBuilder("(?m)^  " + Pattern.quote(label));
        for (String v : values) re.append("\\s+").append(Pattern.quote(v));
        re.append("(\\s|$)");
        assertThat(out).as(label).containsPattern(re.toString());
    }

    static String gib(long bytes) { return PlanCommand.bytes(bytes); }

    @Test
    void gpt2_124m() {
        CliRun.Result r = CliRun.run("plan", "--model", "gpt2-124m", "--batch", "4", "--seq", "1024", "--tokens", "1e9");
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        long wte = 50257L * 768, wpe = 1024L * 768;
        long perLayer = 2 * 768 + (768L * 2304 + 2304) + (768L * 768 + 768) + 2 * 768 + (768L * 3072 + 3072) + (3072L * 768 + 768);
        long n = wte + wpe + 12 * perLayer + 2 * 768;
        assertThat(n).isEqualTo(124_439_808L);
        assertRow(out, "total", "124,439,808");
        assertRow(out, "embeddings", "39,383,808", "the output head is tied");
        assertRow(out, "12 blocks", "85,054,464", "7,087,872 each;");
        assertRow(out, "trainable", "124,439,808");
        assertRow(out, "weights", gib(4 * n), gib(2 * n));                 // 474.7 MiB, 237.4 MiB
        assertRow(out, "gradients", gib(4 * n), gib(2 * n));
        assertRow(out, "AdamW m, v (fp32)", gib(8 * n), gib(8 * n));       // 949.4 MiB
        long big = wte + wpe + 12 * (768L * 2304 + 768L * 768 + 2 * 768L * 3072), small = n - big;
        assertRow(out, "AdamW8bit m, v (blockwise)", gib(2 * big + big / 32 + 8 * small), gib(2 * big + big / 32 + 8 * small));
        long sbh = 4L * 1024 * 768;
        long fused = (16 * sbh + 12L * 1024 * 4) * 12, kept = (16 * sbh + 12L * 1024 * 1024 * 4) * 12;
        assertRow(out, "activations, fused attention", gib(4 * fused), gib(2 * fused));      // 2.25 GiB, 1.13 GiB
        assertRow(out, "activations, probabilities kept", gib(4 * kept), gib(2 * kept));     // 4.50 GiB, 2.25 GiB
        long ckpt = 12 * sbh + 16 * sbh + 12L * 1024 * 4;
        assertRow(out, "activations, checkpointed", gib(4 * ckpt), gib(2 * ckpt));
        assertRow(out, "total with AdamW", gib(4 * n + 4 * n + 8 * n + 4 * fused), gib(2 * n + 2 * n + 8 * n + 2 * fused));
        assertThat(out).contains("compute for D = 1B tokens (8.0 per parameter), 244,141 steps of 4 x 1024");
        assertRow(out, "6·N·D", PlanCommand.sci(6 * 124_439_808.0 * 1e9), "FLOPs");             // 7.47e17
        assertRow(out, "with attention, + 12·L·T·d per token",
                PlanCommand.sci((6 * 124_439_808.0 + 12.0 * 12 * 1024 * 768) * 1e9), "FLOPs");      // 8.60e17
        assertRow(out, "Chinchilla-optimal D = 20·N", "2.49B", "tokens");                          // 20 x 124.44M
        assertRow(out, "for scale: GPT-3 175B on 300B", "3.15e23", "FLOPs");
        assertRow(out, "for scale: Llama 2 7B on 2T", "8.09e22", "FLOPs");
    }

    @Test
    void llama32_1bShapeWithQlora() throws Exception {
        // meta-llama/Llama-3.2-1B's config.json fields that set its size
        Path m = dir.resolve("llama-3.2-1b");
        Files.createDirectories(m);
        Files.writeString(m.resolve("config.json"), """
                {"model_type": "llama", "vocab_size": 128256, "hidden_size": 2048, "intermediate_size": 8192,
                 "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64,
                 "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "tie_word_embeddings": true,
                 "rope_theta": 500000.0, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                 "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "bos_token_id": 128000, "eos_token_id": 128001}""");
        CliRun.Result full = CliRun.run("plan", "--model", m.toString(), "--batch", "1", "--seq", "2048");
        assertThat(full.code()).as(full.err()).isZero();
        long embed = 128256L * 2048, matrices = 2048L * 2048 + 2 * 2048L * 512 + 2048L * 2048 + 3 * 2048L * 8192;
        long n = embed + 16 * (matrices + 2 * 2048) + 2048;
        assertThat(n).isEqualTo(1_235_814_400L);
        assertRow(full.out(), "total", "1,235,814,400");
        assertRow(full.out(), "embeddings", "262,668,288");
        assertRow(full.out(), "weights", gib(4 * n), gib(2 * n));             // 4.60 GiB, 2.30 GiB
        assertRow(full.out(), "AdamW m, v (fp32)", gib(8 * n), gib(8 * n));
        long sb = 2048, perLayer = 2 * sb * 2048 + sb * (2048 + 2 * 2048 + 2 * 512) + 32 * sb + sb * 2048 + 4 * sb * 8192;
        assertRow(full.out(), "activations, fused attention", gib(4 * 16 * perLayer), gib(2 * 16 * perLayer));
        assertThat(full.out()).contains("compute for D = 24.7B tokens (20.0 per parameter, Chinchilla-optimal)");
        assertRow(full.out(), "6·N·D", PlanCommand.sci(6.0 * n * 20 * n), "FLOPs");               // 1.83e20

        CliRun.Result q = CliRun.run("plan", "--model", m.toString(), "--method", "qlora", "--r", "16", "--batch", "1",
                "--seq", "2048", "--tokens", "1e8");
        assertThat(q.code()).as(q.err()).isZero();
        long adapters = 16 * (16L * 2048 + 2048L * 16 + 16L * 2048 + 512L * 16);
        assertRow(q.out(), "trainable", "1,703,936");
        long blockMatrices = 16 * matrices;
        long nf4 = blockMatrices / 2 + blockMatrices / 64 + 4 * (blockMatrices / 64 / 256);   // 4.127 bits each
        assertRow(q.out(), "weights (block matrices NF4)", gib(nf4 + 4 * (n - blockMatrices) + 4 * adapters),
                gib(nf4 + 2 * (n - blockMatrices) + 2 * adapters));                          // ..., 0.96 GiB
        assertRow(q.out(), "gradients (adapters)", gib(4 * adapters), gib(2 * adapters));
        assertRow(q.out(), "AdamW m, v (fp32)", gib(8 * adapters), gib(8 * adapters));
        assertRow(q.out(), "(4N + 6·adapters)·D", PlanCommand.sci((4.0 * n + 6.0 * adapters) * 1e8), "FLOPs");
    }

    @Test
    void llama7bShape() throws Exception {
        Path m = dir.resolve("llama-7b");
        Files.createDirectories(m);
        Files.writeString(m.resolve("config.json"), """
                {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
                 "max_position_embeddings": 4096, "tie_word_embeddings": false}""");
        CliRun.Result r = CliRun.run("plan", "--model", m.toString(), "--batch", "1", "--seq", "4096", "--tokens", "2e12");
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        long n = 2 * 32000L * 4096 + 32 * (4 * 4096L * 4096 + 3 * 4096L * 11008 + 2 * 4096) + 4096;
        assertThat(n).isEqualTo(6_738_415_616L);
        assertRow(out, "total", "6,738,415,616");
        assertRow(out, "embeddings", "131,072,000", "the output head is untied");
        assertRow(out, "output head", "131,072,000");
        assertRow(out, "weights", gib(4 * n), gib(2 * n));                     // 25.10 GiB, 12.55 GiB
        assertRow(out, "gradients", gib(4 * n), gib(2 * n));
        assertRow(out, "AdamW m, v (fp32)", gib(8 * n), gib(8 * n));           // 50.21 GiB
        long sb = 4096, perLayer = 2 * sb * 4096 + 5 * sb * 4096 + 32 * sb + sb * 4096 + 4 * sb * 11008;
        assertRow(out, "activations, fused attention", gib(4 * 32 * perLayer), gib(2 * 32 * perLayer));   // ..., 18.76 GiB
        assertRow(out, "6·N·D", PlanCommand.sci(6 * 6_738_415_616.0 * 2e12), "FLOPs");                  // 8.09e22
        assertRow(out, "with attention, + 12·L·T·d per token",
                PlanCommand.sci((6 * 6_738_415_616.0 + 12.0 * 32 * 4096 * 4096) * 2e12), "FLOPs");
        assertThat(out).contains("compute for D = 2T tokens (296.8 per parameter)");
    }

    @Test
    void measuresThisMachineAndRefusesBadInput() {
        CliRun.Result r = CliRun.run("plan", "--model", "gpt2-tiny", "--config", "n_layer=1", "--batch", "2", "--seq",
                "16", "--tokens", "1e6", "--measure", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("measured on this machine \\(1 threads, fp32\\): \\d+ tokens/s, median of 3"
                + " steps at 2 x 16").containsPattern("D = 1M tokens would take \\d");
        for (List<String> bad : List.of(List.of("--method", "dora"), List.of("--r", "4"), List.of("--seq", "65"),
                List.of("--tokens", "-5"), List.of("--config", "n_heads=2"))) {
            List<String> args = new java.util.ArrayList<>(List.of("plan", "--model", "gpt2-tiny"));
            args.addAll(bad);
            CliRun.Result e = CliRun.run(args.toArray(String[]::new));
            assertThat(e.code()).as(bad.toString()).isEqualTo(2);
            assertThat(e.err()).startsWith("error: ").hasLineCount(1);
        }
        CliRun.Result big = CliRun.run("plan", "--model", "gpt2-124m", "--batch", "512", "--seq", "1024", "--measure");
        assertThat(big.code()).isEqualTo(1);
        assertThat(big.err()).startsWith("error: --measure: training this model in fp32 needs about");
    }

    @Test
    void aCheckpointPlansAsItsConfigAndAQuantizedOneAsItsOriginal() throws Exception {
        Path base = dir.resolve("base"), q = dir.resolve("nf4");
        cortado.nn.io.HfCheckpoint.save(cortado.nn.models.Presets.create("gpt2-tiny", 1), base);
        assertThat(CliRun.run("quantize", "--model", base.toString(), "--type", "nf4", "--double-quant", "--out",
                q.toString()).code()).isZero();
        CliRun.Result fromBase = CliRun.run("plan", "--model", base.toString());
        CliRun.Result fromQuantized = CliRun.run("plan", "--model", q.toString());
        assertThat(fromBase.code()).as(fromBase.err()).isZero();
        assertThat(fromQuantized.code()).as(fromQuantized.err()).isZero();
        assertRow(fromBase.out(), "total", "35,744");
        assertThat(fromQuantized.out().replace(q.toString(), "M")).isEqualTo(fromBase.out().replace(base.toString(), "M"));
        CliRun.Result r = CliRun.run("plan", "--model", base.toString(), "--config", "n_layer=1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("holds trained weights");
    }

    @Test
    void pretrainAndFinetuneStartWithThePlan() throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "plans before runs. ".repeat(100));
        CliRun.Result r = CliRun.run("pretrain", "--model", "gpt2-tiny", "--data", text.toString(), "--steps", "2",
                "--batch", "2", "--seq", "16", "--val-every", "0", "--out", dir.resolve("run").toString());
        assertThat(r.code()).as(r.err()).isZero();
        // gpt2-tiny: wte 257 x 32, wpe 64 x 32, two blocks (ln_1, c_attn, c_proj, ln_2, c_fc, c_proj), ln_f
        long n = 257 * 32 + 64 * 32 + 2 * (2 * 64 + 32 * 96 + 96 + 32 * 32 + 32 + 32 * 128 + 128 + 128 * 32 + 32) + 64;
        assertThat(n).isEqualTo(35_744);
        assertThat(r.out()).contains("plan: 35.7k parameters (10.3k embeddings), 35.7k trainable; fp32 weights, gradients"
                + " and AdamW state " + PlanCommand.bytes(16 * n) + ", activations ~")
                .contains("plan: " + PlanCommand.sci(6.0 * n * 64) + " FLOPs (6ND) for 64 tokens");
        r = CliRun.run("finetune", "--model", dir.resolve("run").toString(), "--data", text.toString(), "--steps", "1",
                "--batch", "2", "--seq", "16", "--out", dir.resolve("ft").toString());
        assertThat(r.code()).as(r.err()).isZero();
        // LoRA r = 8 on c_attn, two layers: A [8, 32] and B [96, 8] each; AdamW over them alone
        long adapters = 2 * (8 * 32 + 96 * 8);
        assertThat(r.out()).contains("plan: 35.7k parameters (10.3k embeddings), " + adapters + " trainable; fp32 weights,"
                + " gradients and AdamW state " + PlanCommand.bytes(4 * (n + adapters) + 4 * adapters + 8 * adapters));
    }
}
