package cortado.data.collect;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The character encoding of an HTML page, in the order the HTML standard's encoding sniffing uses: a byte order
 * mark, the HTTP {@code Content-Type} charset, a {@code <meta charset>} or {@code <meta http-equiv content>} in the
 * first 1024 bytes (the standard's prescan length); else UTF-8, which most of today's crawl is (the standard's
 * locale-dependent default would be windows-1252). Labels go through the WHATWG Encoding standard's main aliases:
 * ISO-8859-1 and US-ASCII mean windows-1252. An unknown label falls back to UTF-8.
 */
public final class HtmlCharset {
    private HtmlCharset() {}

    private static final Pattern CHARSET = Pattern.compile("charset\\s*=\\s*[\"']?([A-Za-z0-9._:-]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern META = Pattern.compile("<meta\\b[^>]*?charset\\s*=\\s*[\"']?([A-Za-z0-9._:-]+)",
            Pattern.CASE_INSENSITIVE);

    /** The charset named in a Content-Type value such as {@code text/html; charset=ISO-8859-1}, or null. */
    public static Charset fromContentType(String contentType) {
        if (contentType == null) return null;
        Matcher m = CHARSET.matcher(contentType);
        return m.find() ? forLabel(m.group(1)) : null;
    }

    /** The encoding of {@code body} given the HTTP Content-Type (may be null). */
    public static Charset detect(byte[] body, int off, int len, String contentType) {
        if (len >= 3 && (body[off] & 0xff) == 0xEF && (body[off + 1] & 0xff) == 0xBB && (body[off + 2] & 0xff) == 0xBF)
            return StandardCharsets.UTF_8;
        if (len >= 2 && (body[off] & 0xff) == 0xFE && (body[off + 1] & 0xff) == 0xFF) return StandardCharsets.UTF_16BE;
        if (len >= 2 && (body[off] & 0xff) == 0xFF && (body[off + 1] & 0xff) == 0xFE) return StandardCharsets.UTF_16LE;
        Charset c = fromContentType(contentType);
        if (c != null) return c;
        String head = new String(body, off, Math.min(len, 1024), StandardCharsets.ISO_8859_1);
        Matcher m = META.matcher(head);
        if (m.find()) {
            c = forLabel(m.group(1));
            // A page that is UTF-16 on the wire cannot say so in ASCII bytes; the standard reads such a meta as UTF-8.
            if (c != null) return c.name().startsWith("UTF-16") ? StandardCharsets.UTF_8 : c;
        }
        return StandardCharsets.UTF_8;
    }

    /** The charset for a label, or null when the JDK does not know it. */
    static Charset forLabel(String label) {
        String l = label.strip().toLowerCase(Locale.ROOT);
        switch (l) {
            case "iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii", "cp1252", "windows-1252" -> l = "windows-1252";
            case "utf8", "unicode-1-1-utf-8" -> l = "utf-8";
            case "gb2312", "gbk", "x-gbk" -> l = "gbk";
            case "shift-jis", "sjis", "x-sjis" -> l = "shift_jis";
            default -> { }
        }
        try {
            return Charset.forName(l);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
