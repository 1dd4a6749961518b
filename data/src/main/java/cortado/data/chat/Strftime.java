package cortado.data.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for transformers' {@code strftime_now} (Llama 3.1+ writes
 * "Today Date: 26 Jul 2024" with {@code "%d %b %Y"}). Supports the common directives, and glibc's {@code %-d}
 * (no padding).
 */
final class Strftime {
    private Strftime() {}

    static String format(LocalDateTime t, String fmt, Interpreter in, Position at) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) { b.append(c); continue; }
            char d = fmt.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < fmt.length()) { pad = false; d = fmt.charAt(++i); }
            switch (d) {
                case 'd' -> num(b, t.getDayOfMonth(), 2, pad);
                case 'e' -> b.append(pad && t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'm' -> num(b, t.getMonthValue(), 2, pad);
                case 'Y' -> b.append(t.getYear());
                case 'y' -> num(b, t.getYear() % 100, 2, pad);
                case 'H' -> num(b, t.getHour(), 2, pad);
                case 'I' -> num(b, (t.getHour() + 11) % 12 + 1, 2, pad);
                case 'M' -> num(b, t.getMinute(), 2, pad);
                case 'S' -> num(b, t.getSecond(), 2, pad);
                case 'f' -> num(b, t.getNano() / 1000, 6, true);
                case 'j' -> num(b, t.getDayOfYear(), 3, pad);
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'w' -> b.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> b.append(t.getDayOfWeek().getValue());
                case 'F' -> { b.append(t.getYear()).append('-'); num(b, t.getMonthValue(), 2, true); b.append('-'); num(b, t.getDayOfMonth(), 2, true); }
                case 'T' -> { num(b, t.getHour(), 2, true); b.append(':'); num(b, t.getMinute(), 2, true); b.append(':'); num(b, t.getSecond(), 2, true); }
                case '%' -> b.append('%');
                default -> throw in.error("strftime_now: unsupported directive '%" + d + "'", at);
            }
        }
        return b.toString();
    }

    private static void num(StringBuilder b, int v, int width, boolean pad) {
        String s = Integer.toString(v);
        if (pad) for (int k = s.length(); k < width; k++) b.append('0');
        b.append(s);
    }
}
