package cortado.cli;

import cortado.tensor.Parallel;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado bench sgemm --sizes 256,512,1024,2048}: square single-precision matrix multiply throughput, one JSON
 * line per size, {@code {"size": N, "gflops": G}}, the median of timed repeats after warm-up (see {@link SgemmTimer}).
 * The full kernel benchmarks (JMH) live in the bench module.
 */
public final class BenchCommand implements Command {
    @Override public String name() { return "bench"; }

    @Override public String summary() { return "micro-benchmarks: bench sgemm --sizes 256,512,1024,2048; bench tokenize --tokenizer PATH --input FILE"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("tokenize")) return new BenchTokenizeCommand().run(argv);
        Args a = new Args("bench", """
                Measures a kernel and prints one JSON line per size. Kernels: sgemm (C = A @ B, float32, square N x N;
                GFLOP/s = 2 N^3 / time, median of timed repeats after warm-up). Tokenizer throughput: see
                cortado bench tokenize --help.""")
                .positional("KERNEL", "the kernel to measure: sgemm (or tokenize)")
                .option("sizes", "N,N,...", "matrix sizes", "256,512,1024,2048")
                .option("repeats", "R", "timed repeats per size (default: about a second of work, at least 5)", null)
                .parse(argv);
        List<String> pos = a.positionals();
        if (pos.isEmpty()) throw new UsageException("bench needs a kernel name: cortado bench sgemm [--sizes ...]");
        if (pos.size() > 1) throw new UsageException("unexpected argument '" + pos.get(1) + "'");
        if (!pos.get(0).equals("sgemm"))
            throw new UsageException("unknown kernel '" + pos.get(0) + "' (available: sgemm, tokenize)");
        int[] sizes = a.intList("sizes");
        Integer repeats = a.has("repeats") ? a.positiveInt("repeats") : null;
        for (int n : sizes) {
            int r = repeats != null ? repeats : SgemmTimer.defaultRepeats(n);
            double gflops = SgemmTimer.medianGflops(n, r);
            System.out.printf(Locale.ROOT, "{\"size\":%d,\"gflops\":%.2f,\"threads\":%d,\"repeats\":%d}%n",
                    n, gflops, Parallel.threads(), r);
            System.out.flush();
        }
        return Main.OK;
    }
}
