package cortado.bench;

import cortado.metrics.Bleu;
import cortado.metrics.Chrf;
import cortado.metrics.SegmentTokenizer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Corpus BLEU (sacreBLEU's default: 13a, exp smoothing; and the intl tokenizer) and chrF on a few thousand seeded
 * random lines of ~25 tokens with punctuation and numbers against two reference streams: the cost of scoring a
 * validation set, e.g. in early stopping. bench/compare/bleu_vs_sacrebleu.sh times sacreBLEU on the same kind of
 * corpus side by side.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar BleuBench</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class BleuBench {
    @Param({"3000"})
    public int lines;

    @Param({"13a", "intl"})
    public String tokenize;

    private List<String> hyps;
    private List<List<String>> refs;
    private Bleu bleu;
    private final Chrf chrf = new Chrf(Chrf.Options.chrf());

    @Setup
    public void setup() {
        MetricCorpus c = MetricCorpus.random(lines, 20260);
        hyps = c.hypotheses();
        refs = c.references();
        bleu = new Bleu(Bleu.Options.defaults().withTokenizer(SegmentTokenizer.named(tokenize)));
    }

    @Benchmark public double corpusBleu() { return bleu.corpus(hyps, refs).score(); }

    @Benchmark public double corpusChrf() { return chrf.corpus(hyps, refs).score(); }
}
