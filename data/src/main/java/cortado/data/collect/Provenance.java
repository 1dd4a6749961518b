package cortado.data.collect;

/**
 * Where a document came from, kept on every document so reports can count per source and a user can trace a
 * document back.
 *
 * @param kind   the kind of input
 * @param file   the input file
 * @param record the record within the file: a line number for JSONL and text, the WARC-Record-ID, a page id
 * @param url    the WARC-Target-URI, the page's URL (from the dump's base URL) or the Reddit permalink; null if none
 * @param title  the HTML title, page title or submission title; null if none
 */
public record Provenance(SourceKind kind, String file, String record, String url, String title) implements java.io.Serializable {
    /** The host of {@link #url()} in lower case without a leading "www.", or null. */
    public String domain() {
        if (url == null) return null;
        int s = url.indexOf("://");
        if (s < 0) return null;
        int from = s + 3, to = from;
        while (to < url.length() && "/?#".indexOf(url.charAt(to)) < 0) to++;
        String host = url.substring(from, to);
        int at = host.lastIndexOf('@');
        if (at >= 0) host = host.substring(at + 1);
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && !host.endsWith("]")) host = host.substring(0, colon);
        host = host.toLowerCase(java.util.Locale.ROOT);
        if (host.startsWith("www.")) host = host.substring(4);
        return host.isEmpty() ? null : host;
    }
}
