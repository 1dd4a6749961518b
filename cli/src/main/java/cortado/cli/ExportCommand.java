package cortado.cli;

import cortado.data.chat.TokenizerConfig;
import cortado.data.tokenizer.GgufVocabulary;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.gguf.GgufExport;
import cortado.nn.models.CausalLm;
import cortado.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code cortado export gguf}: a Hugging Face checkpoint as a GGUF file for llama.cpp (and so Ollama). */
public final class ExportCommand implements Command {
    @Override public String name() { return "export"; }

    @Override public String summary() { return "export a checkpoint to another format: gguf (llama.cpp)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("export", """
                export gguf: writes the checkpoint --model as a GGUF v3 file (llama.cpp's format) laid out as
                llama.cpp's convert_hf_to_gguf.py lays it out: architecture gpt2 or llama (mistral without a sliding
                window too), the <arch>.* metadata, tensors under llama.cpp's names, the tokenizer (byte-level BPE
                tokenizer.json, GPT-2's or Llama 3's pre-tokenizer) in tokenizer.ggml.*, the chat template when the
                checkpoint has one. --type: f32; f16; q8_0 or q4_0 (ggml's reference quantizers, blocks of 32);
                vectors and GPT-2's position table stay f32, matrices whose rows are not whole blocks of 32 are f16.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory with its tokenizer.json")
                .option("type", "TYPE", "f32, f16, q8_0 or q4_0", "f16")
                .required("out", "FILE", "the GGUF file to write")
                .option("name", "NAME", "general.name; default: the directory's name", null)
                .parse(argv);
        List<String> pos = a.positionals();
        if (pos.isEmpty()) throw new UsageException("name the format: cortado export gguf --model DIR --out FILE");
        if (!pos.get(0).equals("gguf")) throw new UsageException("unknown export format '" + pos.get(0) + "' (known: gguf)");
        if (pos.size() > 1) throw new UsageException("unexpected argument '" + pos.get(1) + "'");
        GgmlType type = switch (a.string("type").toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            default -> throw new UsageException("--type must be f32, f16, q8_0 or q4_0, got '" + a.string("type") + "'");
        };
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model"))), out = Path.of(a.string("out"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such checkpoint directory");
        if (QuantizeCommand.isQuantized(dir))
            throw new CliException(dir + ": a bitsandbytes-quantized checkpoint; dequantize it first (cortado dequantize)");
        CausalLm model = HfCheckpoint.load(dir);
        if (!Tokenizers.hasTokenizer(dir)) throw new CliException(dir + ": no tokenizer files to write into the GGUF file");
        Tokenizer tok = Tokenizers.open(dir);
        if (!(tok instanceof HfTokenizer hf))
            throw new CliException(dir + ": GGUF export needs a tokenizer.json (this checkpoint's tokenizer is "
                    + tok.getClass().getSimpleName() + ")");
        Object bos = model.config().toHfJson().get("bos_token_id");
        List<Integer> eos = model.config().eosTokenIds();
        GgufVocabulary vocab = GgufVocabulary.of(hf, model.config().vocabSize(),
                bos instanceof Number n ? n.intValue() : -1, eos.isEmpty() ? -1 : eos.get(0));
        String template = null;
        if (Files.isRegularFile(dir.resolve("tokenizer_config.json")) || Files.isRegularFile(dir.resolve("chat_template.jinja")))
            template = TokenizerConfig.load(dir).templates().get("default");
        String name = a.has("name") ? a.string("name") : dir.toAbsolutePath().normalize().getFileName().toString();
        GgufExport.write(model, vocab, template, type, name, out);
        System.out.println("wrote " + out + " (" + type.ggmlName() + ", " + Files.size(out) + " bytes)");
        return Main.OK;
    }
}
