package cortado.data.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A reader of the protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/) over one message's
 * bytes: a field is a varint tag (number << 3 | wire type) followed by a varint, a fixed 32/64-bit value, or a varint
 * length and that many bytes. Every length is checked against the bytes that remain before anything is sliced or
 * allocated, so a lying length fails here instead of allocating. Errors are {@link Malformed} with a short reason; the
 * caller adds the file and field.
 */
final class ProtoWire {
    static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    /** Bytes that are not a valid message. */
    static final class Malformed extends RuntimeException {
        Malformed(String reason) { super(reason); }
    }

    private final byte[] buf;
    private int pos;
    private final int end;

    ProtoWire(byte[] buf) { this(buf, 0, buf.length); }

    private ProtoWire(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() { return pos < end; }

    /** The next tag; its field number is {@code tag >>> 3} and wire type {@code tag & 7}. */
    int tag() {
        long t = varint();
        if (t >>> 3 == 0 || t > 0xFFFF_FFFFL) throw new Malformed("invalid field tag " + t);
        return (int) t;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) throw new Malformed("truncated varint");
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) return v;
        }
        throw new Malformed("varint longer than 10 bytes");
    }

    /** An int32/enum field: negative values are sign-extended to ten bytes on the wire, as protobuf writes them. */
    int int32() { return (int) varint(); }

    boolean bool() { return varint() != 0; }

    float fixed32Float() {
        need(4);
        int b = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(b);
    }

    /** A length-delimited field as a reader over its bytes (an embedded message). */
    ProtoWire message() {
        int n = length();
        ProtoWire sub = new ProtoWire(buf, pos, pos + n);
        pos += n;
        return sub;
    }

    byte[] bytes() {
        int n = length();
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /** A {@code string} field; protobuf requires valid UTF-8 there. */
    String string() {
        int n = length();
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new Malformed("string is not valid UTF-8");
        }
    }

    /** Skips the value of a field this reader does not use. Groups (wire types 3 and 4) are refused. */
    void skip(int tag) {
        switch (tag & 7) {
            case VARINT -> varint();
            case FIXED64 -> { need(8); pos += 8; }
            case LENGTH_DELIMITED -> {
                int n = length(); // not `pos += length()`: Java would add to pos as it was before the length varint
                pos += n;
            }
            case FIXED32 -> { need(4); pos += 4; }
            default -> throw new Malformed("unsupported wire type " + (tag & 7) + " for field " + (tag >>> 3));
        }
    }

    /** Fails unless a field has the wire type its declaration gives it. */
    static void expect(int tag, int wireType, String field) {
        if ((tag & 7) != wireType) throw new Malformed(field + " has wire type " + (tag & 7) + ", expected " + wireType);
    }

    private int length() {
        long n = varint();
        if (n < 0 || n > end - pos) throw new Malformed("length " + n + " runs past the end (" + (end - pos) + " bytes left)");
        return (int) n;
    }

    private void need(int n) {
        if (end - pos < n) throw new Malformed("truncated fixed-width value");
    }
}
