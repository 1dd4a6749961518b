package cortado.serve.rag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Approximate nearest-neighbour search on a Hierarchical Navigable Small World graph (Malkov and Yashunin 2016).
 * Each node gets a top layer l = floor(-ln(U) / ln(M)) (Algorithm 1's m_L = 1/ln(M)); it is linked on every layer from
 * l down to 0 by a beam search of width efConstruction from the entry point (Algorithm 2), keeping neighbours chosen by
 * the heuristic of Algorithm 4 (a candidate is kept only if it is closer to the new node than to every neighbour
 * already kept, which spreads the links around the node). Links are made both ways; a node that then has more than its
 * layer's limit (M, or 2M on layer 0) is pruned with the same heuristic. As in faiss, a new node selects up to 2M
 * neighbours on layer 0. A search descends greedily through the upper layers and runs the beam search with
 * efSearch (at least k) on layer 0.
 *
 * <p>Adding is single-threaded (callers add under one thread); searching is thread-safe once adding has stopped.
 */
public final class HnswIndex implements VectorIndex {
    private final VectorStore store;
    private final HnswConfig config;
    /** links[node][layer] = {count, neighbour ids...}, with room for that layer's limit. */
    private int[][][] links = new int[16][][];
    private int entry = -1, maxLevel = -1;
    private final double levelScale;
    private final ThreadLocal<Visited> visited = ThreadLocal.withInitial(Visited::new);

    public HnswIndex(VectorStore store, HnswConfig config) {
        if (store.size() != 0) throw new IllegalArgumentException("an HNSW index starts from an empty store");
        this.store = store;
        this.config = config;
        this.levelScale = 1 / Math.log(config.m());
    }

    public HnswIndex(int dim, Metric metric, boolean int8, HnswConfig config) {
        this(VectorStore.create(dim, metric, int8), config);
    }

    public HnswConfig config() { return config; }

    @Override public VectorStore store() { return store; }

    /** The most links a node keeps on {@code layer}. */
    private int limit(int layer) { return layer == 0 ? 2 * config.m() : config.m(); }

    /** The node's top layer, drawn from the seed and its id alone (so no random state needs saving). */
    int drawLevel(int id) {
        double u = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + id).nextDouble();
        return (int) Math.min(30, Math.floor(-Math.log(1 - u) * levelScale));
    }

    @Override
    public int add(float[] vector) { return addPrepared(store.metric().prepare(vector)); }

    @Override
    public int addPrepared(float[] vector) {
        int id = store.add(vector);
        float[] q = store.vector(id);   // link by what is stored (the decoded codes of an int8 store)
        float qq = VectorStore.squaredNorm(q);
        int level = drawLevel(id);
        if (id == links.length) links = Arrays.copyOf(links, id * 2);
        links[id] = new int[level + 1][];
        for (int l = 0; l <= level; l++) links[id][l] = new int[1 + limit(l)];
        if (entry < 0) {
            entry = id;
            maxLevel = level;
            return id;
        }
        int ep = entry;
        float epScore = store.score(q, qq, ep);
        for (int l = maxLevel; l > level; l--) {
            int[] best = greedy(q, qq, ep, epScore, l);
            ep = best[0];
            epScore = Float.intBitsToFloat(best[1]);
        }
        for (int l = Math.min(level, maxLevel); l >= 0; l--) {
            List<SearchHit> candidates = searchLayer(q, qq, ep, epScore, config.efConstruction(), l).drainBestFirst();
            int[] chosen = selectNeighbours(candidates, limit(l));
            int[] own = links[id][l];
            own[0] = chosen.length;
            System.arraycopy(chosen, 0, own, 1, chosen.length);
            for (int n : chosen) link(n, id, l);
            ep = candidates.get(0).id();
            epScore = candidates.get(0).score();
        }
        if (level > maxLevel) {
            maxLevel = level;
            entry = id;
        }
        return id;
    }

    /** Adds the link from -> to on {@code layer}, pruning from's links by the heuristic when over the limit. */
    private void link(int from, int to, int layer) {
        int[] own = links[from][layer];
        int count = own[0], cap = limit(layer);
        if (count < cap) {
            own[++own[0]] = to;
            return;
        }
        float[] base = store.vector(from);
        float bb = VectorStore.squaredNorm(base);
        ScoredQueue all = ScoredQueue.maxHeap(count + 1);
        for (int i = 1; i <= count; i++) all.offer(own[i], store.score(base, bb, own[i]));
        all.offer(to, store.score(base, bb, to));
        int[] chosen = selectNeighbours(all.drainBestFirst(), cap);
        own[0] = chosen.length;
        System.arraycopy(chosen, 0, own, 1, chosen.length);
    }

    /**
     * Algorithm 4 (without extending the candidates or keeping pruned ones, as faiss and hnswlib): walking the
     * candidates best first, keep one only if it scores higher against the base than against every one kept.
     */
    private int[] selectNeighbours(List<SearchHit> bestFirst, int m) {
        if (bestFirst.size() <= m) {
            int[] all = new int[bestFirst.size()];
            for (int i = 0; i < all.length; i++) all[i] = bestFirst.get(i).id();
            return all;
        }
        int[] kept = new int[m];
        int n = 0;
        for (SearchHit c : bestFirst) {
            if (n == m) break;
            float[] cv = store.vector(c.id());
            float cc = VectorStore.squaredNorm(cv);
            boolean keep = true;
            for (int i = 0; i < n && keep; i++) keep = store.score(cv, cc, kept[i]) < c.score();
            if (keep) kept[n++] = c.id();
        }
        return Arrays.copyOf(kept, n);
    }

    /** Greedy descent on one upper layer: {best id, best score's bits}. */
    private int[] greedy(float[] q, float qq, int ep, float epScore, int layer) {
        boolean moved = true;
        while (moved) {
            moved = false;
            int[] ns = links[ep][layer];
            for (int i = 1; i <= ns[0]; i++) {
                float s = store.score(q, qq, ns[i]);
                if (s > epScore) {
                    epScore = s;
                    ep = ns[i];
                    moved = true;
                }
            }
        }
        return new int[] {ep, Float.floatToRawIntBits(epScore)};
    }

    /** Algorithm 2: the beam search of width ef on one layer; returns the ef best found (a bounded min-heap). */
    private ScoredQueue searchLayer(float[] q, float qq, int ep, float epScore, int ef, int layer) {
        Visited seen = visited.get();
        seen.reset(store.size());
        ScoredQueue candidates = ScoredQueue.maxHeap(ef * 2), found = ScoredQueue.keepingBest(ef);
        seen.mark(ep);
        candidates.offer(ep, epScore);
        found.offer(ep, epScore);
        while (!candidates.isEmpty()) {
            int c = candidates.topId();
            float cs = candidates.topScore();
            if (found.size() == ef && cs < found.topScore()) break;   // nothing nearer can be reached through c
            candidates.poll();
            int[] ns = links[c][layer];
            for (int i = 1, n = ns[0]; i <= n; i++) {
                int e = ns[i];
                if (!seen.mark(e)) continue;
                float s = store.score(q, qq, e);
                if (found.size() < ef || s > found.topScore()) {
                    candidates.offer(e, s);
                    found.offer(e, s);
                }
            }
        }
        return found;
    }

    @Override
    public List<SearchHit> search(float[] query, int k) { return search(query, k, config.efSearch()); }

    /** As {@link #search(float[], int)} with a beam of {@code efSearch} (at least k) instead of the configured one. */
    public List<SearchHit> search(float[] query, int k, int efSearch) {
        if (query.length != store.dim())
            throw new IllegalArgumentException("query of " + query.length + " entries, index has " + store.dim());
        if (k <= 0 || entry < 0) return List.of();
        float[] q = store.metric().prepare(query);
        float qq = VectorStore.squaredNorm(q);
        int ep = entry;
        float epScore = store.score(q, qq, ep);
        for (int l = maxLevel; l > 0; l--) {
            int[] best = greedy(q, qq, ep, epScore, l);
            ep = best[0];
            epScore = Float.intBitsToFloat(best[1]);
        }
        List<SearchHit> hits = searchLayer(q, qq, ep, epScore, Math.max(efSearch, k), 0).drainBestFirst();
        return hits.size() > k ? new ArrayList<>(hits.subList(0, k)) : hits;
    }

    // The graph as VectorIndexFile writes and reads it.

    int entryPoint() { return entry; }

    int maxLevel() { return maxLevel; }

    int levelOf(int id) { return links[id].length - 1; }

    /** Node id's neighbours on {@code layer}, a copy. */
    int[] neighbours(int id, int layer) {
        int[] own = links[id][layer];
        return Arrays.copyOfRange(own, 1, 1 + own[0]);
    }

    /**
     * Rebuilds an index from a stored graph: {@code graph[node][layer]} lists each node's neighbours; the caller has
     * checked every id and count.
     */
    static HnswIndex restore(VectorStore store, HnswConfig config, int[][][] graph, int entry, int maxLevel) {
        HnswIndex restored = new HnswIndex(store, config, 1 / Math.log(config.m()));
        restored.links = new int[Math.max(16, graph.length)][][];
        for (int id = 0; id < graph.length; id++) {
            restored.links[id] = new int[graph[id].length][];
            for (int l = 0; l < graph[id].length; l++) {
                int[] own = new int[1 + restored.limit(l)];
                own[0] = graph[id][l].length;
                System.arraycopy(graph[id][l], 0, own, 1, graph[id][l].length);
                restored.links[id][l] = own;
            }
        }
        restored.entry = entry;
        restored.maxLevel = maxLevel;
        return restored;
    }

    private HnswIndex(VectorStore filled, HnswConfig config, double levelScale) {
        this.store = filled;
        this.config = config;
        this.levelScale = levelScale;
    }

    /** Marks of the nodes one search has reached: a stamp per node, so clearing is one increment. */
    private static final class Visited {
        private int[] stamps = new int[0];
        private int stamp;

        void reset(int n) {
            if (stamps.length < n) stamps = new int[Math.max(n, stamps.length * 2)];
            if (++stamp == Integer.MAX_VALUE) {
                Arrays.fill(stamps, 0);
                stamp = 1;
            }
        }

        /** Marks node id; false when it already was. */
        boolean mark(int id) {
            if (stamps[id] == stamp) return false;
            stamps[id] = stamp;
            return true;
        }
    }
}
