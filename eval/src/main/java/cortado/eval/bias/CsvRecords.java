package cortado.eval.bias;

import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated records as RFC 4180 and Python's {@code csv} module (the dialect pandas writes) read them: fields
 * in double quotes may hold commas, line breaks and doubled quotes ({@code ""}); lines end in LF or CRLF. Each record
 * keeps the line it starts on, so errors can name it.
 */
final class CsvRecords {
    /** One record: the 1-based line it starts on and its fields. */
    record Row(int line, List<String> fields) {}

    private CsvRecords() {}

    /** The records of {@code text}; blank lines are skipped. An unterminated quote is an error naming its line. */
    static List<Row> parse(String text, String source) {
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1, start = 1, i = 0, n = text.length();
        boolean quoted = false, any = false;
        if (n > 0 && text.charAt(0) == '\uFEFF') i = 1;   // a byte-order mark, as Excel writes
        while (i < n) {
            char c = text.charAt(i++);
            if (quoted) {
                if (c == '"') {
                    if (i < n && text.charAt(i) == '"') { field.append('"'); i++; }
                    else quoted = false;
                } else {
                    if (c == '\n') line++;
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i < n && text.charAt(i) == '\n') i++;
                if (any || field.length() > 0) {
                    fields.add(field.toString());
                    rows.add(new Row(start, List.copyOf(fields)));
                }
                fields.clear();
                field.setLength(0);
                any = false;
                start = ++line;
            } else {
                field.append(c);
            }
        }
        if (quoted) throw new IllegalArgumentException(source + ":" + start + ": a quoted field is never closed");
        if (any || field.length() > 0) {
            fields.add(field.toString());
            rows.add(new Row(start, List.copyOf(fields)));
        }
        return rows;
    }
}
