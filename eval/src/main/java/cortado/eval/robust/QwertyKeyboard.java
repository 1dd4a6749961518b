package cortado.eval.robust;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keys of a US QWERTY keyboard by position: each row shifted right by its stagger (0, 0.25, 0.75 key widths, as on
 * most boards), and a key's neighbours the keys whose centres lie within 1.5 key widths (the keys around it, the
 * diagonal ones included): the slips of a finger, the typo model of keyboard-distance noise (e.g. nlpaug's
 * KeyboardAug, NL-Augmenter's butter_fingers). Letters keep their case.
 */
public final class QwertyKeyboard {
    private static final String[] ROWS = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
    private static final double[] STAGGER = {0, 0.5, 0.75, 1.25};
    private static final Map<Character, char[]> NEIGHBOURS = new HashMap<>();

    static {
        for (int r = 0; r < ROWS.length; r++)
            for (int c = 0; c < ROWS[r].length(); c++) {
                StringBuilder near = new StringBuilder();
                for (int r2 = 0; r2 < ROWS.length; r2++)
                    for (int c2 = 0; c2 < ROWS[r2].length(); c2++) {
                        if (r2 == r && c2 == c) continue;
                        double dx = (c2 + STAGGER[r2]) - (c + STAGGER[r]), dy = r2 - r;
                        if (dx * dx + dy * dy <= 1.5 * 1.5) near.append(ROWS[r2].charAt(c2));
                    }
                NEIGHBOURS.put(ROWS[r].charAt(c), near.toString().toCharArray());
            }
    }

    private QwertyKeyboard() {}

    /** The keys next to {@code c} (same case for letters); empty for a character not on the layout. */
    public static char[] neighbours(char c) {
        char lower = Character.toLowerCase(c);
        char[] n = NEIGHBOURS.get(lower);
        if (n == null) return new char[0];
        if (lower == c) return n.clone();
        char[] up = new char[n.length];
        for (int i = 0; i < n.length; i++) up[i] = Character.toUpperCase(n[i]);
        return up;
    }

    /** The rows, for documentation and tests. */
    static List<String> rows() { return List.of(ROWS); }
}
