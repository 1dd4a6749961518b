package cortado.data.collect;

import cortado.data.text.BadInputException;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads WARC records one at a time from an uncompressed stream (wrap a {@code .warc.gz} in a
 * {@link java.util.zip.GZIPInputStream}: Common Crawl compresses each record as its own gzip member, and the JDK's
 * stream reads concatenated members as one). Per ISO 28500: a version line ({@code WARC/1.0} or {@code WARC/1.1}),
 * named fields up to an empty line (a line starting with a space or tab continues the previous field), then a content
 * block of exactly Content-Length bytes, then two CRLFs. Only one record's content is held at a time; records larger
 * than {@code maxContentBytes} are skipped over without being held. LF line ends are accepted for CRLF.
 *
 * <p>Bad input is a {@link BadInputException} naming the file, the record number and its byte offset.
 */
public final class WarcReader implements Closeable {
    private static final int MAX_HEADER_LINE = 1 << 16, MAX_HEADER_LINES = 1000;

    private final InputStream in;
    private final String file;
    private final long maxContentBytes;
    private long offset;   // bytes consumed so far
    private long number;

    public WarcReader(InputStream in, String file, long maxContentBytes) {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        this.file = file;
        this.maxContentBytes = Math.min(maxContentBytes, Integer.MAX_VALUE - 16);
    }

    /** The next record, or null at the end of the stream. */
    public WarcRecord next() throws IOException {
        String line;
        long start;
        do { // blank lines between records are tolerated
            start = offset;
            line = readLine();
            if (line == null) return null;
        } while (line.isEmpty());
        long n = ++number;
        String where = file + ": record " + n + " at offset " + start;
        if (!line.startsWith("WARC/")) throw new BadInputException(where, "expected a WARC version line, got '" + clip(line) + "'");
        if (!line.equals("WARC/1.0") && !line.equals("WARC/1.1"))
            throw new BadInputException(where, "unsupported WARC version '" + clip(line) + "' (WARC/1.0 and WARC/1.1 are read)");
        Map<String, String> headers = new LinkedHashMap<>();
        String last = null;
        for (int count = 0; ; count++) {
            String h = readLine();
            if (h == null) throw new BadInputException(where, "file ends inside the record's header");
            if (h.isEmpty()) break;
            if (count >= MAX_HEADER_LINES) throw new BadInputException(where, "more than " + MAX_HEADER_LINES + " header lines");
            if ((h.charAt(0) == ' ' || h.charAt(0) == '\t') && last != null) {
                headers.put(last, headers.get(last) + " " + h.strip());
                continue;
            }
            int colon = h.indexOf(':');
            if (colon <= 0) throw new BadInputException(where, "malformed header line '" + clip(h) + "'");
            last = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            headers.put(last, h.substring(colon + 1).strip());
        }
        String cl = headers.get("content-length");
        if (cl == null) throw new BadInputException(where, "missing Content-Length");
        long length;
        try {
            length = Long.parseLong(cl.strip());
        } catch (NumberFormatException e) {
            throw new BadInputException(where, "Content-Length '" + clip(cl) + "' is not a number");
        }
        if (length < 0) throw new BadInputException(where, "negative Content-Length " + length);
        byte[] content = null;
        if (length <= maxContentBytes) {
            content = in.readNBytes((int) length);
            offset += content.length;
            if (content.length < length)
                throw new BadInputException(where, "truncated: Content-Length " + length + " but " + content.length + " bytes follow");
        } else {
            try {
                in.skipNBytes(length);
            } catch (java.io.EOFException e) {
                throw new BadInputException(where, "truncated: Content-Length " + length + " runs past the end of the file");
            }
            offset += length;
        }
        skipRecordEnd();
        return new WarcRecord(n, start, line, headers, content);
    }

    /** The CRLF CRLF after a content block (lenient: any run of up to four CR/LF bytes). */
    private void skipRecordEnd() throws IOException {
        for (int i = 0; i < 4; i++) {
            in.mark(1);
            int b = in.read();
            if (b != '\r' && b != '\n') {
                if (b >= 0) in.reset();
                return;
            }
            offset++;
        }
    }

    /** A header line without its CRLF/LF, decoded as UTF-8 (WARC/1.1 allows UTF-8 field values), or null at EOF. */
    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            offset++;
            if (c == '\n') break;
            if (b.size() >= MAX_HEADER_LINE)
                throw new BadInputException(file + ": offset " + offset, "header line longer than " + MAX_HEADER_LINE + " bytes");
            b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        byte[] bytes = b.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') len--;
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }

    private static String clip(String s) { return s.length() > 60 ? s.substring(0, 60) + "..." : s; }

    @Override
    public void close() throws IOException { in.close(); }
}
