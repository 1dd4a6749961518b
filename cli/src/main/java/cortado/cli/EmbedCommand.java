package cortado.cli;

import cortado.data.text.Utf8LineReader;
import cortado.nn.embed.SentenceTransformer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cortado embed --model DIR --input FILE [--out FILE]}: one embedding per input line, as sentence-transformers'
 * {@code encode} computes it from a sentence-transformers directory (pooling and normalization as the directory says,
 * inputs truncated to its max_seq_length, its default prompt or the one given prepended). Writes one JSON array of
 * floats per line, to a temporary file renamed
 * over {@code --out} at the end (or to stdout). Lines are embedded in batches, padded within each batch.
 */
public final class EmbedCommand implements Command {
    private static final int MAX_LINE_BYTES = 1 << 20;

    @Override public String name() { return "embed"; }

    @Override public String summary() { return "sentence embeddings of each line with a sentence-transformers model"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("embed", """
                Embeds each line of a text file with a sentence-transformers model directory (modules.json, a BERT
                Transformer, Pooling, then Dense and Normalize modules) and writes one JSON array of floats per line.
                The directory's default prompt (config_sentence_transformers.json) applies unless one is given.""")
                .required("model", "DIR", "sentence-transformers model directory")
                .required("input", "FILE", "UTF-8 text, one input per line")
                .option("out", "FILE", "where to write (default: stdout)", null)
                .option("batch", "N", "lines embedded together", "32")
                .option("prompt", "TEXT", "prepended to every line (\"\" for none)", null)
                .option("prompt-name", "NAME", "a prompt of config_sentence_transformers.json, by name", null)
                .parse(argv);
        if (a.string("prompt") != null && a.string("prompt-name") != null)
            throw new UsageException("give --prompt or --prompt-name, not both");
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        int batch = a.positiveInt("batch");
        Path dir = Path.of(a.string("model")), in = Path.of(a.string("input"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such model directory");
        if (!Files.isRegularFile(in)) throw new CliException(in + ": no such input file");
        SentenceTransformer model = SentenceTransformer.load(dir);
        String prompt = model.prompts().defaultPrompt();
        if (a.string("prompt") != null) prompt = a.string("prompt");
        if (a.string("prompt-name") != null) {
            try {
                prompt = model.prompts().named(a.string("prompt-name"));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--prompt-name: " + e.getMessage());
            }
        }
        Path out = a.string("out") == null ? null : Path.of(a.string("out")).toAbsolutePath();
        Path tmp = out == null ? null : Files.createTempFile(out.getParent(), "." + out.getFileName(), ".tmp");
        long lines = 0;
        try (Utf8LineReader r = new Utf8LineReader(Files.newInputStream(in), MAX_LINE_BYTES, Utf8LineReader.Overlong.SKIP);
             Writer w = new BufferedWriter(out == null
                     ? new OutputStreamWriter(new java.io.FilterOutputStream(System.out) {
                         @Override public void close() throws IOException { flush(); }
                     }, StandardCharsets.UTF_8)
                     : Files.newBufferedWriter(tmp, StandardCharsets.UTF_8))) {
            List<String> texts = new ArrayList<>();
            while (true) {
                long invalidBefore = r.invalidSequences();
                String line = r.readLine();
                if (line != null && r.lastSkipped())
                    throw new CliException(in + ": line " + r.lineNumber() + " is longer than " + MAX_LINE_BYTES + " bytes");
                if (line != null && r.invalidSequences() > invalidBefore)
                    throw new CliException(in + ": line " + r.lineNumber() + " is not valid UTF-8");
                if (line != null) texts.add(line);
                if (texts.size() == batch || (line == null && !texts.isEmpty())) {
                    for (float[] v : model.encode(texts, batch, prompt)) writeVector(w, v);
                    lines += texts.size();
                    texts.clear();
                }
                if (line == null) break;
            }
        } catch (RuntimeException | IOException e) {
            if (tmp != null) Files.deleteIfExists(tmp);
            throw e;
        }
        if (out != null) {
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.err.printf("%s: %,d embeddings%n", out, lines);
        }
        return Main.OK;
    }

    /** [v0,v1,...] with each float in its shortest round-trip form. */
    private static void writeVector(Writer w, float[] v) throws IOException {
        StringBuilder sb = new StringBuilder(v.length * 12).append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) sb.append(',');
            if (!Float.isFinite(v[i])) throw new CliException("the model produced a non-finite value (" + v[i] + ")");
            sb.append(Float.toString(v[i]));
        }
        w.write(sb.append("]\n").toString());
    }
}
