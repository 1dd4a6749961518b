package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * HNSW recall@10 against exact search on 3,000 random vectors (a mixture of 30 Gaussian clusters, 64-d), for each
 * metric and for int8 codes, the queries drawn from the same mixture; the bench (bench/compare/hnsw_vs_faiss.py) measures the 100k case.
 */
class HnswIndexTest {
    /** n vectors of a mixture of Gaussian clusters: centres ~ N(0, I), each point its centre plus N(0, 0.7^2 I). */
    static float[][] mixture(int n, int dim, int clusters, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[clusters][dim];
        for (float[] c : centres) for (int i = 0; i < dim; i++) c[i] = (float) r.nextGaussian();
        float[][] out = new float[n][dim];
        for (float[] v : out) {
            float[] c = centres[r.nextInt(clusters)];
            for (int i = 0; i < dim; i++) v[i] = c[i] + 0.7f * (float) r.nextGaussian();
        }
        return out;
    }

    static float[][] head(float[][] a, int n) { return java.util.Arrays.copyOfRange(a, 0, n); }

    static float[][] tail(float[][] a, int from) { return java.util.Arrays.copyOfRange(a, from, a.length); }

    static double recall(VectorIndex approx, FlatIndex exact, float[][] queries, int k) {
        long hit = 0;
        for (float[] q : queries) {
            Set<Integer> truth = new HashSet<>();
            for (SearchHit h : exact.search(q, k)) truth.add(h.id());
            for (SearchHit h : approx.search(q, k)) if (truth.contains(h.id())) hit++;
        }
        return (double) hit / (queries.length * (long) k);
    }

    @Test
    void recallAtTenIsAtLeast095AtModestEf() {
        float[][] all = mixture(3200, 64, 30, 1), base = head(all, 3000), queries = tail(all, 3000);
        for (Metric metric : Metric.values()) {
            FlatIndex exact = new FlatIndex(64, metric, false);
            HnswIndex hnsw = new HnswIndex(64, metric, false, new HnswConfig(12, 64, 48, 7));
            for (float[] v : base) {
                exact.add(v);
                hnsw.add(v);
            }
            assertThat(recall(hnsw, exact, queries, 10)).as(metric.id()).isGreaterThanOrEqualTo(0.95);
        }
    }

    /** int8 codes: HNSW over codes against exact fp32 search; the codes cost a little recall, not more. */
    @Test
    void int8CodesKeepRecall() {
        float[][] all = mixture(3200, 64, 30, 3), base = head(all, 3000), queries = tail(all, 3000);
        FlatIndex exact = new FlatIndex(64, Metric.COSINE, false);
        FlatIndex exactCodes = new FlatIndex(64, Metric.COSINE, true);
        HnswIndex hnsw = new HnswIndex(64, Metric.COSINE, true, new HnswConfig(12, 64, 48, 7));
        for (float[] v : base) {
            exact.add(v);
            exactCodes.add(v);
            hnsw.add(v);
        }
        assertThat(recall(exactCodes, exact, queries, 10)).isGreaterThanOrEqualTo(0.95);
        assertThat(recall(hnsw, exact, queries, 10)).isGreaterThanOrEqualTo(0.93);
    }

    @Test
    void exactSearchScoresAreTheMetrics() {
        FlatIndex ip = new FlatIndex(2, Metric.INNER_PRODUCT, false);
        FlatIndex cos = new FlatIndex(2, Metric.COSINE, false);
        FlatIndex l2 = new FlatIndex(2, Metric.L2, false);
        for (float[] v : new float[][] {{3, 4}, {1, 0}, {0, -2}}) {
            ip.add(v);
            cos.add(v);
            l2.add(v);
        }
        float[] q = {1, 1};
        assertThat(ip.search(q, 3)).containsExactly(new SearchHit(0, 7f), new SearchHit(1, 1f), new SearchHit(2, -2f));
        List<SearchHit> c = cos.search(q, 2);
        assertThat(c.get(0).id()).isZero();
        assertThat(c.get(0).score()).isCloseTo((float) (7 / (5 * Math.sqrt(2))), org.assertj.core.data.Offset.offset(1e-6f));
        // |q - (1,0)|^2 = 1, |q - (3,4)|^2 = 13, |q - (0,-2)|^2 = 10
        assertThat(l2.search(q, 3)).containsExactly(new SearchHit(1, -1f), new SearchHit(2, -10f), new SearchHit(0, -13f));
    }

    @Test
    void linksStayWithinTheirLayersLimits() {
        HnswIndex hnsw = new HnswIndex(16, Metric.L2, false, new HnswConfig(4, 32, 16, 1));
        for (float[] v : mixture(800, 16, 8, 5)) hnsw.add(v);
        for (int id = 0; id < hnsw.size(); id++)
            for (int l = 0; l <= hnsw.levelOf(id); l++)
                assertThat(hnsw.neighbours(id, l).length).isLessThanOrEqualTo(l == 0 ? 8 : 4).isPositive();
        assertThat(hnsw.maxLevel()).isPositive();
    }
}
