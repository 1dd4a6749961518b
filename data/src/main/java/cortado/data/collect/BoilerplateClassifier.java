package cortado.data.collect;

import java.util.List;

/**
 * Keeps the blocks of a page that are main text, by jusText's algorithm (Pomikálek 2011, "Removing Boilerplate and
 * Duplicate Content from Web Corpora", ch. 3; the defaults of justext/core.py) in its language-independent mode (no
 * stop-word list: stopwords_low = stopwords_high = 0).
 *
 * <p>Context-free classes first: link density above 0.2, a copyright sign, or text starting "select" or ending in
 * "..." is bad; under 70 characters is short (bad if any of it is a link); up to 200 characters is near-good; longer
 * is good. Then context: a short heading with a good block within 200 characters after it becomes near-good; a short
 * block takes the class of its nearest good/bad neighbours (both good: good; both bad: bad; one each: good if a
 * near-good lies on the bad side, else bad); a near-good block is bad only when both nearest good/bad neighbours are
 * bad; a heading that was not bad by itself becomes good when a good block follows within 200 characters. The ends of
 * the page count as bad neighbours.
 *
 * <p>When that keeps nothing, the blocks that were near-good or good by themselves are kept (a page whose only text
 * is one medium paragraph, such as example.com's): Trafilatura likewise falls back to a plainer extraction when its
 * main one comes back empty. Quality filters downstream judge whether such a page is worth training on.
 */
final class BoilerplateClassifier {
    static final double MAX_LINK_DENSITY = 0.2;
    static final int LENGTH_LOW = 70, LENGTH_HIGH = 200, MAX_HEADING_DISTANCE = 200;

    private enum C { GOOD, NEARGOOD, SHORT, BAD }

    private BoilerplateClassifier() {}

    /** Which of {@code blocks} to keep. */
    static boolean[] keep(List<HtmlBlocks.Block> blocks) {
        int n = blocks.size();
        C[] cf = new C[n], c = new C[n];
        for (int i = 0; i < n; i++) cf[i] = contextFree(blocks.get(i));
        System.arraycopy(cf, 0, c, 0, n);
        for (int i = 0; i < n; i++)
            if (blocks.get(i).heading() && c[i] == C.SHORT && goodFollows(blocks, c, i)) c[i] = C.NEARGOOD;
        C[] revised = c.clone();
        for (int i = 0; i < n; i++) {
            if (c[i] != C.SHORT) continue;
            C prev = neighbour(c, i, -1, true), next = neighbour(c, i, 1, true);
            if (prev == C.GOOD && next == C.GOOD) revised[i] = C.GOOD;
            else if (prev == C.BAD && next == C.BAD) revised[i] = C.BAD;
            else if ((prev == C.BAD && neighbour(c, i, -1, false) == C.NEARGOOD)
                    || (next == C.BAD && neighbour(c, i, 1, false) == C.NEARGOOD)) revised[i] = C.GOOD;
            else revised[i] = C.BAD;
        }
        c = revised;
        for (int i = 0; i < n; i++) {
            if (c[i] != C.NEARGOOD) continue;
            c[i] = neighbour(c, i, -1, true) == C.BAD && neighbour(c, i, 1, true) == C.BAD ? C.BAD : C.GOOD;
        }
        for (int i = 0; i < n; i++)
            if (blocks.get(i).heading() && c[i] == C.BAD && cf[i] != C.BAD && goodFollows(blocks, c, i)) c[i] = C.GOOD;
        boolean[] keep = new boolean[n];
        boolean any = false;
        for (int i = 0; i < n; i++) any |= keep[i] = c[i] == C.GOOD;
        if (!any) for (int i = 0; i < n; i++) keep[i] = cf[i] == C.GOOD || cf[i] == C.NEARGOOD;
        return keep;
    }

    private static C contextFree(HtmlBlocks.Block b) {
        String t = b.text();
        if (b.linkDensity() > MAX_LINK_DENSITY) return C.BAD;
        if (t.indexOf('\u00a9') >= 0 || t.contains("&copy")) return C.BAD;
        if (t.regionMatches(true, 0, "select", 0, 6) || t.endsWith("...") || t.endsWith("\u2026")) return C.BAD;
        if (t.length() < LENGTH_LOW) return b.linkChars() > 0 ? C.BAD : C.SHORT;
        return t.length() > LENGTH_HIGH ? C.GOOD : C.NEARGOOD;
    }

    private static boolean goodFollows(List<HtmlBlocks.Block> blocks, C[] c, int i) {
        int distance = 0;
        for (int j = i + 1; j < c.length && distance <= MAX_HEADING_DISTANCE; j++) {
            if (c[j] == C.GOOD) return true;
            distance += blocks.get(j).text().length();
        }
        return false;
    }

    /** The nearest good or bad class (or near-good, unless ignored) in direction {@code step}; bad past the ends. */
    private static C neighbour(C[] c, int i, int step, boolean ignoreNeargood) {
        for (int j = i + step; j >= 0 && j < c.length; j += step) {
            if (c[j] == C.GOOD || c[j] == C.BAD) return c[j];
            if (c[j] == C.NEARGOOD && !ignoreNeargood) return c[j];
        }
        return C.BAD;
    }
}
