package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.nn.Dequantizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code cortado dequantize}: a quantized checkpoint back to an ordinary fp32 one (Conv1D weights back to [in, out]). */
public final class DequantizeCommand implements Command {
    @Override public String name() { return "dequantize"; }

    @Override public String summary() { return "write a quantized checkpoint back in fp32"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("dequantize", """
                Reads a bitsandbytes 4-bit checkpoint (as written by cortado quantize or transformers) and writes the
                same model with every quantized weight dequantized to fp32, in the ordinary Hugging Face layout.""")
                .required("model", "DIR", "quantized checkpoint directory")
                .required("out", "DIR", "output directory")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path dir = Path.of(a.string("model")), out = Path.of(a.string("out"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such checkpoint directory");
        if (!QuantizeCommand.isQuantized(dir))
            throw new CliException(dir + ": not a quantized checkpoint (config.json has no quantization_config)");
        CausalLm model = QuantizeCommand.loadQuantized(dir);
        List<String> layers = Dequantizer.dequantize(model);
        HfCheckpoint.save(model, out);
        TokenizerFiles.copy(dir, out);
        System.out.println("dequantized " + layers.size() + " layers to fp32; wrote " + out);
        return Main.OK;
    }
}
