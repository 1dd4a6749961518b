package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.data.tokenizer.BpeTrainer;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.SplitPatterns;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.WordPieceTrainer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.Bias;
import cortado.peft.lora.LoraConfig;
import cortado.peft.PeftConfig;
import cortado.peft.lora.LoraInit;
import cortado.peft.PeftModel;
import cortado.peft.prefixtuning.PrefixTuningConfig;
import cortado.peft.multitaskprompttuning.MultitaskPromptTuningConfig;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompttuning.PromptTuningConfig;
import cortado.peft.ptuning.PromptEncoderConfig;
import cortado.peft.bitfit.BitFitConfig;
import cortado.peft.ia3.IA3Config;
import cortado.peft.lntuning.LNTuningConfig;
import cortado.peft.loha.LoHaConfig;
import cortado.peft.lokr.LoKrConfig;
import cortado.peft.oft.OFTConfig;
import cortado.peft.vera.VeraConfig;
import cortado.peft.adalora.AdaLoraAllocation;
import cortado.peft.adalora.AdaLoraConfig;
import cortado.peft.adaptionprompt.AdaptionPromptConfig;
import cortado.peft.fourierft.FourierFTConfig;
import cortado.peft.hra.HRAConfig;
import cortado.peft.boft.BOFTConfig;
import cortado.peft.trainabletokens.TrainableTokensConfig;
import cortado.peft.TargetModules;
import cortado.peft.xlora.XLoraConfig;
import cortado.peft.xlora.XLoraLm;
import cortado.quant.prune.StructuredPruner;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop checked live against the real libraries, through the Python venv {@code ./cortado test} makes from
 * tools/interop/requirements.txt (path in the system property {@code cortado.interop.python} or the environment
 * variable {@code CORTADO_INTEROP_PYTHON}). Without that Python, or when the launcher reports that the venv could not
 * be made ({@code CORTADO_INTEROP_ERROR}), every test here fails with the reason: interop is never silently skipped.
 *
 * <ul>
 *   <li>Directories Cortado writes for every family and rope type load in transformers' from_pretrained, with no
 *       missing or unexpected weight, and give Cortado's logits (tools/interop/check_cortado_dirs.py, 1e-4 of max).</li>
 *   <li>transformers' own save_pretrained directories, written now by the venv's transformers, load here and give
 *       its logits ({@link Golden#compare}).</li>
 *   <li>LoRA adapters Cortado trains (a few AdamW steps) and saves load in PEFT's {@code PeftModel.from_pretrained}
 *       with no missing or unexpected adapter key and give Cortado's logits and loss (plain LoRA, DoRA, LoRA on
 *       Embedding layers, PiSSA and OLoRA, norms in modules_to_save) (tools/interop/check_cortado_adapters.py, 1e-5); so do IA3 adapters, and BitFit's biases load in transformers'
 *       {@code load_state_dict(strict=False)} with no unexpected key and the same logits.</li>
 *   <li>Adapters written by {@code cortado finetune} do the same, the perplexity {@code cortado perplexity
 *       --adapter} prints is transformers' sliding-window recipe on the PEFT model, and what {@code cortado merge}
 *       writes loads in transformers with the adapted model's logits.</li>
 *   <li>tokenizer.json files written by Cortado's BPE and WordPiece trainers load in HF tokenizers and encode every
 *       line identically (tools/interop/check_tokenizer_json.py): the hook for the tokenizer work.</li>
 * </ul>
 */
class TransformersInteropTest {
    /** One Python run (torch + transformers import, a dozen tiny models) takes seconds; this bounds a hang. */
    private static final long TIMEOUT_S = 240;

    @TempDir Path tmp;

    @Test
    void directoriesCortadoWritesLoadInTransformersWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> sources = new ArrayList<>(List.of("gpt2", "llama"));
        for (String f : List.of("llama_linear", "llama_dynamic", "llama_llama3", "llama_yarn", "llama_yarn_options",
                "llama_biases", "mistral", "mistral_window", "qwen2", "qwen2_window", "qwen3", "llama_long"))
            sources.add("families/" + f);
        List<String> dirs = new ArrayList<>();
        for (String source : sources) {
            CausalLm model = HfCheckpoint.load(Golden.path(source));  // weights only; Cortado writes config and files
            Path dir = tmp.resolve("cortado").resolve(source.replace('/', '_'));
            HfCheckpoint.save(model, dir, DType.F32, 0);
            // 20 tokens: past llama_dynamic's max_position_embeddings (16), so its frequencies grow, and past the
            // windowed cases' sliding_window (6).
            writeCortadoLogits(model, dir, 2, 20);
            dirs.add(dir.toString());
        }
        dirs.addAll(freshlyPretrainedDirs());
        dirs.addAll(structurallyPrunedDirs());
        List<String> args = new ArrayList<>(dirs);
        String out = runPython(python, "check_cortado_dirs.py", args);
        assertThat(out.lines().filter(l -> l.contains("\"ok\": true")).count()).as(out).isEqualTo(dirs.size());
    }

    /**
     * Models of the user's size: {@code pretrain} on a directory holding only a config.json (qwen3, GQA) and on a
     * preset changed by {@code --config}, two steps each; their checkpoints, with Cortado's logits beside them.
     */
    private List<String> freshlyPretrainedDirs() throws IOException {
        Path data = tmp.resolve("fresh.txt");
        Files.writeString(data, "a model of the user's own size. ".repeat(80));
        Path cfg = tmp.resolve("qwen3-config-only");
        Files.createDirectories(cfg);
        Files.writeString(cfg.resolve("config.json"), "{\"model_type\": \"qwen3\", \"hidden_size\": 32,"
                + " \"intermediate_size\": 48, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 2, \"head_dim\": 8, \"max_position_embeddings\": 64, \"vocab_size\": 257}");
        List<String> dirs = new ArrayList<>();
        String[][] runs = {{"--model", cfg.toString()},
                {"--model", "gpt2-tiny", "--config", "n_layer=3,n_embd=48,n_head=6,n_positions=96"}};
        for (int i = 0; i < runs.length; i++) {
            Path out = tmp.resolve("fresh-run-" + i);
            List<String> a = new ArrayList<>(List.of("pretrain", "--data", data.toString(), "--steps", "2", "--batch",
                    "2", "--seq", "16", "--val-every", "0", "--out", out.toString()));
            a.addAll(List.of(runs[i]));
            cortado.tests.cli.CliRunner.Result r = cortado.tests.cli.CliRunner.run(a.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();
            Path dir = out.resolve("checkpoint");
            writeCortadoLogits(HfCheckpoint.load(dir), dir, 1, 12);
            dirs.add(dir.toString());
        }
        return dirs;
    }

    /**
     * Structured pruning's checkpoints (fewer key/value groups with an explicit head_dim, narrower MLPs): llama (GQA,
     * half its groups and a quarter of its neurons), qwen2 (q/k/v biases) and qwen3 (q_norm/k_norm) neurons, gpt2
     * neurons; each with Cortado's logits of the pruned model beside it.
     */
    private List<String> structurallyPrunedDirs() {
        record Case(String source, int keepGroups, int keepNeurons) {}
        List<String> dirs = new ArrayList<>();
        for (Case c : List.of(new Case("llama", 1, 48), new Case("families/qwen2", 1, 24), new Case("families/qwen3", 1, 20),
                new Case("gpt2", 1, 40))) {
            CausalLm model = HfCheckpoint.load(Golden.path(c.source()));
            StructuredPruner.Shape shape = StructuredPruner.shape(HfCheckpoint.readConfig(Golden.path(c.source())));
            StructuredPruner.Kept kept = StructuredPruner.choose(model.module(), shape, c.keepGroups(), c.keepNeurons(),
                    StructuredPruner.Importance.MAGNITUDE, null);
            Path dir = tmp.resolve("pruned").resolve(c.source().replace('/', '_'));
            writeCortadoLogits(StructuredPruner.save(model, shape, kept, dir), dir, 2, 10);
            dirs.add(dir.toString());
        }
        return dirs;
    }

    /** Cortado's logits of {@code model} on fixed ids [b, t], beside its checkpoint for check_cortado_dirs.py. */
    private static void writeCortadoLogits(CausalLm model, Path dir, int b, int t) {
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % model.config().vocabSize();
        Tensor logits;
        try (NoGrad g = NoGrad.enter()) {
            logits = model.forward(ids, b, t);
        }
        float[] idf = new float[ids.length];
        for (int i = 0; i < ids.length; i++) idf[i] = ids[i];
        Map<String, Tensor> ref = new LinkedHashMap<>();
        ref.put("input_ids", Tensor.of(idf, b, t));
        ref.put("logits", logits.contiguous());
        Safetensors.write(dir.resolve("cortado_logits.safetensors"), ref, Map.of("note", "Cortado's logits"), DType.F32);
    }

    @Test
    void directoriesTransformersWritesLoadInCortadoWithTheSameLogits() throws IOException {
        Path python = python();
        Path root = tmp.resolve("hf");
        String out = runPython(python, "write_transformers_dirs.py", List.of(root.toString()));
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(dirs).as(out).hasSizeGreaterThanOrEqualTo(10);
        for (Path dir : dirs) {
            Map<String, Tensor> ref = Safetensors.load(dir.resolve("hf_logits.safetensors"));
            int[] shape = ref.get("input_ids").shape();
            CausalLm model = HfCheckpoint.load(dir);
            Tensor logits;
            try (NoGrad g = NoGrad.enter()) {
                logits = model.forward(Golden.ints(ref.get("input_ids")), shape[0], shape[1]);
            }
            double err = Golden.compare(dir.getFileName() + " logits", logits, ref.get("logits"));
            System.out.printf("transformers -> cortado %s: max rel err %.2e%n", dir.getFileName(), err);
        }
    }

    @Test
    void loraAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        record Case(String name, String base, LoraConfig config) {}
        List<Case> cases = List.of(
                new Case("gpt2_all_linear_rslora_lora_only_bias", "gpt2",
                        new LoraConfig(4, 8, TargetModules.allLinear(), null, 0.0, Bias.LORA_ONLY, null, true, true,
                                null, null, null, null, true, null, "CAUSAL_LM")),
                new Case("llama_default_patterns", "llama",
                        new LoraConfig(4, 8, null, null, 0.0, Bias.NONE, null, false, false, null, null,
                                Map.of("layers.1.self_attn.v_proj", 2), Map.of("q_proj", 3.0), true, null, null)),
                new Case("llama_regex_modules_to_save", "llama",
                        new LoraConfig(2, 4, TargetModules.regex(".*mlp\\.(up|down)_proj"), null, 0.0, Bias.NONE,
                                List.of("lm_head"), false, false, null, null, null, null, true, null, "CAUSAL_LM")),
                new Case("qwen2_all_bias", "families/qwen2",
                        new LoraConfig(4, 16, TargetModules.of("q_proj", "k_proj", "v_proj", "o_proj"), null, 0.0,
                                Bias.ALL, null, false, false, null, null, null, null, true, null, null)),
                // DoRA on GPT-2's Conv1D layers and LoRA on its tied wte
                new Case("gpt2_dora_wte", "gpt2",
                        LoraConfig.of(4, 8, TargetModules.of("wte", "c_attn", "c_fc")).withDora(true).withRslora(true)),
                // DoRA, LoRA on embed_tokens (peft then saves and loads the table too) and a rank pattern
                new Case("llama_dora_embed_tokens", "llama",
                        new LoraConfig(4, 8, TargetModules.of("embed_tokens", "q_proj", "down_proj"), null, 0.0,
                                Bias.NONE, null, false, false, null, null, Map.of("down_proj", 2), null, true, null,
                                "CAUSAL_LM").withDora(true)),
                // PiSSA with DoRA, and OLoRA: peft re-runs the init on the base it loads into. PiSSA's residual
                // carries peft's float32 SVD error (ours is double), about 4e-6 of the logits here, still under 1e-5.
                new Case("llama_pissa_dora", "llama",
                        LoraConfig.of(4, 8, TargetModules.of("q_proj", "up_proj")).withInit(LoraInit.PISSA, null)
                                .withDora(true)),
                new Case("llama_olora", "llama",
                        LoraConfig.of(4, 8, TargetModules.of("q_proj", "o_proj")).withInit(LoraInit.OLORA, null)),
                // the norms trained beside the adapters (modules_to_save), as the demo's QLoRA recipe does
                new Case("gpt2_norms", "gpt2", LoraConfig.of(4, 8, TargetModules.allLinear())
                        .withModulesToSave(List.of("ln_1", "ln_2", "ln_f"))),
                new Case("llama_norms", "llama", LoraConfig.of(4, 8, null).withModulesToSave(List.of("norm"))));
        List<String> dirs = new ArrayList<>();
        for (Case c : cases) dirs.add(trainAndSaveAdapter(c.name(), c.base(), c.config()).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * IA3 and BitFit adapters Cortado trains and saves load in Python with the same logits and loss: IA3 through
     * PEFT's {@code PeftModel.from_pretrained} with no missing or unexpected key, BitFit through transformers'
     * {@code load_state_dict(strict=False)} with no unexpected key (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void ia3AndBitFitAdaptersCortadoTrainsLoadInPythonWithTheSameLogits() throws IOException {
        Path python = python();
        record Case(String name, String base, PeftConfig config) {}
        List<Case> cases = List.of(
                new Case("ia3_gpt2_default", "gpt2", IA3Config.of(null, null).withInitIa3Weights(false)),
                new Case("ia3_llama_modules_to_save", "llama",
                        IA3Config.of(TargetModules.of("q_proj", "o_proj", "up_proj"), TargetModules.of("up_proj"))
                                .withModulesToSave(List.of("lm_head"))),
                new Case("ia3_qwen2_regex", "families/qwen2",
                        IA3Config.of(TargetModules.regex(".*\\.(k_proj|v_proj|down_proj)"),
                                TargetModules.regex(".*down_proj"))),
                new Case("bitfit_gpt2", "gpt2", BitFitConfig.of(null)),
                new Case("bitfit_qwen2_attention", "families/qwen2",
                        new BitFitConfig(TargetModules.of("q_proj", "v_proj"), null, null, null, "CAUSAL_LM")));
        List<String> dirs = new ArrayList<>();
        for (Case c : cases) dirs.add(trainAndSaveAdapter(c.name(), c.base(), c.config()).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * LoHa, LoKr, VeRA (its projection saved, and rebuilt from projection_prng_key with save_projection off), OFT
     * (plain, and COFT with a shared block) and LN-tuning adapters Cortado trains and saves load in PEFT's
     * {@code PeftModel.from_pretrained} with no missing or unexpected key and give Cortado's logits and loss
     * (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void layerMethodAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        record Case(String name, String base, PeftConfig config) {}
        List<Case> cases = List.of(
                new Case("loha_llama_patterns", "llama",
                        new LoHaConfig(4, 8, 0, 0, false, TargetModules.allLinear(), null, true, null, null,
                                Map.of("v_proj", 2), Map.of("down_proj", 3.0), null, null, "CAUSAL_LM")),
                new Case("lokr_llama_decompose", "llama",
                        LoKrConfig.of(1, 4, TargetModules.of("q_proj", "up_proj", "down_proj")).withDecomposition(true, 4)),
                new Case("lokr_qwen2_default", "families/qwen2", LoKrConfig.of(8, 8, null)),
                new Case("vera_gpt2_default", "gpt2", VeraConfig.of(4, null)),
                new Case("vera_llama_no_projection", "llama",
                        VeraConfig.of(8, TargetModules.of("q_proj", "v_proj", "down_proj")).withProjection(5, false)),
                new Case("oft_llama_block8", "llama", OFTConfig.ofBlockSize(8, TargetModules.of("q_proj", "v_proj", "down_proj"))),
                new Case("oft_llama_coft_share", "llama",
                        OFTConfig.ofBlockSize(16, TargetModules.of("k_proj", "o_proj")).withConstraint(true, 0.5, true)),
                new Case("ln_tuning_gpt2_default", "gpt2", LNTuningConfig.of(null)),
                new Case("ln_tuning_llama_modules_to_save", "llama",
                        LNTuningConfig.of(null).withModulesToSave(List.of("lm_head"))));
        List<String> dirs = new ArrayList<>();
        for (Case c : cases) dirs.add(trainAndSaveAdapter(c.name(), c.base(), c.config()).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * AdaLoRA adapters Cortado trains with its budget allocation (3 AdamW steps over a 3-step schedule: the statistics
     * at step 0, a mask at step 1, the final allocation at step 2) and saves cut to the allocated rank_pattern load in
     * PEFT's {@code PeftModel.from_pretrained} (which resizes its layers to the pattern, ranknum kept at init_r) with no
     * missing or unexpected key and give Cortado's logits and loss (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void adaloraAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = new ArrayList<>();
        dirs.add(trainAndSaveAdapter("adalora_llama", "llama", AdaLoraConfig.of(4, 2, 3,
                TargetModules.of("q_proj", "v_proj", "down_proj")).withSchedule(0, 1, 1)).toString());
        dirs.add(trainAndSaveAdapter("adalora_gpt2_default", "gpt2", AdaLoraConfig.of(3, 1, 3, null)
                .withSchedule(0, 1, 1).withImportance(0.9, 0.8, 0.3)).toString());
        for (String d : dirs)
            assertThat(Files.readString(Path.of(d, "adapter", "adapter_config.json"))).contains("\"rank_pattern\":{");
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * HRA adapters Cortado trains and saves (plain with peft's paired init, and Gram-Schmidt from random u) load in
     * PEFT's {@code PeftModel.from_pretrained} with no missing or unexpected key and give Cortado's logits and loss
     * (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void hraAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("hra_llama_default", "llama", HRAConfig.of(8, null)).toString(),
                trainAndSaveAdapter("hra_llama_gs", "llama", HRAConfig.of(3, TargetModules.of("q_proj", "o_proj",
                        "down_proj")).withGramSchmidt(true).withInitWeights(false)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * FourierFT adapters Cortado trains and saves (GPT-2's Conv1D mlp.c_proj, peft's default, from an N(0, 1)
     * spectrum; c_attn and c_proj with an n_frequency_pattern and bias=fourier_only, the biases trained; the Llama's
     * projections from a zero spectrum) load in PEFT's {@code PeftModel.from_pretrained} with no missing or unexpected
     * key and give Cortado's logits and loss (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void fourierFtAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("fourierft_gpt2_default", "gpt2", FourierFTConfig.of(100, 10.0, null)).toString(),
                trainAndSaveAdapter("fourierft_gpt2_bias", "gpt2", new FourierFTConfig(60, 5.0, 3, false,
                        TargetModules.of("c_attn", "c_proj"), null, "fourier_only", null, null, null,
                        java.util.Map.of("c_attn", 40), false, null, null)).toString(),
                trainAndSaveAdapter("fourierft_llama", "llama", FourierFTConfig.of(80, 20.0,
                        TargetModules.of("q_proj", "v_proj", "down_proj")).withInitWeights(true)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * X-LoRA adapters Cortado trains and saves (three random LoRA experts Cortado saved, then the classifier trained:
     * GPT-2 with a depth-2 layerwise classifier, temperature 0.5 and scaling_pass_value 0.25; Llama with an expert on
     * embed_tokens, a depth-1 classifier, top_k_lora 2 and enable_softmax_topk) load in PEFT's {@code PeftModel.from_pretrained} (the experts
     * from the copies Cortado wrote beside the classifier) with no missing or unexpected classifier key and give
     * Cortado's logits, loss and scalings (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void xloraAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("xlora_gpt2", "gpt2", xlora("gpt2", List.of(TargetModules.of("c_attn"),
                        TargetModules.of("c_attn", "c_fc"), TargetModules.of("c_proj")), 2, true, null, false, 0.5, 0.25))
                        .toString(),
                trainAndSaveAdapter("xlora_llama", "llama", xlora("llama", List.of(TargetModules.of("embed_tokens", "q_proj", "v_proj"),
                        TargetModules.of("o_proj", "down_proj"), TargetModules.of("k_proj", "up_proj")), 1, false, 2, true,
                        1.0, 0.0)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /** An X-LoRA config over random LoRA experts Cortado saved (one per target list) under the run's temp dir. */
    private XLoraConfig xlora(String base, List<TargetModules> targets, int depth, boolean layerwise, Integer topK,
                              boolean softmaxTopk, double temperature, double passValue) {
        Map<String, String> experts = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            Path d = tmp.resolve("experts").resolve(base).resolve(Integer.toString(i));
            PeftModel e = PeftModel.wrap(HfCheckpoint.load(Golden.path(base)),
                    LoraConfig.of(4, 8, targets.get(i)).withInitLoraWeights(false), 30 + i);
            AdapterFiles.save(e, d);
            experts.put(Integer.toString(i), d.toString());
        }
        return new XLoraConfig(32, experts, !softmaxTopk, softmaxTopk, layerwise, depth, 16, 0.0, temperature, topK,
                passValue, 1.0, null, "CAUSAL_LM");
    }

    /**
     * LLaMA-Adapter (ADAPTION_PROMPT) adapters Cortado trains and saves (Llama with grouped-query heads, GPT-2's fused
     * c_attn) load in PEFT's {@code PeftModel.from_pretrained} with no missing or unexpected key and give Cortado's
     * logits and loss (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void adaptionPromptAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("adaption_prompt_llama", "llama", AdaptionPromptConfig.of(4, 2)).toString(),
                trainAndSaveAdapter("adaption_prompt_gpt2", "gpt2", AdaptionPromptConfig.of(3, 1)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * BOFT adapters Cortado trains and saves (block size 4 with one factor on the default targets; 8 blocks with three
     * butterfly factors and dropout in training on k, o and down projections, which peft computes through its fbd_cuda
     * path, run by tools/interop/boft_fbd.py's stand-in) load in PEFT's {@code PeftModel.from_pretrained} with no
     * missing or unexpected key and give Cortado's logits and loss (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void boftAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("boft_llama_default", "llama", BOFTConfig.of(4, 1, null)).toString(),
                trainAndSaveAdapter("boft_llama_butterfly", "llama", BOFTConfig.ofBlockNum(8, 3,
                        TargetModules.of("k_proj", "o_proj", "down_proj")).withDropout(0.25)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * TRAINABLE_TOKENS adapters Cortado trains and saves (rows of the input embedding) load in PEFT's
     * {@code PeftModel.from_pretrained} with no missing or unexpected key and give Cortado's logits and loss
     * (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void trainableTokensAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < 96; i += 3) rows.add(i);   // every third token: the training text holds some of them
        List<String> dirs = List.of(trainAndSaveAdapter("trainable_tokens_llama", "llama",
                TrainableTokensConfig.of(rows, null)).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * Prompt tuning, P-tuning (MLP and LSTM encoders) and prefix tuning (with and without the projection; on Llama
     * sized to its kv heads) adapters Cortado trains and saves load in PEFT's {@code PeftModel.from_pretrained} as
     * their method, with the one tensor {@code prompt_embeddings} peft expects, and give Cortado's logits for the tokens
     * and its loss (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void promptLearningAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        Map<String, PeftConfig> cases = new LinkedHashMap<>();
        cases.put("prompt_tuning_gpt2", PromptTuningConfig.of(4));
        cases.put("p_tuning_mlp_llama", PromptEncoderConfig.of(3, "MLP", 16));
        cases.put("p_tuning_lstm_gpt2", PromptEncoderConfig.of(3, "LSTM", 8));
        cases.put("prefix_llama", PrefixTuningConfig.of(4, false, null));
        cases.put("prefix_projection_gpt2", PrefixTuningConfig.of(2, true, 12));
        List<String> dirs = new ArrayList<>();
        cases.forEach((name, config) -> {
            try {
                dirs.add(trainAndSaveAdapter(name, name.endsWith("gpt2") ? "gpt2" : "llama", config).toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    /**
     * Multitask prompt tuning adapters Cortado trains with a task id per row (the two rows' tasks differ) load in
     * PEFT's {@code PeftModel.from_pretrained} with peft's three tensors and give Cortado's logits and loss for those
     * task ids (tools/interop/check_cortado_adapters.py, 1e-5).
     */
    @Test
    void multitaskPromptTuningAdaptersCortadoTrainsLoadInPeftWithTheSameLogits() throws IOException {
        Path python = python();
        List<String> dirs = List.of(
                trainAndSaveAdapter("mpt_gpt2", "gpt2", MultitaskPromptTuningConfig.of(4, 2, 2), new int[] {1, 0}).toString(),
                trainAndSaveAdapter("mpt_llama", "llama", MultitaskPromptTuningConfig.of(3, 3, 1), new int[] {2, 1}).toString());
        assertEveryAdapterLoadsInPython(python, dirs);
    }

    private Path trainAndSaveAdapter(String name, String base, PeftConfig config) throws IOException {
        return trainAndSaveAdapter(name, base, config, null);
    }

    /**
     * {@code DIR/base} (a copy of a golden base), {@code DIR/adapter} (the adapter after 3 AdamW steps, as
     * AdapterFiles.save writes it) and {@code DIR/cortado_logits.safetensors} (ids, labels, Cortado's logits and loss,
     * and the rows' task ids when {@code taskIds} is not null: multitask prompt tuning's, through every call).
     */
    private Path trainAndSaveAdapter(String name, String base, PeftConfig config, int[] taskIds) throws IOException {
        int b = 2, t = 8;
        Path dir = tmp.resolve("adapters").resolve(name);
        Path baseDir = Files.createDirectories(dir.resolve("base"));
        for (String f : List.of("config.json", "model.safetensors"))
            Files.copy(Golden.path(base).resolve(f), baseDir.resolve(f));
        PeftModel peft = PeftModel.wrap(HfCheckpoint.load(baseDir), config.withBaseModel(baseDir.toString()), 17);
        CausalLm model = peft.model();   // the base itself, or the prompt-learning model around it
        java.util.function.Function<java.util.function.Supplier<Tensor>, Tensor> tasks = taskIds == null
                ? java.util.function.Supplier::get : body -> ((PromptLearningLm) model).withTaskIds(taskIds, body);
        int v = model.config().vocabSize();
        int[] ids = new int[b * t], labels = new int[b * t];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 29 + 5) % v;
        for (int i = 0; i < ids.length; i++) labels[i] = i % t == t - 1 ? CausalLm.IGNORE_INDEX : ids[i + 1];
        // A few real training steps, so the adapter moves away from its init (LoRA's B from zero, IA3's vectors from
        // ones) and the trained biases / modules_to_save copies move.
        Map<String, cortado.nn.Parameter> trainable = new LinkedHashMap<>();
        model.module().namedParameters().forEach((n, p) -> { if (p.trainable()) trainable.put(n, p); });
        AdamW opt = new AdamW(trainable, 0f);
        // AdaLoRA: the orthogonal regularization on the loss and update_and_allocate between update and zero_grad
        AdaLoraAllocation adalora = AdaLoraAllocation.applies(peft) ? new AdaLoraAllocation(peft) : null;
        for (int step = 0; step < 3; step++) {
            Tensor loss = tasks.apply(() -> model.loss(ids, labels, b, t));
            cortado.autograd.Autograd.backward(adalora == null ? loss : adalora.loss(loss));
            opt.step(1e-2f);
            if (adalora != null) adalora.updateAndAllocate(step);
            opt.zeroGrad();
        }
        System.out.println(name + ": " + peft.trainableLine());
        AdapterFiles.save(peft, dir.resolve("adapter"));
        float[] idf = new float[ids.length], lf = new float[ids.length];
        for (int i = 0; i < ids.length; i++) { idf[i] = ids[i]; lf[i] = labels[i]; }
        Map<String, Tensor> ref = new LinkedHashMap<>();
        model.module().eval();   // new adapter layers start in training mode (dropout), as peft's script evaluates
        try (NoGrad g = NoGrad.enter()) {
            ref.put("logits", tasks.apply(() -> model.forward(ids, b, t)).contiguous());
            ref.put("loss", tasks.apply(() -> model.loss(ids, labels, b, t)).contiguous());
            if (model instanceof XLoraLm x) {   // the forward's scalings (the loss ran the same)
                model.forward(ids, b, t);
                ref.put("scalings", x.latestScalings());
            }
        }
        if (taskIds != null) {
            float[] tf = new float[taskIds.length];
            for (int i = 0; i < tf.length; i++) tf[i] = taskIds[i];
            ref.put("task_ids", Tensor.of(tf, taskIds.length));
        }
        ref.put("input_ids", Tensor.of(idf, b, t));
        ref.put("labels", Tensor.of(lf, b, t));
        Safetensors.write(dir.resolve("cortado_logits.safetensors"), ref, Map.of("note", "Cortado's logits"), DType.F32);
        return dir;
    }

    /**
     * The command line's own road: adapters {@code cortado finetune} trains and writes (LoRA on GPT-2's Conv1D layers
     * and on Llama, QLoRA's NF4 base aside: peft would load it on an fp32 base) load in PEFT with no missing or
     * unexpected key, give Cortado's logits, and the perplexity {@code cortado perplexity --adapter} prints equals
     * transformers' sliding-window recipe on the PEFT model (same tokens, 1e-5 relative); what {@code cortado merge}
     * writes from them loads in transformers' from_pretrained and gives the adapted model's logits (1e-4 of max).
     */
    @Test
    void adaptersTheFinetuneCommandWritesGiveTheSamePerplexityInPeft() throws IOException {
        Path python = python();
        List<String> dirs = new ArrayList<>(), mergedDirs = new ArrayList<>();
        for (String family : List.of("gpt2", "llama")) {
            Path dir = tmp.resolve("finetuned").resolve(family);
            Path baseDir = Files.createDirectories(dir.resolve("base"));
            for (String f : List.of("config.json", "model.safetensors"))
                Files.copy(Golden.path(family).resolve(f), baseDir.resolve(f));
            Path data = Golden.path(family + "_train.bin"), adapter = dir.resolve("adapter");
            CliCapture.stdout("finetune", "--model", baseDir.toString(), "--data", data.toString(), "--method", "lora",
                    "--target-modules", "all-linear", "--r", "4", "--alpha", "8", "--rslora", "--steps", "3",
                    "--batch", "2", "--seq", "16", "--lr", "1e-2", "--out", adapter.toString());
            int seq = 16, stride = 6;
            String printed = CliCapture.stdout("perplexity", "--model", baseDir.toString(), "--adapter",
                    adapter.toString(), "--data", data.toString(), "--seq", Integer.toString(seq), "--stride",
                    Integer.toString(stride));
            Map<String, Object> ppl = new LinkedHashMap<>(Json.parseObject(printed.strip()));
            float[] tokens = Safetensors.load(Golden.path(family + "_train.safetensors")).get("tokens").toArray();
            List<Object> ids = new ArrayList<>();
            for (float t : tokens) ids.add((long) t);
            ppl.put("ids", ids);
            ppl.put("seq", (long) seq);
            ppl.put("stride", (long) stride);
            Files.writeString(dir.resolve("cortado_perplexity.json"), Json.write(ppl), StandardCharsets.UTF_8);

            CausalLm model = AdapterFiles.load(HfCheckpoint.load(baseDir), adapter).model();
            model.module().eval();
            int b = 2, t = 8, v = model.config().vocabSize();
            int[] in = new int[b * t], labels = new int[b * t];
            for (int i = 0; i < in.length; i++) in[i] = (i * 29 + 5) % v;
            for (int i = 0; i < in.length; i++) labels[i] = i % t == t - 1 ? CausalLm.IGNORE_INDEX : in[i + 1];
            float[] idf = new float[in.length], lf = new float[in.length];
            for (int i = 0; i < in.length; i++) { idf[i] = in[i]; lf[i] = labels[i]; }
            Map<String, Tensor> ref = new LinkedHashMap<>();
            try (NoGrad g = NoGrad.enter()) {
                ref.put("logits", model.forward(in, b, t).contiguous());
                ref.put("loss", model.loss(in, labels, b, t).contiguous());
            }
            ref.put("input_ids", Tensor.of(idf, b, t));
            ref.put("labels", Tensor.of(lf, b, t));
            Safetensors.write(dir.resolve("cortado_logits.safetensors"), ref, Map.of("note", "Cortado's logits"),
                    DType.F32);
            dirs.add(dir.toString());

            // cortado merge: a plain transformers directory computing the adapted model's logits.
            Path merged = dir.resolve("merged");
            CliCapture.stdout("merge", "--model", baseDir.toString(), "--adapter", adapter.toString(), "--out",
                    merged.toString());
            Map<String, Tensor> mergedRef = new LinkedHashMap<>();
            mergedRef.put("input_ids", ref.get("input_ids"));
            mergedRef.put("logits", ref.get("logits"));
            Safetensors.write(merged.resolve("cortado_logits.safetensors"), mergedRef,
                    Map.of("note", "Cortado's logits of the adapted model"), DType.F32);
            mergedDirs.add(merged.toString());
        }
        String out = runPython(python, "check_cortado_adapters.py", dirs);
        assertThat(out.lines().filter(l -> l.contains("\"ok\": true") && l.contains("\"perplexity_rel_err\""))
                .count()).as(out).isEqualTo(dirs.size());
        String merged = runPython(python, "check_cortado_dirs.py", mergedDirs);
        assertThat(merged.lines().filter(l -> l.contains("\"ok\": true")).count()).as(merged).isEqualTo(mergedDirs.size());
    }

    @Test
    void tokenizerJsonFilesCortadoWritesEncodeIdenticallyInHfTokenizers() throws IOException {
        Path python = python();
        List<String> corpus = new ArrayList<>();
        String[] base = {"The quick brown fox jumps over the lazy dog.", "Tokenizers split text into pieces, then ids.",
            "def add(a, b):\n    return a + b", "Numbers like 12345 and 3.14159 appear too!", "naïve café déjà vu",
            "Hello,   world\t— spaces and   tabs.", "日本語のテキストと中文", "emoji 🙂 and more 🚀🚀"};
        for (int r = 0; r < 40; r++) for (String s : base) corpus.add(s + " " + r);
        List<String> texts = List.of("The lazy fox, again: 42 times!", "return a + b  # comment",
                "café déjà 日本語 🙂", "  leading spaces and trailing  ", "unseen wordsmithery xylophone");
        List<String> dirs = new ArrayList<>();
        Tokenizer bpe = BpeTrainer.train(corpus, new BpeTrainer.Config(400, List.of("<|endoftext|>"), 2,
                SplitPatterns.GPT2_ORIGINAL, 1), (done, target) -> { });
        dirs.add(writeTokenizer("bpe", bpe, texts));
        Tokenizer wordPiece = WordPieceTrainer.train(corpus, new WordPieceTrainer.Config(300,
                WordPieceTrainer.Config.bertSpecials(), 2, true, 1), (done, target) -> { });
        dirs.add(writeTokenizer("wordpiece", wordPiece, texts));
        // Cased, a limited alphabet (so some characters become [UNK]), an initial alphabet and specials in odd order.
        Tokenizer wordPieceLimited = WordPieceTrainer.train(corpus, new WordPieceTrainer.Config(250,
                List.of("[UNK]", "[SEP]", "[CLS]"), 1, false, 40, java.util.Set.of((int) 'Z', (int) '€'), 1), (done, target) -> { });
        dirs.add(writeTokenizer("wordpiece_limited", wordPieceLimited, texts));
        String out = runPython(python, "check_tokenizer_json.py", dirs);
        assertThat(out.lines().filter(l -> l.contains("\"ok\": true")).count()).as(out).isEqualTo(dirs.size());
    }

    private String writeTokenizer(String name, Tokenizer tok, List<String> texts) throws IOException {
        Path dir = tmp.resolve("tokenizers").resolve(name);
        Files.createDirectories(dir);
        HfTokenizerJson.save(tok, dir.resolve("tokenizer.json"));
        List<Object> ids = new ArrayList<>();
        for (String t : texts) {
            List<Object> row = new ArrayList<>();
            for (int id : tok.encode(t)) row.add((long) id);
            ids.add(row);
        }
        Files.writeString(dir.resolve("texts.txt"), String.join("\n", texts), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("cortado_ids.json"), Json.write(ids), StandardCharsets.UTF_8);
        return dir.toString();
    }

    /** The interop venv's Python, or a failure saying why there is none. */
    static Path python() {
        String error = System.getenv("CORTADO_INTEROP_ERROR");
        if (error != null && !error.isBlank())
            throw new AssertionError("the interop Python venv could not be made: " + error);
        String p = System.getProperty("cortado.interop.python");
        if (p == null || p.isBlank()) p = System.getenv("CORTADO_INTEROP_PYTHON");
        if (p == null || p.isBlank())
            throw new AssertionError("no interop Python: run the suite with ./cortado test (it makes .venv-interop/ from"
                    + " tools/interop/requirements.txt), or pass -Dcortado.interop.python=PATH or set"
                    + " CORTADO_INTEROP_PYTHON=PATH to a Python with torch, transformers, tokenizers and safetensors");
        Path path = Path.of(p);
        if (!Files.isExecutable(path)) throw new AssertionError("interop Python " + p + " is not an executable file");
        return path;
    }

    /** tools/interop/, found from the module's working directory up. */
    static Path scripts() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools").resolve("interop");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("tools/interop not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs a script, returns its output; fails with that output when it exits non-zero or runs too long. */
    /** tools/interop/check_cortado_adapters.py on {@code dirs}: one {@code "ok": true} line per adapter directory. */
    private static void assertEveryAdapterLoadsInPython(Path python, List<String> dirs) throws IOException {
        String out = runPython(python, "check_cortado_adapters.py", dirs);
        assertThat(out.lines().filter(l -> l.contains("\"ok\": true")).count()).as(out).isEqualTo(dirs.size());
    }

    static String runPython(Path python, String script, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), scripts().resolve(script).toString()));
        cmd.addAll(args);
        return runScript(script, cmd);
    }

    /** Runs a check script's command line, returns its output; fails with that output on a non-zero exit or timeout. */
    static String runScript(String script, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("HF_HUB_OFFLINE", "1");
        pb.environment().put("TOKENIZERS_PARALLELISM", "false");
        pb.environment().put("HF_HUB_DISABLE_PROGRESS_BARS", "1");
        pb.environment().put("TRANSFORMERS_VERBOSITY", "error");
        Path log = Files.createTempFile("interop", ".log");
        pb.redirectOutput(log.toFile());
        Process proc = pb.start();
        try {
            if (!proc.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                throw new AssertionError(script + " ran past " + TIMEOUT_S + " s:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + script, e);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        System.out.print(out);
        if (proc.exitValue() != 0) throw new AssertionError(script + " exited " + proc.exitValue() + ":\n" + out);
        return out;
    }
}
