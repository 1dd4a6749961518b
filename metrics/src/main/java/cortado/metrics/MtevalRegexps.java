package cortado.metrics;

import java.util.regex.Pattern;

/**
 * The language-dependent part of mteval-v13a that sacreBLEU's {@code TokenizerRegexp} applies after 13a's and zh's
 * own steps: split off ASCII punctuation and symbols, periods and commas unless next to a digit, and a dash after a
 * digit; then one space between tokens.
 */
final class MtevalRegexps {
    private MtevalRegexps() {}

    // The four substitutions of sacrebleu/tokenizers/tokenizer_re.py, in order. The first class is Python's
    // [\{-\~\[-\` -\&\(-\+\:-\@\/] written as code ranges: { to ~, [ to `, space to &, ( to +, : to @, and /.
    private static final Pattern SYMBOLS = Pattern.compile("([\\x7B-\\x7E\\x5B-\\x60\\x20-\\x26\\x28-\\x2B\\x3A-\\x40/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    static String apply(String line) {
        line = SYMBOLS.matcher(line).replaceAll(" $1 ");
        line = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
        line = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
        line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
        return PythonText.squeeze(line);
    }
}
