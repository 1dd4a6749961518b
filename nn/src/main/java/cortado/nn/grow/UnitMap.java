package cortado.nn.grow;

/**
 * Which parent unit each unit of a child's dimension copies (Net2Net's mapping g, Chen et al. 2016): {@code source[i]}
 * is the parent index child unit i takes its weights from, or -1 for a unit that has no parent (a new position: the
 * child keeps its own initialization there). {@code copies[u]} counts the child units copying parent unit u; a layer
 * that reads the grown dimension divides its weights by it, so the copies together contribute what u did.
 */
record UnitMap(int[] source, int[] copies) {
    static UnitMap of(int[] source, int parentSize) {
        int[] copies = new int[parentSize];
        for (int s : source) if (s >= 0) copies[s]++;
        return new UnitMap(source, copies);
    }

    /** The same size: unit i is unit i. */
    static UnitMap identity(int n) { return tile(n, n); }

    /** child unit i copies parent unit i mod parent: a k-fold width copies every unit k times when child = k * parent. */
    static UnitMap tile(int parent, int child) {
        int[] s = new int[child];
        for (int i = 0; i < child; i++) s[i] = i % parent;
        return of(s, parent);
    }

    /** The parent's units first, then new ones (-1): positions beyond the parent's context. */
    static UnitMap prefix(int parent, int child) {
        int[] s = new int[child];
        for (int i = 0; i < child; i++) s[i] = i < parent ? i : -1;
        return of(s, parent);
    }

    /** Whole heads of {@code headDim} units: child head h copies parent head h mod parentHeads. */
    static UnitMap heads(int parentHeads, int childHeads, int headDim) {
        int[] s = new int[childHeads * headDim];
        for (int h = 0; h < childHeads; h++)
            for (int i = 0; i < headDim; i++) s[h * headDim + i] = (h % parentHeads) * headDim + i;
        return of(s, parentHeads * headDim);
    }

    /** GPT-2's fused c_attn output, [q | k | v] each of the heads map {@code part}. */
    static UnitMap fusedQkv(UnitMap part) {
        int p = part.copies.length, c = part.source.length;
        int[] s = new int[3 * c];
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < c; i++) s[k * c + i] = k * p + part.source[i];
        return of(s, 3 * p);
    }

    int childSize() { return source.length; }

    int parentSize() { return copies.length; }
}
