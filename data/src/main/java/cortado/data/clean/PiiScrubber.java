package cortado.data.clean;

import java.net.InetAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces personal data with placeholders instead of removing the document: e-mail addresses with
 * {@code <EMAIL>}, phone numbers with {@code <PHONE>}, IPv4 and IPv6 addresses with {@code <IP>}. Counts each kind.
 *
 * <p>Phone numbers are recognised in two shapes, to keep numbers that are not phones (years, prices, "1 000 000")
 * intact: North American {@code (555) 123-4567} / {@code 555-123-4567} / {@code +1 555 123 4567}, and international
 * numbers written with a leading '+' and 8 to 15 digits in groups. IPv6 candidates are confirmed by the JDK's literal
 * parser (no name lookup), and need at least three groups so that C++'s {@code a::b} is left alone.
 */
public final class PiiScrubber {
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![\\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}(?![\\w-])");
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\w.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?!\\d)(?!\\.\\d)");
    private static final Pattern IPV6 = Pattern.compile("(?<![\\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\\w:])");
    private static final Pattern PHONE = Pattern.compile(
            "(?<![\\w+])(?:(?:\\+?1[ .-]?)?(?:\\(\\d{3}\\)\\s?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}"
                    + "|\\+\\d{1,3}(?:[ .-]?\\(?\\d{1,4}\\)?){2,5})(?!\\w)");

    private long emails, phones, ips;

    /** {@code text} with personal data replaced (the same string when there is none). */
    public String scrub(String text) {
        // Cheap scans first: most documents have no '@', and phones and IPv4 addresses need digits.
        if (text.indexOf('@') >= 0) text = replace(EMAIL, text, "<EMAIL>", Kind.EMAIL);
        if (text.indexOf(':') >= 0) text = replace(IPV6, text, "<IP>", Kind.IPV6);
        if (!hasFourDigits(text)) return text;
        text = replace(IPV4, text, "<IP>", Kind.IP);
        text = replace(PHONE, text, "<PHONE>", Kind.PHONE);
        return text;
    }

    /** Phone numbers have at least 8 digits and IPv4 addresses at least 4: fewer, and neither regex can match. */
    private static boolean hasFourDigits(String text) {
        int digits = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9' && ++digits >= 4) return true;
        }
        return false;
    }

    private enum Kind { EMAIL, IP, IPV6, PHONE }

    private String replace(Pattern p, String text, String placeholder, Kind kind) {
        Matcher m = p.matcher(text);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            String s = m.group();
            if (!accept(kind, s)) continue;
            if (out == null) out = new StringBuilder(text.length());
            out.append(text, last, m.start()).append(placeholder);
            last = m.end();
            switch (kind) {
                case EMAIL -> emails++;
                case IP, IPV6 -> ips++;
                case PHONE -> phones++;
            }
        }
        if (out == null) return text;
        return out.append(text, last, text.length()).toString();
    }

    private static boolean accept(Kind kind, String s) {
        if (kind == Kind.IPV6) {
            int groups = 0;
            for (String g : s.split(":")) if (!g.isEmpty()) groups++;
            if (groups < 3) return false;
            try {
                InetAddress.ofLiteral(s);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (kind == Kind.PHONE && s.startsWith("+")) {
            int digits = 0;
            for (int i = 0; i < s.length(); i++) if (Character.isDigit(s.charAt(i))) digits++;
            return digits >= 8 && digits <= 15;
        }
        return true;
    }

    public long emails() { return emails; }

    public long phones() { return phones; }

    public long ips() { return ips; }
}
