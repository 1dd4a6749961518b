package cortado.bench;

import cortado.tensor.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's memory read bandwidth as a Java kernel sees it (STREAM-like: a SIMD sum over an array far larger than
 * the caches, split into contiguous halves over {@link Parallel}'s threads): the ceiling of a matrix-vector product,
 * which reads each weight once. Decode tokens/s cannot beat (bandwidth / bytes of weights per token).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.StreamReadMain
 * [--mib 1024] [--passes 8]}. Prints one JSON line per thread count (1, 2, ... up to the processors).
 */
public final class StreamReadMain {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] args) {
        int mib = 1024, passes = 8;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(args[i + 1]);
                case "--passes" -> passes = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        float[] a = new float[mib * (1 << 18)];
        Arrays.fill(a, 1f);
        for (int t = 1; t <= Runtime.getRuntime().availableProcessors(); t++) {
            Parallel.setThreads(t);
            double[] gbs = new double[passes];
            float sink = 0;
            for (int p = 0; p < passes + 2; p++) {
                float[] part = new float[t];
                int threads = t;
                long t0 = System.nanoTime();
                Parallel.forEach(threads, c -> part[c] = sum(a, (int) ((long) a.length * c / threads),
                        (int) ((long) a.length * (c + 1) / threads)));
                long dt = System.nanoTime() - t0;
                for (float f : part) sink += f;
                if (p >= 2) gbs[p - 2] = a.length * 4.0 / dt;
            }
            Arrays.sort(gbs);
            System.out.printf("{\"threads\": %d, \"read_gb_s_median\": %.1f, \"min\": %.1f, \"max\": %.1f, \"sink\": %.0f}%n",
                    t, gbs[passes / 2], gbs[0], gbs[passes - 1], sink);
        }
    }

    private static float sum(float[] a, int from, int to) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int vl = S.length(), i = from;
        for (; i + 4 * vl <= to; i += 4 * vl) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, a, i + vl));
            s2 = s2.add(FloatVector.fromArray(S, a, i + 2 * vl));
            s3 = s3.add(FloatVector.fromArray(S, a, i + 3 * vl));
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < to; i++) s += a[i];
        return s;
    }
}
