package cortado.data.text;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a byte stream as lines of UTF-8 with bounded memory: at most {@code maxLineBytes} of one line are held.
 *
 * <p>Invalid UTF-8 never stops reading: each maximal ill-formed subsequence becomes one U+FFFD (the Unicode "best
 * practice" the JDK decoder follows) and is counted. A line longer than the limit is either cut into pieces of at most
 * the limit, each cut on a code-point boundary ({@link Overlong#SPLIT}, for plain text), or consumed without being
 * kept ({@link Overlong#SKIP}, for JSONL, where half a record is no record).
 */
public final class Utf8LineReader implements Closeable {
    /** What to do with a line longer than the limit. */
    public enum Overlong { SPLIT, SKIP }

    private final InputStream in;
    private final int maxLineBytes;
    private final Overlong overlong;
    private final byte[] buf = new byte[1 << 16];
    private int pos, lim;
    private byte[] line = new byte[1024];
    private int len;
    private char[] chars = new char[1024];
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private long lineNumber;
    private long newlines;
    private long bytesRead;
    private long invalidSequences;
    private boolean lastSkipped;
    private boolean lastEndsLine;
    private boolean eof;
    private boolean atStart = true;

    public Utf8LineReader(InputStream in, int maxLineBytes, Overlong overlong) {
        if (maxLineBytes < 4) throw new IllegalArgumentException("maxLineBytes must be at least 4");
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.overlong = overlong;
    }

    /**
     * The next line without its terminator ({@code \n} or {@code \r\n}), or null at the end of the input. After a
     * skipped overlong line this returns "" and {@link #lastSkipped()} is true.
     */
    public String readLine() throws IOException {
        len = 0;
        lastSkipped = false;
        lineNumber = newlines + 1;
        boolean skipping = false;
        boolean sawAny = false;
        while (true) {
            if (pos == lim) {
                if (eof || !fill()) {
                    if (!sawAny) return null;
                    lastEndsLine = false;
                    return finish(skipping);
                }
            }
            sawAny = true;
            // Scan the buffer for the newline in one tight loop.
            int start = pos, nl = -1;
            for (int i = pos; i < lim; i++) if (buf[i] == '\n') { nl = i; break; }
            int end = nl < 0 ? lim : nl;
            pos = nl < 0 ? lim : nl + 1;
            if (!skipping) {
                int n = end - start;
                if (len + n > maxLineBytes) {
                    if (overlong == Overlong.SKIP) {
                        skipping = true;
                    } else {
                        // Keep what fits, cut on a code-point boundary, and leave the rest for the next call.
                        int take = maxLineBytes - len;
                        int cut = start + take;
                        int back = 0;
                        while (back < 3 && cut - back > start && (buf[cut - back] & 0xC0) == 0x80) back++;
                        if ((buf[cut - back] & 0xC0) == 0x80) back = 0; // not UTF-8 anyway: cut where the limit is
                        cut -= back;
                        if (cut == start && len == 0) cut = start + take; // cannot make progress otherwise
                        append(start, cut - start);
                        pos = cut;
                        lastEndsLine = false;
                        return decode(); // a piece: the line number stays, the line continues
                    }
                } else {
                    append(start, n);
                }
            }
            if (nl >= 0) {
                newlines++;
                lastEndsLine = true;
                return finish(skipping);
            }
        }
    }

    private String finish(boolean skipped) {
        if (skipped) {
            lastSkipped = true;
            len = 0;
            return "";
        }
        if (len > 0 && line[len - 1] == '\r') len--;
        return decode();
    }

    private void append(int from, int n) {
        if (len + n > line.length) {
            byte[] bigger = new byte[Math.max(len + n, Math.min(maxLineBytes, line.length * 2))];
            System.arraycopy(line, 0, bigger, 0, len);
            line = bigger;
        }
        System.arraycopy(buf, from, line, len, n);
        len += n;
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) { eof = true; return false; }
        pos = 0;
        lim = n;
        bytesRead += n;
        return true;
    }

    private String decode() {
        int from = 0;
        if (atStart) {
            atStart = false;
            // A UTF-8 byte-order mark says nothing about the text; drop it as Python's utf-8-sig does.
            if (len >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) from = 3;
        }
        boolean ascii = true;
        for (int i = from; i < len; i++) if (line[i] < 0) { ascii = false; break; }
        if (ascii) return new String(line, from, len - from, StandardCharsets.ISO_8859_1);
        if (chars.length < len) chars = new char[len];
        ByteBuffer src = ByteBuffer.wrap(line, from, len - from);
        CharBuffer dst = CharBuffer.wrap(chars); // UTF-8 never yields more UTF-16 units than bytes, nor does U+FFFD
        decoder.reset();
        while (true) {
            CoderResult r = decoder.decode(src, dst, true);
            if (r.isUnderflow()) break;
            if (r.isError()) {
                dst.put('\uFFFD');
                invalidSequences++;
                src.position(src.position() + r.length());
            } else {
                throw new IllegalStateException("decoder overflow: " + r);
            }
        }
        decoder.flush(dst);
        return new String(chars, 0, dst.position());
    }

    /** 1-based number of the line last returned (pieces of a split line share its number). */
    public long lineNumber() { return lineNumber; }

    /** True when the last line returned was an overlong line that was skipped. */
    public boolean lastSkipped() { return lastSkipped; }

    /** False when the last piece returned was cut at the limit or ended the input without a newline. */
    public boolean lastEndsLine() { return lastEndsLine; }

    /** Bytes consumed from the stream so far. */
    public long bytesRead() { return bytesRead; }

    /** Ill-formed UTF-8 subsequences replaced so far. */
    public long invalidSequences() { return invalidSequences; }

    @Override
    public void close() throws IOException { in.close(); }
}
