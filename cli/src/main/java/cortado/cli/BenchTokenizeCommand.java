package cortado.cli;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code cortado bench tokenize --tokenizer PATH --input FILE}: single-threaded encoding speed after warm-up, as one
 * JSON line with the median {@code mb_per_s} and {@code tokens_per_s} (MB = 10^6 bytes of UTF-8 input). Reached
 * through {@link BenchCommand}, which owns the word "bench" and hands "bench tokenize" here.
 */
public final class BenchTokenizeCommand implements Command {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "bench tokenize: single-threaded tokenizer throughput (JSON line)"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length == 0 || !argv[0].equals("tokenize")) {
            throw new UsageException("usage: cortado bench tokenize --tokenizer PATH --input FILE (available: bench tokenize)");
        }
        Args a = new Args("bench tokenize", "Encodes the whole file as one text on one thread: warm-up runs, then timed "
                + "runs; prints one JSON line with the median rate.")
                .required("tokenizer", "PATH", "tokenizer.json, encoder.json+vocab.bpe directory, .tiktoken, or vocab.txt")
                .required("input", "FILE", "text file")
                .option("pattern", "REGEX", "pre-tokenization regex for a .tiktoken file", null)
                .flag("cased", "vocab.txt: cased BERT")
                .option("warmup", "N", "untimed runs first", "2")
                .option("runs", "N", "timed runs", "5");
        a.parse(Arrays.copyOfRange(argv, 1, argv.length));
        Tokenizer tok = Tokenizers.open(Path.of(a.string("tokenizer")), a.string("pattern"), a.bool("cased"));
        Path in = Path.of(a.string("input"));
        if (!Files.isRegularFile(in)) throw new UsageException(in + ": no such file");
        byte[] raw = Files.readAllBytes(in);
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(raw)).toString();
        int warmup = a.nonNegativeInt("warmup"), runs = a.positiveInt("runs");
        long tokens = 0;
        for (int i = 0; i < warmup; i++) tokens = tok.encode(text).length;
        double[] secs = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            tokens = tok.encode(text).length;
            secs[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(secs);
        double median = runs % 2 == 1 ? secs[runs / 2] : (secs[runs / 2 - 1] + secs[runs / 2]) / 2;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tokenizer", a.string("tokenizer"));
        r.put("input", in.toString());
        r.put("bytes", raw.length);
        r.put("tokens", tokens);
        r.put("threads", 1);
        r.put("runs", runs);
        r.put("median_s", Math.round(median * 1e4) / 1e4);
        r.put("mb_per_s", Math.round(raw.length / 1e6 / median * 100) / 100.0);
        r.put("tokens_per_s", Math.round(tokens / median));
        System.out.println(Json.write(r));
        return Main.OK;
    }
}
