package cortado.cli;

import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code cortado tokenize --tokenizer PATH --input FILE [--output FILE]}: JSON Lines, one array of token ids per input
 * line (the line without its newline). Streams, so the input may be larger than memory. A tokenizer.json matches its
 * added tokens as HF does ({@code --special-as-text} reads special ones as text); tiktoken-style files read special
 * tokens as text unless {@code --allowed-special} names them.
 */
public final class TokenizeCommand implements Command {
    @Override public String name() { return "tokenize"; }

    @Override public String summary() { return "encode a text file to token ids (JSON Lines, one array per line)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("tokenize", "Encodes each line of a text file; writes one JSON array of ids per line.\n"
                + "PATH: tokenizer.json, a directory with encoder.json + vocab.bpe, a .tiktoken file, or vocab.txt.")
                .required("tokenizer", "PATH", "the tokenizer")
                .required("input", "FILE", "text file (invalid UTF-8 becomes U+FFFD)")
                .option("output", "FILE", "where to write (default: stdout)", null)
                .option("pattern", "REGEX", "pre-tokenization regex for a .tiktoken file", null)
                .flag("cased", "vocab.txt: cased BERT (default uncased)")
                .option("allowed-special", "all|A,B", "a .tiktoken/encoder.json/vocab.txt tokenizer: special tokens"
                        + " recognised in the text (default: none, as tiktoken's encode_ordinary)", "")
                .flag("special-as-text", "a tokenizer.json: read special-token strings as text (default: its added"
                        + " tokens are matched, as Hugging Face tokenizers does)");
        a.parse(argv);
        Tokenizer tok = Tokenizers.open(Path.of(a.string("tokenizer")), a.string("pattern"), a.bool("cased"));
        String allowedArg = a.string("allowed-special");
        boolean all = allowedArg.equals("all");
        Set<String> allowed = new LinkedHashSet<>();
        if (!all) for (String s : allowedArg.split(",")) if (!s.isEmpty()) allowed.add(s);
        boolean specialAsText = a.bool("special-as-text");
        if (tok instanceof HfTokenizer && (all || !allowed.isEmpty())) {
            throw new UsageException("--allowed-special is for tiktoken-style files; a tokenizer.json matches its added"
                    + " tokens already (--special-as-text turns special ones into text)");
        }
        if (specialAsText) tok = tok.specialTokensAsText();
        Path in = Path.of(a.string("input"));
        if (!Files.isRegularFile(in)) throw new UsageException(in + ": no such file");
        Path out = a.string("output") == null ? null : Path.of(a.string("output"));
        Path tmp = out == null ? null : Files.createTempFile(out.toAbsolutePath().getParent(), ".tokenize", ".tmp");
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        long lines = 0, tokens = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(in), decoder), 1 << 16);
             Writer w = new BufferedWriter(out == null ? new OutputStreamWriter(unclosable(System.out), StandardCharsets.UTF_8)
                     : Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16)) {
            StringBuilder sb = new StringBuilder();
            for (String line; (line = r.readLine()) != null; ) {
                int[] ids = Tokenizers.encode(tok, line, allowed, all);
                sb.setLength(0);
                sb.append('[');
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0) sb.append(',');
                    sb.append(ids[i]);
                }
                sb.append("]\n");
                w.write(sb.toString());
                lines++;
                tokens += ids.length;
            }
        } catch (Exception e) {
            if (tmp != null) Files.deleteIfExists(tmp);
            throw e;
        }
        if (out != null) {
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.err.printf("%s: %,d lines, %,d tokens%n", out, lines, tokens);
        }
        return Main.OK;
    }

    /** stdout for the writer: closing the writer flushes it but leaves stdout open. */
    private static java.io.OutputStream unclosable(java.io.OutputStream s) {
        return new java.io.FilterOutputStream(s) {
            @Override public void write(byte[] b, int off, int len) throws java.io.IOException { out.write(b, off, len); }
            @Override public void close() throws java.io.IOException { flush(); }
        };
    }
}
