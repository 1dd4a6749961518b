package cortado.bench;

import cortado.metrics.Bleu;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times corpus BLEU (sacreBLEU's defaults) on files, for bench/compare/bleu_vs_sacrebleu.sh: one warm-up pass, then
 * REPEATS timed passes; prints one line "cortado median_ms=... min_ms=... max_ms=... score=...".
 *
 * <pre>java -cp bench/target/benchmarks.jar cortado.bench.BleuCorpusMain HYP REF [REF...] --repeats 5</pre>
 */
public final class BleuCorpusMain {
    public static void main(String[] args) throws Exception {
        int repeats = 5;
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeats")) repeats = Integer.parseInt(args[++i]);
            else files.add(args[i]);
        }
        List<String> hyps = Files.readAllLines(Path.of(files.getFirst()), StandardCharsets.UTF_8);
        List<List<String>> refs = new ArrayList<>();
        for (String f : files.subList(1, files.size())) refs.add(Files.readAllLines(Path.of(f), StandardCharsets.UTF_8));
        Bleu bleu = new Bleu();
        double score = bleu.corpus(hyps, refs).score();
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            score = bleu.corpus(hyps, refs).score();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("cortado median_ms=%.1f min_ms=%.1f max_ms=%.1f score=%.6f%n", ms[repeats / 2], ms[0],
                ms[repeats - 1], score);
    }
}
