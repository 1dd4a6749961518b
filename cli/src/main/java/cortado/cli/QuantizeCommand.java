package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.BnbCheckpoint;
import cortado.quant.nn.MemoryReport;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.train.TokenData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado quantize}: an fp32 checkpoint to a bitsandbytes 4-bit one (NF4 / FP4, optionally double quantized)
 * or LLM.int8 one,
 * in the tensor layout and config.json quantization_config that transformers + bitsandbytes read. generate, pretrain
 * and the other commands that take --model load such a directory as a quantized model.
 */
public final class QuantizeCommand implements Command {
    @Override public String name() { return "quantize"; }

    @Override public String summary() { return "quantize a checkpoint to NF4/FP4/int8 (bitsandbytes layout)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("quantize", """
                Quantizes every Linear / Conv1D weight of a checkpoint blockwise to 4 bits (bitsandbytes' Linear4bit;
                a GPT-2 Conv1D is transposed first, as transformers does) or row-wise to int8 (LLM.int8, Linear8bit),
                leaving embeddings, norms, biases and the --skip modules in fp32, and writes a directory transformers +
                bitsandbytes load (4-bit: weight as packed uint8, weight.absmax, weight.quant_map,
                weight.nested_absmax, weight.nested_quant_map, weight.quant_state.bitsandbytes__nf4; int8: weight,
                SCB, weight_format; and quantization_config in config.json). --include-embeddings also quantizes the
                token embedding table (a tied head with it) and, unless --skip says otherwise, lm_head, as llama.cpp
                does; Cortado's generate, chat, inspect and dequantize load such a directory, transformers + bitsandbytes do
                not (bitsandbytes has no quantized embedding).""")
                .required("model", "DIR", "fp32 checkpoint directory (Hugging Face layout)")
                .option("type", "nf4|fp4|int8", "4-bit NormalFloat, 4-bit float, or LLM.int8 row-wise", "nf4")
                .option("blocksize", "N", "elements per absmax block: 32, 64, ..., 4096", "64")
                .flag("double-quant", "quantize the absmax values too (QLoRA double quantization)")
                .option("skip", "NAMES", "comma-separated modules left in fp32 (default: lm_head; nothing with"
                        + " --include-embeddings)", null)
                .flag("include-embeddings", "quantize the token embeddings and the output head too (tied or untied)")
                .flag("eval", "report validation perplexity before and after quantization")
                .option("data", "FILE", "validation data for --eval (text or .bin); default: the demo corpus' tail", null)
                .option("seq", "T", "evaluation window length for --eval", "256")
                .required("out", "DIR", "output directory")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        String type = a.choice("type", "nf4", "fp4", "int8");
        int blocksize = a.positiveInt("blocksize");
        boolean embeddings = a.bool("include-embeddings");
        List<String> skip = !a.has("skip") ? (embeddings ? List.of() : QuantizeSpec.DEFAULT_SKIP)
                : Arrays.stream(a.string("skip").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        QuantizeSpec spec;
        try {
            spec = new QuantizeSpec(type, blocksize, a.bool("double-quant"), skip, embeddings);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path dir = Path.of(a.string("model")), out = Path.of(a.string("out"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such checkpoint directory");
        if (isQuantized(dir)) throw new CliException(dir + ": already quantized (config.json has quantization_config)");

        PrintStream o = System.out;
        CausalLm model = HfCheckpoint.load(dir);
        long fp32Bytes = 4L * model.module().parameterCount();
        TokenData val = null;
        ValidationPerplexity.Result before = null;
        if (a.bool("eval")) {
            val = ValidationPerplexity.data(a.has("data") ? Path.of(a.string("data")) : null, model, dir);
            before = ValidationPerplexity.evaluate(model, val, a.positiveInt("seq"), 8);
        }
        List<String> layers = ModelQuantizer.quantize(model, spec);
        QuantizedCheckpoint.save(model, spec, out);
        TokenizerFiles.copy(dir, out);
        MemoryReport r = MemoryReport.of(model.module());
        o.printf(Locale.ROOT, "quantized %d layers to %s (%s), skipped %s%n", layers.size(), type,
                spec.fourBit() ? "blocksize " + blocksize + (spec.doubleQuant() ? ", double quantization" : "")
                        : "row-wise absmax", skip.isEmpty() ? "nothing" : skip);
        MemoryReport.Row q = r.quantizedWeights(), t = r.total();
        o.printf(Locale.ROOT, "quantized weights: %d parameters, %.3f bits/parameter; model: %s -> %s bytes (%.2fx smaller)%n",
                q.parameters(), q.bitsPerParameter(), fp32Bytes, t.bytes(), (double) fp32Bytes / t.bytes());
        if (val != null) {
            ValidationPerplexity.Result after = ValidationPerplexity.evaluate(model, val, a.positiveInt("seq"), 8);
            o.printf(Locale.ROOT, "validation perplexity (%s, %d tokens): fp32 %.4f -> %s %.4f (%+.2f%%)%n",
                    val.source(), before.tokens(), before.perplexity(), type, after.perplexity(),
                    100 * (after.perplexity() / before.perplexity() - 1));
        }
        o.println("wrote " + out);
        return Main.OK;
    }

    /** Whether {@code dir} holds a quantized checkpoint (config.json with a bitsandbytes quantization_config). */
    static boolean isQuantized(Path dir) { return BnbCheckpoint.isQuantized(dir); }

    /** A quantized checkpoint as a model whose quantized layers compute on the 4-bit weights. */
    static CausalLm loadQuantized(Path dir) { return QuantizedCheckpoint.load(dir); }
}
