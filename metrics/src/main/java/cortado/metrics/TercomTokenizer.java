package cortado.metrics;

import java.util.regex.Pattern;

/**
 * TER's text preparation as sacreBLEU's {@code TercomTokenizer} re-implements Tercom's {@code Normalizer.java}: lower
 * case unless case-sensitive; with {@code normalized}, mteval-style splitting of punctuation (and of CJK characters
 * with {@code asianSupport}); with {@code noPunct}, removal of common punctuation (and of CJK and full-width marks);
 * then single spaces. Each regular expression below is sacreBLEU's, in its order.
 */
public final class TercomTokenizer {
    private static final int FLAGS = Pattern.UNIX_LINES; // Python's $ sees only '\n' as a line end

    private static final Pattern[] WESTERN_FIND = {
        Pattern.compile("\\n-", FLAGS), Pattern.compile("\\n", FLAGS), Pattern.compile("&quot;", FLAGS),
        Pattern.compile("&amp;", FLAGS), Pattern.compile("&lt;", FLAGS), Pattern.compile("&gt;", FLAGS),
    };
    private static final String[] WESTERN_REPLACE = {"", " ", "\"", "&", "<", ">"};
    // after padding with spaces: [{-~[-` -&(-+:-@/] as code ranges, then 's, then periods/commas/dashes as 13a
    private static final Pattern[] WESTERN_SPLIT = {
        Pattern.compile("([\\x7B-\\x7E\\x5B-\\x60\\x20-\\x26\\x28-\\x2B\\x3A-\\x40/])", FLAGS),
        Pattern.compile("'s ", FLAGS), Pattern.compile("'s$", FLAGS),
        Pattern.compile("([^0-9])([\\.,])", FLAGS), Pattern.compile("([\\.,])([^0-9])", FLAGS),
        Pattern.compile("([0-9])(-)", FLAGS),
    };
    private static final String[] WESTERN_SPLIT_REPLACE = {" $1 ", " 's ", " 's", "$1 $2 ", " $1 $2", "$1 $2 "};

    private static final String ASIAN_PUNCT = "([\\u3001\\u3002\\u3008-\\u3011\\u3014-\\u301f\\uff61-\\uff65\\u30fb])";
    private static final String FULL_WIDTH_PUNCT = "([\\uff0e\\uff0c\\uff1f\\uff1a\\uff1b\\uff01\\uff02\\uff08\\uff09])";
    private static final Pattern[] ASIAN_SPLIT = {
        Pattern.compile("([\\u4e00-\\u9fff\\u3400-\\u4dbf])", FLAGS),
        Pattern.compile("([\\u31c0-\\u31ef\\u2e80-\\u2eff])", FLAGS),
        Pattern.compile("([\\u3300-\\u33ff\\uf900-\\ufaff\\ufe30-\\ufe4f])", FLAGS),
        Pattern.compile("([\\u3200-\\u3f22])", FLAGS),
    };
    // Hiragana, katakana and katakana-extension runs; as written in sacreBLEU (a '^' inside each alternative) they
    // match only a line that starts with such a run and is nothing else.
    private static final Pattern[] KANA_RUNS = {
        Pattern.compile("(^|^[\\u3040-\\u309f])([\\u3040-\\u309f]+)(?=$|^[\\u3040-\\u309f])", FLAGS),
        Pattern.compile("(^|^[\\u30a0-\\u30ff])([\\u30a0-\\u30ff]+)(?=$|^[\\u30a0-\\u30ff])", FLAGS),
        Pattern.compile("(^|^[\\u31f0-\\u31ff])([\\u31f0-\\u31ff]+)(?=$|^[\\u31f0-\\u31ff])", FLAGS),
    };
    private static final Pattern ASIAN_PUNCT_RE = Pattern.compile(ASIAN_PUNCT, FLAGS);
    private static final Pattern FULL_WIDTH_PUNCT_RE = Pattern.compile(FULL_WIDTH_PUNCT, FLAGS);
    private static final Pattern PUNCT = Pattern.compile("[\\.,\\?:;!\"\\(\\)]", FLAGS);

    private final boolean normalized, noPunct, asianSupport, caseSensitive;

    public TercomTokenizer(boolean normalized, boolean noPunct, boolean asianSupport, boolean caseSensitive) {
        this.normalized = normalized;
        this.noPunct = noPunct;
        this.asianSupport = asianSupport;
        this.caseSensitive = caseSensitive;
    }

    public String tokenize(String sent) {
        if (sent.isEmpty()) return "";
        if (!caseSensitive) sent = PythonText.lower(sent);
        if (normalized) {
            for (int i = 0; i < WESTERN_FIND.length; i++) sent = WESTERN_FIND[i].matcher(sent).replaceAll(WESTERN_REPLACE[i]);
            sent = " " + sent + " ";
            for (int i = 0; i < WESTERN_SPLIT.length; i++)
                sent = WESTERN_SPLIT[i].matcher(sent).replaceAll(WESTERN_SPLIT_REPLACE[i]);
            if (asianSupport) {
                for (Pattern p : ASIAN_SPLIT) sent = p.matcher(sent).replaceAll(" $1 ");
                for (Pattern p : KANA_RUNS) sent = p.matcher(sent).replaceAll("$1 $2 ");
                sent = ASIAN_PUNCT_RE.matcher(sent).replaceAll(" $1 ");
                sent = FULL_WIDTH_PUNCT_RE.matcher(sent).replaceAll(" $1 ");
            }
        }
        if (noPunct) {
            sent = PUNCT.matcher(sent).replaceAll("");
            if (asianSupport) {
                sent = ASIAN_PUNCT_RE.matcher(sent).replaceAll("");
                sent = FULL_WIDTH_PUNCT_RE.matcher(sent).replaceAll("");
            }
        }
        return PythonText.squeeze(sent);
    }
}
