package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.TunerLayer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code cortado merge}: PEFT's {@code merge_and_unload}: folds an adapter into its base's weights and writes a plain
 * Hugging Face model directory (transformers' from_pretrained loads it; no adapter needed any more).
 */
public final class MergeCommand implements Command {
    @Override public String name() { return "merge"; }

    @Override public String summary() { return "fold a PEFT adapter into its base model (merge_and_unload)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("merge", """
                Loads --adapter on the fp32 base --model, merges it into the base weights (W + scaling * B A, as PEFT's
                merge_and_unload) and writes the merged model to --out: config.json, model.safetensors and the base's
                tokenizer files.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory")
                .required("adapter", "DIR", "a PEFT adapter directory made for that base")
                .required("out", "DIR", "output directory for the merged model")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
        Path adapter = Path.of(a.string("adapter")), out = Path.of(a.string("out"));
        if (!Files.isDirectory(dir)) throw new CliException(a.string("model") + ": no such model directory");
        if (QuantizeCommand.isQuantized(dir))
            throw new CliException(dir + ": merging into a quantized base is not supported; merge into the fp32 base"
                    + " (cortado dequantize first), then quantize the merged model");
        CausalLm base = HfCheckpoint.load(dir);
        PeftModel peft = AdapterFiles.load(base, adapter);
        var config = peft.config(PeftModel.DEFAULT);
        long layers = peft.module().namedModules().values().stream().filter(m -> m instanceof TunerLayer).count();
        CausalLm merged = peft.mergeAndUnload();
        HfCheckpoint.save(merged, out);
        TokenizerFiles.copy(dir, out);
        System.out.println("merged " + adapter + " (" + config.peftType() + ", " + layers
                + " layers) into " + dir + "; wrote " + out);
        return Main.OK;
    }
}
