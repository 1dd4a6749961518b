package cortado.data.collect;

import java.util.Locale;
import java.util.Map;

/**
 * One WARC record (ISO 28500, WARC/1.0 and WARC/1.1): its named fields and its content block.
 *
 * @param number  1-based position in the file
 * @param offset  byte offset of the record's version line in the uncompressed stream
 * @param version "WARC/1.0" or "WARC/1.1"
 * @param headers field names in lower case (WARC field names are case-insensitive); a repeated field keeps its last value
 * @param content the content block, exactly Content-Length bytes; null when the record was larger than the reader's
 *                limit and was skipped without being held
 */
public record WarcRecord(long number, long offset, String version, Map<String, String> headers, byte[] content) {
    /** WARC-Type in lower case ("response", "conversion", "warcinfo", ...), or "" if missing. */
    public String type() {
        String t = headers.get("warc-type");
        return t == null ? "" : t.strip().toLowerCase(Locale.ROOT);
    }

    public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

    /** Where the record is, for messages: {@code record 3 at offset 1234}. */
    public String where() { return "record " + number + " at offset " + offset; }
}
