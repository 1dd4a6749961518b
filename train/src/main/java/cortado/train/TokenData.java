package cortado.train;

import cortado.data.tokenizer.Tokenizer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sequence of token ids to train on, from one of three file formats:
 * <ul>
 *   <li>UTF-8 text, tokenized with the model's tokenizer (held in memory as int ids);</li>
 *   <li>JSON Lines of {@code {"text": ...}} documents ({@code .jsonl}, {@link JsonlText}), tokenized the same way;</li>
 *   <li>nanoGPT's {@code .bin}: raw little-endian uint16 tokens, nothing else;</li>
 *   <li>llm.c's {@code .bin}: a header of 256 little-endian int32 ({@code [0]} magic 20240520, {@code [1]} version
 *   (1: uint16 tokens; 2: uint32 tokens, llm.c's Llama 3 files), {@code [2]} token count), then the tokens.</li>
 * </ul>
 * Token files are memory-mapped, never read whole; the header is checked against the file size before anything is
 * trusted, so a lying header gives an error rather than a bad read. Every token is checked against the vocabulary.
 */
public abstract class TokenData {
    public static final int LLMC_MAGIC = 20240520;
    public static final int LLMC_HEADER_INTS = 256;
    public static final int LLMC_HEADER_BYTES = LLMC_HEADER_INTS * 4;

    /** Number of tokens. */
    public abstract long size();

    /** Token {@code i}, 0 <= i < size(). */
    public abstract int get(long i);

    /** Where the tokens came from, for messages. */
    public abstract String source();

    /** Copies tokens {@code [from, from+n)} into {@code dst[off..]}. */
    public void read(long from, int[] dst, int off, int n) {
        for (int i = 0; i < n; i++) dst[off + i] = get(from + i);
    }

    /** Tokens {@code [from, to)} as a view. */
    public TokenData slice(long from, long to) {
        if (from < 0 || to > size() || from > to)
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") of " + size() + " tokens");
        TokenData base = this;
        return new TokenData() {
            @Override public long size() { return to - from; }
            @Override public int get(long i) { return base.get(from + i); }
            @Override public String source() { return base.source() + "[" + from + ":" + to + "]"; }
        };
    }

    /** Tokens held in an int array (tokenized text, tests). */
    public static TokenData of(int[] ids, String source) {
        return new TokenData() {
            @Override public long size() { return ids.length; }
            @Override public int get(long i) { return ids[(int) i]; }
            @Override public String source() { return source; }
            @Override public void read(long from, int[] dst, int off, int n) {
                System.arraycopy(ids, (int) from, dst, off, n);
            }
        };
    }

    // ---- loading ----

    /**
     * Loads {@code file}: a {@code .bin} file is a token file (llm.c when it starts with the llm.c magic, otherwise
     * nanoGPT raw uint16); a {@code .jsonl} file is {@link JsonlText} documents; anything else is UTF-8 text tokenized
     * with {@code tokenizer} (null: text is refused).
     * Every token must be below {@code vocabSize}.
     */
    public static TokenData load(Path file, Tokenizer tokenizer, int vocabSize) {
        if (!Files.exists(file)) throw new TokenDataException(file + ": no such file");
        if (Files.isDirectory(file)) throw new TokenDataException(file + ": is a directory, not a data file");
        TokenData data = file.getFileName().toString().endsWith(".bin")
                ? loadTokenFile(file)
                : JsonlText.isJsonl(file) ? JsonlText.load(file, tokenizer) : loadText(file, tokenizer);
        checkVocabulary(data, vocabSize);
        return data;
    }

    /** UTF-8 text tokenized with {@code tokenizer}. */
    public static TokenData loadText(Path file, Tokenizer tokenizer) {
        if (tokenizer == null)
            throw new TokenDataException(file + ": a text file needs a tokenizer and this model has none;"
                    + " pass --tokenizer or pre-tokenized tokens in a .bin file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new TokenDataException(file + ": too large to tokenize in memory; pre-tokenize it into a .bin file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenDataException(file + ": not valid UTF-8 text (token files must end in .bin)");
        }
        int[] ids = tokenizer.encode(text);
        return of(ids, file.toString());
    }

    /** A memory-mapped llm.c or nanoGPT token file. */
    public static TokenData loadTokenFile(Path file) {
        long size;
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            // An auto arena: the mapping lives as long as the TokenData that reads it.
            seg = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size == 0) throw new TokenDataException(file + ": empty token file");
        boolean llmc = size >= 4 && seg.get(INT_LE, 0) == LLMC_MAGIC;
        if (!llmc) {
            if (size % 2 != 0)
                throw new TokenDataException(file + ": " + size + " bytes is not a whole number of uint16 tokens"
                        + " (and it does not start with the llm.c magic " + LLMC_MAGIC + ")");
            return new Mapped(seg, 0, size / 2, 2, file.toString());
        }
        if (size < LLMC_HEADER_BYTES)
            throw new TokenDataException(file + ": llm.c header truncated: " + size + " bytes, the header alone needs "
                    + LLMC_HEADER_BYTES);
        int version = seg.get(INT_LE, 4);
        int width = switch (version) {
            case 1 -> 2;
            case 2 -> 4;
            default -> throw new TokenDataException(file + ": llm.c header has version " + version
                    + ", expected 1 (uint16 tokens) or 2 (uint32 tokens)");
        };
        long count = Integer.toUnsignedLong(seg.get(INT_LE, 8));
        long payload = size - LLMC_HEADER_BYTES;
        if (payload != count * width)
            throw new TokenDataException(file + ": llm.c header says " + count + " tokens (" + count * width
                    + " bytes) but the file holds " + payload + " bytes after the header");
        if (count == 0) throw new TokenDataException(file + ": llm.c header says 0 tokens");
        return new Mapped(seg, LLMC_HEADER_BYTES, count, width, file.toString());
    }

    private static void checkVocabulary(TokenData data, int vocabSize) {
        long n = data.size();
        int[] buf = new int[1 << 16];
        for (long start = 0; start < n; start += buf.length) {
            int len = (int) Math.min(buf.length, n - start);
            data.read(start, buf, 0, len);
            for (int i = 0; i < len; i++) {
                if (buf[i] < 0 || buf[i] >= vocabSize)
                    throw new TokenDataException(data.source() + ": token " + Integer.toUnsignedString(buf[i])
                            + " at position " + (start + i) + " is outside the model's vocabulary of " + vocabSize
                            + " (wrong tokenizer or not a token file?)");
            }
        }
    }

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Tokens of {@code width} bytes (2 or 4) in a mapped file starting at byte {@code base}. */
    private static final class Mapped extends TokenData {
        private final MemorySegment seg;
        private final long base, count;
        private final int width;
        private final String source;

        Mapped(MemorySegment seg, long base, long count, int width, String source) {
            this.seg = seg;
            this.base = base;
            this.count = count;
            this.width = width;
            this.source = source;
        }

        @Override public long size() { return count; }

        @Override public int get(long i) {
            if (i < 0 || i >= count) throw new IndexOutOfBoundsException("token " + i + " of " + count);
            return width == 2 ? Short.toUnsignedInt(seg.get(SHORT_LE, base + 2 * i)) : seg.get(INT_LE, base + 4 * i);
        }

        @Override public String source() { return source; }
    }
}
