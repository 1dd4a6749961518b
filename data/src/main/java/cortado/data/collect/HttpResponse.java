package cortado.data.collect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * The HTTP response inside a WARC {@code response} record ({@code Content-Type: application/http; msgtype=response}):
 * status line, headers, and the payload with {@code Transfer-Encoding: chunked} undone and {@code Content-Encoding:
 * gzip/deflate} decompressed when the record still carries them (Common Crawl stores payloads decoded and renames
 * those headers to {@code X-Crawler-...}, so usually there is nothing to undo).
 *
 * @param status      the status code, or -1 when the status line is not HTTP
 * @param headers     field names in lower case
 * @param body        the payload bytes
 */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {
    /** The media type of Content-Type without parameters, in lower case ("text/html"), or "" if none. */
    public String mediaType() {
        String ct = headers.get("content-type");
        if (ct == null) return "";
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code block}; throws IOException with a one-line reason when it is not an HTTP response. */
    public static HttpResponse parse(byte[] block) throws IOException {
        int headerEnd = -1, bodyStart = -1;
        for (int i = 0; i + 1 < block.length; i++) {
            if (block[i] == '\n' && block[i + 1] == '\n') { headerEnd = i; bodyStart = i + 2; break; }
            if (block[i] == '\n' && block[i + 1] == '\r' && i + 2 < block.length && block[i + 2] == '\n') {
                headerEnd = i; bodyStart = i + 3; break;
            }
        }
        if (headerEnd < 0) { headerEnd = block.length; bodyStart = block.length; }
        String head = new String(block, 0, headerEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n");
        if (lines.length == 0 || !lines[0].startsWith("HTTP/")) throw new IOException("not an HTTP response");
        String[] status = lines[0].split(" +", 3);
        int code;
        try {
            code = status.length > 1 ? Integer.parseInt(status[1].strip()) : -1;
        } catch (NumberFormatException e) {
            code = -1;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(block, bodyStart, block.length);
        String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        if (te.contains("chunked")) body = dechunk(body);
        String ce = headers.getOrDefault("content-encoding", "").strip().toLowerCase(Locale.ROOT);
        if (ce.equals("gzip") || ce.equals("x-gzip")) body = inflate(new GZIPInputStream(new ByteArrayInputStream(body)));
        else if (ce.equals("deflate")) body = inflate(new InflaterInputStream(new ByteArrayInputStream(body)));
        return new HttpResponse(code, headers, body);
    }

    /** RFC 9112 section 7.1: hex size line, that many bytes, CRLF; a 0 size ends. A malformed body is kept as is. */
    private static byte[] dechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int i = 0;
        while (i < b.length) {
            int eol = i;
            while (eol < b.length && b[eol] != '\n') eol++;
            String sizeLine = new String(b, i, eol - i, StandardCharsets.ISO_8859_1).strip();
            int semi = sizeLine.indexOf(';');
            if (semi >= 0) sizeLine = sizeLine.substring(0, semi);
            int size;
            try {
                size = Integer.parseInt(sizeLine.strip(), 16);
            } catch (NumberFormatException e) {
                return b;
            }
            if (size == 0) return out.toByteArray();
            int from = eol + 1;
            if (size < 0 || from + size > b.length) return b;
            out.write(b, from, size);
            i = from + size;
            while (i < b.length && (b[i] == '\r' || b[i] == '\n') && i < from + size + 2) i++;
        }
        return out.toByteArray();
    }

    /** A compressed payload may expand to at most this (a bound against compression bombs). */
    static final int MAX_DECODED_BYTES = 64 << 20;

    private static byte[] inflate(InputStream in) throws IOException {
        try (in) {
            return in.readNBytes(MAX_DECODED_BYTES);
        } catch (IOException e) {
            throw new IOException("cannot decode Content-Encoding: " + e.getMessage());
        }
    }
}
