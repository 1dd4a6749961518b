package cortado.bench;

import cortado.serve.rag.FlatIndex;
import cortado.serve.rag.HnswConfig;
import cortado.serve.rag.HnswIndex;
import cortado.serve.rag.Metric;
import cortado.serve.rag.SearchHit;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cortado's half of bench/compare/hnsw_vs_faiss.py: reads raw little-endian float32 base and query matrices, searches
 * every query exactly (FlatIndex, L2) and through an HNSW index (M, efConstruction, each efSearch given), on one
 * thread, and prints one JSON line per setting: recall@k of HNSW against exact, queries per second (the median of
 * {@code rounds} timed passes over all queries, after one untimed warm-up pass), build seconds, and the exact
 * neighbours' ids of the first queries so the script can check them against faiss's IndexFlatL2.
 *
 * With {@code int8}, a second HNSW index over int8 codes follows.
 *
 * <pre>HnswRecallMain BASE.f32 QUERIES.f32 DIM M EF_CONSTRUCTION EF_SEARCH[,EF...] K ROUNDS [int8]</pre>
 */
public final class HnswRecallMain {
    public static void main(String[] args) throws IOException {
        float[][] base = read(Path.of(args[0]), Integer.parseInt(args[2]));
        float[][] queries = read(Path.of(args[1]), Integer.parseInt(args[2]));
        int dim = Integer.parseInt(args[2]), m = Integer.parseInt(args[3]), efc = Integer.parseInt(args[4]);
        int[] efs = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        int k = Integer.parseInt(args[6]), rounds = Integer.parseInt(args[7]);
        boolean int8 = args.length > 8 && args[8].equals("int8");

        FlatIndex exact = new FlatIndex(dim, Metric.L2, false);
        for (float[] v : base) exact.add(v);
        int[][] truth = new int[queries.length][];
        double exactQps = qps(exact::search, queries, k, rounds, truth);
        StringBuilder firstIds = new StringBuilder("[");
        for (int q = 0; q < Math.min(20, truth.length); q++) firstIds.append(q == 0 ? "" : ",").append(Arrays.toString(truth[q]));
        System.out.printf("{\"engine\":\"cortado\",\"index\":\"flat\",\"qps\":%.1f,\"exact_ids\":%s]}%n", exactQps, firstIds);

        for (boolean codes : int8 ? new boolean[] {false, true} : new boolean[] {false}) {
            long t0 = System.nanoTime();
            HnswIndex hnsw = new HnswIndex(dim, Metric.L2, codes, new HnswConfig(m, efc, efs[0], 42));
            for (float[] v : base) hnsw.add(v);
            double build = (System.nanoTime() - t0) / 1e9;
            for (int ef : efs) {
                int[][] found = new int[queries.length][];
                double qps = qps((q, n) -> hnsw.search(q, n, ef), queries, k, rounds, found);
                System.out.printf("{\"engine\":\"cortado\",\"index\":\"hnsw%s\",\"M\":%d,\"efConstruction\":%d,"
                                + "\"efSearch\":%d,\"recall\":%.4f,\"qps\":%.1f,\"speedup_vs_exact\":%.2f,\"build_s\":%.1f}%n",
                        codes ? "-int8" : "", m, efc, ef, recall(found, truth), qps, qps / exactQps, build);
            }
        }
    }

    /** Median queries per second over {@code rounds} timed passes (after one untimed one); fills ids from the last. */
    private static double qps(Searcher index, float[][] queries, int k, int rounds, int[][] ids) {
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            long t = System.nanoTime();
            for (int q = 0; q < queries.length; q++) {
                List<SearchHit> hits = index.search(queries[q], k);
                int[] row = new int[hits.size()];
                for (int i = 0; i < row.length; i++) row[i] = hits.get(i).id();
                ids[q] = row;
            }
            if (r > 0) rates.add(queries.length / ((System.nanoTime() - t) / 1e9));
        }
        rates.sort(null);
        return rates.get(rates.size() / 2);
    }

    private interface Searcher { List<SearchHit> search(float[] query, int k); }

    private static double recall(int[][] found, int[][] truth) {
        long hit = 0, total = 0;
        for (int q = 0; q < truth.length; q++) {
            Set<Integer> t = new HashSet<>();
            for (int id : truth[q]) t.add(id);
            for (int id : found[q]) if (t.contains(id)) hit++;
            total += truth[q].length;
        }
        return (double) hit / total;
    }

    private static float[][] read(Path file, int dim) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.remaining() / 4 / dim;
        float[][] out = new float[n][dim];
        for (float[] row : out) for (int i = 0; i < dim; i++) row[i] = b.getFloat();
        return out;
    }
}
