package cortado.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * Word-level Levenshtein distance from a hypothesis to one fixed reference, searched only in a beam around the
 * (length-ratio) diagonal as Tercom does, with the trace of edit operations: sacreBLEU's {@code BeamEditDistance}
 * (lib_ter.py). Costs are 1 for insertion, deletion and substitution; on equal cost the order of preference is
 * match/substitution, then deletion, then insertion. Trace letters: ' ' match, 's' substitution, 'd' a hypothesis
 * word deleted, 'i' a reference word inserted.
 *
 * <p>sacreBLEU also caches matrix rows by hypothesis prefix; a row depends only on the prefix and the hypothesis
 * length (which shifts keep), so the cache changes the speed, not the result, and this class recomputes instead.
 */
final class BeamEditDistance {
    static final int BEAM_WIDTH = 25;
    static final long INFINITY = 10_000_000_000_000_000L; // sacreBLEU's int(1e16)
    static final char NOP = ' ', SUB = 's', INS = 'i', DEL = 'd', UNDEF = 'x';

    /** The distance and its trace. */
    record Result(long distance, String trace) {}

    private final List<String> ref;

    BeamEditDistance(List<String> ref) { this.ref = ref; }

    Result compute(List<String> hyp) {
        int nh = hyp.size(), nr = ref.size();
        long[][] cost = new long[nh + 1][nr + 1];
        char[][] op = new char[nh + 1][nr + 1];
        for (int j = 0; j <= nr; j++) { cost[0][j] = j; op[0][j] = INS; }
        for (int i = 1; i <= nh; i++) { Arrays.fill(cost[i], INFINITY); Arrays.fill(op[i], UNDEF); }

        double lengthRatio = nh > 0 ? (double) nr / nh : 1;
        // very different lengths: widen the beam so consecutive rows still overlap
        int beam = BEAM_WIDTH < lengthRatio / 2 ? (int) Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
        for (int i = 1; i <= nh; i++) {
            int diag = (int) Math.floor(i * lengthRatio);
            int minJ = Math.max(0, diag - beam);
            int maxJ = i == nh ? nr + 1 : Math.min(nr + 1, diag + beam);
            String h = hyp.get(i - 1);
            for (int j = minJ; j < maxJ; j++) {
                if (j == 0) {
                    cost[i][0] = cost[i - 1][0] + 1;
                    op[i][0] = DEL;
                    continue;
                }
                boolean same = h.equals(ref.get(j - 1));
                long c = cost[i][j];
                char o = op[i][j];
                long sub = cost[i - 1][j - 1] + (same ? 0 : 1);
                if (c > sub) { c = sub; o = same ? NOP : SUB; }
                long del = cost[i - 1][j] + 1;
                if (c > del) { c = del; o = DEL; }
                long ins = cost[i][j - 1] + 1;
                if (c > ins) { c = ins; o = INS; }
                cost[i][j] = c;
                op[i][j] = o;
            }
        }
        StringBuilder trace = new StringBuilder();
        int i = nh, j = nr;
        while (i > 0 || j > 0) {
            char o = op[i][j];
            trace.append(o);
            switch (o) {
                case SUB, NOP -> { i--; j--; }
                case INS -> j--;
                case DEL -> i--;
                default -> throw new IllegalStateException("TER edit distance: cell (" + i + ", " + j + ") left the beam");
            }
        }
        return new Result(cost[nh][nr], trace.reverse().toString());
    }
}
