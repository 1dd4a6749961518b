package cortado.metrics;

/**
 * sacreBLEU's default tokenizer, {@code 13a}: mteval-v13a.pl's normalization (drop {@code <skipped>}, join
 * hyphenated line breaks, unescape four XML entities), then {@link MtevalRegexps} on the line padded with a space at
 * each end.
 */
public final class Tokenizer13a implements SegmentTokenizer {
    @Override public String name() { return "13a"; }

    @Override
    public String tokenize(String line) {
        line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (line.indexOf('&') >= 0) {
            line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        return MtevalRegexps.apply(" " + line + " ");
    }
}
