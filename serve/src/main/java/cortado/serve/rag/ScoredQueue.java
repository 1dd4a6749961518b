package cortado.serve.rag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A binary heap of (id, score) pairs in two parallel arrays (no boxing on the search's hot path). A min-heap's top is
 * its lowest score, a max-heap's its highest. {@link #keepingBest} bounds a min-heap to the k best offered.
 */
final class ScoredQueue {
    private final boolean max;
    private final int bound;
    private int[] ids;
    private float[] scores;
    private int size;

    private ScoredQueue(boolean max, int capacity, int bound) {
        this.max = max;
        this.bound = bound;
        this.ids = new int[Math.max(4, capacity)];
        this.scores = new float[ids.length];
    }

    /** Top: the highest score. */
    static ScoredQueue maxHeap(int capacity) { return new ScoredQueue(true, capacity, Integer.MAX_VALUE); }

    /** Top: the lowest score. */
    static ScoredQueue minHeap(int capacity) { return new ScoredQueue(false, capacity, Integer.MAX_VALUE); }

    /** A min-heap that keeps only the {@code k} highest scores offered; its top is the worst of them. */
    static ScoredQueue keepingBest(int k) { return new ScoredQueue(false, k + 1, k); }

    int size() { return size; }

    boolean isEmpty() { return size == 0; }

    int topId() { return ids[0]; }

    float topScore() { return scores[0]; }

    /** Adds the pair; a bounded queue that is full drops its worst (possibly this one). */
    void offer(int id, float score) {
        if (size == bound) {
            if (score <= scores[0]) return;
            ids[0] = id;
            scores[0] = score;
            down(0);
            return;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            scores = Arrays.copyOf(scores, size * 2);
        }
        ids[size] = id;
        scores[size] = score;
        up(size++);
    }

    void poll() {
        size--;
        ids[0] = ids[size];
        scores[0] = scores[size];
        if (size > 0) down(0);
    }

    /** Empties the queue into a list, highest score first. */
    List<SearchHit> drainBestFirst() {
        SearchHit[] out = new SearchHit[size];
        if (max) for (int i = 0; i < out.length; i++) {
            out[i] = new SearchHit(topId(), topScore());
            poll();
        }
        else for (int i = out.length - 1; i >= 0; i--) {
            out[i] = new SearchHit(topId(), topScore());
            poll();
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** Whether a's pair belongs above b's. */
    private boolean above(int a, int b) { return max ? scores[a] > scores[b] : scores[a] < scores[b]; }

    private void up(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!above(i, parent)) return;
            swap(i, parent);
            i = parent;
        }
    }

    private void down(int i) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, top = i;
            if (l < size && above(l, top)) top = l;
            if (r < size && above(r, top)) top = r;
            if (top == i) return;
            swap(i, top);
            i = top;
        }
    }

    private void swap(int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float s = scores[a];
        scores[a] = scores[b];
        scores[b] = s;
    }
}
