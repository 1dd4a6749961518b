package cortado.data.normalize;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The character classes HF {@code tokenizers} uses in BertNormalizer, BertPreTokenizer and Punctuation, as that library
 * answers them: its tables (the Rust crate {@code unicode_categories}) predate the JDK's Unicode, so
 * {@link Character#getType} disagrees on code points assigned since. In particular HF keeps unassigned code points,
 * which a Java C* test removes. The ranges are probed from tokenizers itself by tools/tokenizers/hf_char_classes.py
 * into the resource {@code hf_char_classes.txt}.
 */
public final class HfCharClasses {
    /** Removed by BertNormalizer's clean_text (NUL, U+FFFD, and tokenizers' "other" categories except \t \n \r). */
    public static final HfCharClasses BERT_REMOVED = load("bert_removed");
    /** Turned into a space by clean_text (White_Space, with tab, newline and carriage return). */
    public static final HfCharClasses BERT_SPACE = load("bert_space");
    /** ASCII punctuation or a Unicode P* character: split off by BertPreTokenizer and Punctuation. */
    public static final HfCharClasses PUNCTUATION = load("punctuation");
    /** Nonspacing marks (Mn) that BertNormalizer's strip_accents drops after NFD. */
    public static final HfCharClasses NONSPACING_MARK = load("nonspacing_mark");
    /** Combining marks (Mn, Mc, Me) that the StripAccents normalizer drops. */
    public static final HfCharClasses COMBINING_MARK = load("combining_mark");

    private static Map<String, int[]> table;

    private final int[] bounds;  // lo0, hi0, lo1, hi1, ... ascending
    private final boolean[] ascii = new boolean[128];

    private HfCharClasses(int[] bounds) {
        this.bounds = bounds;
        for (int c = 0; c < 128; c++) ascii[c] = search(c);
    }

    public boolean contains(int cp) { return cp < 128 ? cp >= 0 && ascii[cp] : search(cp); }

    private boolean search(int cp) {
        int lo = 0, hi = bounds.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < bounds[2 * mid]) hi = mid - 1;
            else if (cp > bounds[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /** The class of that name in hf_char_classes.txt. */
    public static HfCharClasses named(String name) { return load(name); }

    private static synchronized HfCharClasses load(String name) {
        if (table == null) table = read();
        int[] b = table.get(name);
        if (b == null) throw new IllegalStateException("hf_char_classes.txt has no class " + name);
        return new HfCharClasses(b);
    }

    private static Map<String, int[]> read() {
        Map<String, int[]> out = new HashMap<>();
        try (InputStream in = HfCharClasses.class.getResourceAsStream("/cortado/data/tokenizer/hf_char_classes.txt")) {
            if (in == null) throw new IllegalStateException("missing resource cortado/data/tokenizer/hf_char_classes.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] f = line.trim().split(" ");
                int[] b = new int[2 * (f.length - 1)];
                for (int i = 1; i < f.length; i++) {
                    int dash = f[i].indexOf('-');
                    b[2 * i - 2] = Integer.parseInt(f[i], 0, dash, 16);
                    b[2 * i - 1] = Integer.parseInt(f[i], dash + 1, f[i].length(), 16);
                }
                out.put(f[0], b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
