package cortado.nn.grow;

/**
 * Which parent block each child block starts from ({@code -1}: a new block that starts as the identity).
 */
final class LayerMap {
    private LayerMap() {}

    /**
     * Function-preserving depth: the parent's blocks keep their order, spread evenly among the child's (parent block i
     * at child position floor(i * L' / L)), and every other child block is new. Zeroing a new block's output
     * projections makes it the identity, x + attn(x)·0 + mlp(x)·0 = x, while its gradient is not zero (the
     * projections' gradient is their input times the upstream gradient), so it trains from the first step.
     */
    static int[] interleaved(int parent, int child) {
        int[] s = new int[child];
        java.util.Arrays.fill(s, -1);
        for (int i = 0; i < parent; i++) s[(int) ((long) i * child / parent)] = i;
        return s;
    }

    /**
     * Depth up-scaling (SOLAR, Kim et al. 2023): two copies of the parent, the first without its last layers and the
     * second without its first, concatenated: the first ceil(L'/2) parent blocks, then the last floor(L'/2). SOLAR's
     * 32 -> 48 keeps blocks 0..23 and then 8..31. Needs L < L' <= 2L; the function changes (the seam is not an
     * identity), so training continues from there.
     */
    static int[] depthUpscale(int parent, int child) {
        if (child <= parent || child > 2 * parent)
            throw new GrowthException("--grow depth-upscale makes a model of between " + (parent + 1) + " and "
                    + 2 * parent + " layers from one of " + parent + ", got " + child);
        int first = (child + 1) / 2, second = child / 2;
        int[] s = new int[child];
        for (int i = 0; i < first; i++) s[i] = i;
        for (int i = 0; i < second; i++) s[first + i] = parent - second + i;
        return s;
    }
}
