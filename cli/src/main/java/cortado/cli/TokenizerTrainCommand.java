package cortado.cli;

import cortado.data.tokenizer.BpeTrainer;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.SplitPatterns;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.VocabTxt;
import cortado.data.tokenizer.WordPieceTrainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code cortado tokenizer train --input PATH... --type bpe|wordpiece --vocab-size N [--special-tokens A,B]
 * --out tokenizer.json}: trains a byte-level BPE (HF BpeTrainer-compatible) or WordPiece vocabulary and writes a
 * tokenizer.json that HF tokenizers loads.
 */
public final class TokenizerTrainCommand implements Command {
    @Override public String name() { return "tokenizer"; }

    @Override public String summary() { return "tokenizer train: learn a BPE or WordPiece vocabulary (tokenizer.json)"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length == 0 || !argv[0].equals("train")) {
            if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) argv = new String[] {"train", "--help"};
            else throw new UsageException("usage: cortado tokenizer train --input PATH... --vocab-size N --out FILE (see --help)");
        }
        Args a = new Args("tokenizer train", "Trains a tokenizer on text files (one training text per line, as HF does) and "
                + "writes tokenizer.json.\nExtra paths after the options are inputs too.")
                .required("input", "PATH", "text file (one training text per line), .jsonl ({\"text\": ...} per line) or"
                        + " directory of .txt files")
                .option("type", "bpe|wordpiece", "model type", "bpe")
                .required("vocab-size", "N", "vocabulary size including special tokens")
                .option("special-tokens", "A,B", "comma-separated special tokens (default <|endoftext|> for bpe, "
                        + "[PAD],[UNK],[CLS],[SEP],[MASK] for wordpiece)", null)
                .option("min-frequency", "N", "pairs seen fewer times are not merged", "2")
                .option("pattern", "REGEX|NAME", "bpe pre-tokenization: a regex, or gpt2, cl100k_base, o200k_base, llama3 "
                        + "(default gpt2)", null)
                .flag("ignore-merges", "bpe: a piece that is itself a token is emitted whole (as Llama 3, tiktoken)")
                .flag("cased", "wordpiece: keep case and accents")
                .option("limit-alphabet", "N", "wordpiece: keep only the N most frequent characters (0: all)", "0")
                .option("initial-alphabet", "CHARS", "wordpiece: characters always in the alphabet", "")
                .required("out", "FILE", "tokenizer.json to write");
        a.parse(Arrays.copyOfRange(argv, 1, argv.length));
        List<Path> inputs = new ArrayList<>();
        inputs.add(Path.of(a.string("input")));
        for (String p : a.positionals()) inputs.add(Path.of(p));
        String type = a.choice("type", "bpe", "wordpiece");
        int vocab = a.positiveInt("vocab-size");
        long minFreq = a.longValue("min-frequency");
        int threads = Runtime.getRuntime().availableProcessors();

        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>();
        long bytes = 0;
        for (Path p : expand(inputs)) bytes += readLines(p, lines);
        System.err.printf("read %,d lines (%.1f MB) from %d file(s)%n", lines.size(), bytes / 1e6, inputs.size());
        Progress progress = new Progress("merges");
        Tokenizer tok;
        if (type.equals("bpe")) {
            List<String> specials = a.string("special-tokens") == null ? List.of("<|endoftext|>") : list(a.string("special-tokens"));
            String p = a.string("pattern");
            String pattern = p == null || p.equals("gpt2") ? SplitPatterns.GPT2_ORIGINAL
                    : SplitPatterns.forEncoding(p) != null ? SplitPatterns.forEncoding(p) : p;
            if (vocab < 256 + specials.size()) throw new UsageException("--vocab-size must be at least 256 + special tokens");
            tok = BpeTrainer.train(lines, new BpeTrainer.Config(vocab, specials, minFreq, pattern, threads), progress::step)
                    .withWholePieceLookup(a.bool("ignore-merges"));
        } else {
            List<String> specials = a.string("special-tokens") == null ? VocabTxt.BERT_SPECIALS : list(a.string("special-tokens"));
            if (!specials.contains("[UNK]")) throw new UsageException("--special-tokens must include [UNK] for wordpiece");
            Set<Integer> initial = new HashSet<>();
            a.string("initial-alphabet").codePoints().forEach(initial::add);
            tok = WordPieceTrainer.train(lines, new WordPieceTrainer.Config(vocab, specials, minFreq, !a.bool("cased"),
                    a.nonNegativeInt("limit-alphabet"), initial, threads), progress::step);
        }
        progress.done();
        Path out = Path.of(a.string("out"));
        HfTokenizerJson.save(tok, out);
        System.err.printf("wrote %s: %,d tokens in %.1f s%n", out, tok.vocabSize(), (System.nanoTime() - t0) / 1e9);
        return Main.OK;
    }

    private static List<String> list(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }

    private static List<Path> expand(List<Path> inputs) throws IOException, UsageException {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".txt")).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new UsageException(p + ": no such file or directory");
            }
        }
        return files;
    }

    /**
     * Appends the file's lines (each keeping its "\n"); invalid UTF-8 becomes U+FFFD. A {@code .jsonl} file gives each
     * line's "text" field instead (a datasets "text" column, as {@code train_from_iterator(ds["text"])}). Returns the
     * byte count.
     */
    static long readLines(Path p, List<String> out) throws IOException, UsageException {
        byte[] raw = Files.readAllBytes(p);
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(raw)).toString();
        if (p.getFileName().toString().endsWith(".jsonl")) {
            int n = 0;
            for (String line : text.split("\n", -1)) {
                n++;
                if (line.isBlank()) continue;
                Object row;
                try {
                    row = cortado.data.json.Json.parse(line);
                } catch (cortado.data.json.JsonException e) {
                    throw new CliException(p + ":" + n + ": not a JSON object: " + e.getMessage());
                }
                if (!(row instanceof java.util.Map<?, ?> m) || !(m.get("text") instanceof String t))
                    throw new CliException(p + ":" + n + ": expected {\"text\": \"...\"}");
                out.add(t);
            }
            return raw.length;
        }
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl + 1;
            out.add(text.substring(pos, end));
            pos = end;
        }
        return raw.length;
    }

    /**
     * Training progress on stderr: on a terminal a bar redrawn in place with rate and ETA, otherwise a plain line at most
     * every five seconds.
     */
    static final class Progress {
        private final String what;
        private final long start = System.nanoTime();
        private final boolean terminal = System.console() != null && System.console().isTerminal();
        private long last;
        private int done, target;

        Progress(String what) { this.what = what; }

        void step(int done, int target) {
            this.done = done;
            this.target = target;
            long now = System.nanoTime();
            if (now - last < (terminal ? 200_000_000L : 5_000_000_000L)) return;
            last = now;
            double s = (now - start) / 1e9, rate = done / Math.max(s, 1e-9);
            double eta = rate > 0 ? (target - done) / rate : 0;
            if (terminal) {
                int width = 30, filled = target > 0 ? (int) ((long) width * done / target) : 0;
                System.err.printf("\r%s [%s%s] %,d/%,d %.0f/s ETA %.0fs ", what, "#".repeat(filled), " ".repeat(width - filled),
                        done, target, rate, eta);
            } else {
                System.err.printf("%s %,d/%,d (%.0f/s, %.1f s, ETA %.0f s)%n", what, done, target, rate, s, eta);
            }
        }

        void done() {
            System.err.printf("%s%s %,d/%,d done in %.1f s%n", terminal ? "\r" : "", what, done, target,
                    (System.nanoTime() - start) / 1e9);
        }
    }
}
