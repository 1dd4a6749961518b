package cortado.data.dataset;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic shuffle of documents (token arrays) that do not fit in memory: the two-pass external shuffle. Pass
 * one sends each document to one of {@code buckets} temporary files chosen uniformly at random; pass two reads the
 * buckets in order and emits each one's documents in a uniformly random order (Fisher-Yates). Independent uniform
 * bucket choice followed by uniform shuffles within buckets gives a uniformly random permutation of the whole, and the
 * seed fixes it. Memory: one bucket (sized by the caller from the input size) plus the write buffers.
 *
 * <p>A bucket that turns out larger than {@code maxBucketBytes} (the size estimate was wrong) is shuffled in segments
 * of that size rather than loaded whole: bounded memory wins over a perfect permutation, and the count of such
 * buckets is reported by {@link #oversizedBuckets()}.
 */
public final class ExternalShuffle implements Closeable {
    public interface Sink { void accept(int[] ids) throws IOException; }

    private final Path[] files;
    private final OutputStream[] outs;
    private final long[] bytes;
    private final int width;
    private final long maxBucketBytes;
    private final long seed;
    private final SplittableRandom route;
    private final byte[] scratch = new byte[1 << 16];
    private long documents;
    private int oversized;

    public ExternalShuffle(Path dir, String name, int buckets, int bytesPerToken, long maxBucketBytes, long seed)
            throws IOException {
        this.width = bytesPerToken;
        this.maxBucketBytes = maxBucketBytes;
        this.seed = seed;
        this.route = new SplittableRandom(seed);
        files = new Path[buckets];
        outs = new OutputStream[buckets];
        bytes = new long[buckets];
        Files.createDirectories(dir);
        for (int i = 0; i < buckets; i++) {
            files[i] = dir.resolve(String.format("%s-bucket-%04d.tmp", name, i));
            outs[i] = new BufferedOutputStream(Files.newOutputStream(files[i]), 1 << 16);
        }
    }

    /** Buckets needed so that each holds about {@code targetBucketBytes} of an {@code estimatedBytes} total. */
    public static int bucketsFor(long estimatedBytes, long targetBucketBytes) {
        return (int) Math.max(1, Math.min(4096, (estimatedBytes + targetBucketBytes - 1) / targetBucketBytes));
    }

    public void add(int[] ids) throws IOException {
        int b = route.nextInt(files.length);
        OutputStream o = outs[b];
        writeInt(o, ids.length);
        int pos = 0;
        for (int id : ids) {
            if (pos + 4 > scratch.length) { o.write(scratch, 0, pos); pos = 0; }
            scratch[pos++] = (byte) id;
            scratch[pos++] = (byte) (id >>> 8);
            if (width == 4) {
                scratch[pos++] = (byte) (id >>> 16);
                scratch[pos++] = (byte) (id >>> 24);
            }
        }
        o.write(scratch, 0, pos);
        bytes[b] += 4 + (long) width * ids.length;
        documents++;
    }

    private static void writeInt(OutputStream o, int v) throws IOException {
        o.write(v);
        o.write(v >>> 8);
        o.write(v >>> 16);
        o.write(v >>> 24);
    }

    public long documents() { return documents; }

    public int buckets() { return files.length; }

    /** Emits every document once, in the shuffled order, deleting each bucket file once read. */
    public void drain(Sink sink, Runnable afterBucket) throws IOException {
        for (OutputStream o : outs) o.close();
        for (int b = 0; b < files.length; b++) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + b + 1);
            if (bytes[b] > maxBucketBytes) oversized++;
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(files[b]), 1 << 16))) {
                List<int[]> segment = new ArrayList<>();
                long segBytes = 0;
                while (true) {
                    int[] doc = read(in);
                    if (doc == null) break;
                    segment.add(doc);
                    segBytes += 4 + (long) width * doc.length;
                    if (segBytes >= maxBucketBytes) {
                        emit(segment, rnd, sink);
                        segBytes = 0;
                    }
                }
                emit(segment, rnd, sink);
            }
            Files.deleteIfExists(files[b]);
            afterBucket.run();
        }
    }

    private void emit(List<int[]> docs, SplittableRandom rnd, Sink sink) throws IOException {
        for (int i = docs.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int[] t = docs.get(i);
            docs.set(i, docs.get(j));
            docs.set(j, t);
        }
        for (int[] d : docs) sink.accept(d);
        docs.clear();
    }

    private int[] read(InputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) return null;
        int n = b0 | readByte(in) << 8 | readByte(in) << 16 | readByte(in) << 24;
        int[] ids = new int[n];
        int need = n * width, got = 0, k = 0;
        while (got < need) {
            int r = in.read(scratch, 0, Math.min(scratch.length, need - got));
            if (r < 0) throw new EOFException("shuffle bucket truncated");
            // r is a multiple of width except possibly at chunk edges; decode whole tokens, keep the remainder
            int whole = r - r % width;
            if (whole < r) {
                int extra = width - r % width;
                int r2 = in.readNBytes(scratch, r, extra);
                if (r2 < extra) throw new EOFException("shuffle bucket truncated");
                whole = r + extra;
                r = whole;
            }
            for (int p = 0; p < whole; p += width) {
                int v = (scratch[p] & 0xff) | (scratch[p + 1] & 0xff) << 8;
                if (width == 4) v |= (scratch[p + 2] & 0xff) << 16 | (scratch[p + 3] & 0xff) << 24;
                ids[k++] = v;
            }
            got += r;
        }
        return ids;
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException("shuffle bucket truncated");
        return b;
    }

    /** Buckets that exceeded the size bound and were shuffled in segments. */
    public int oversizedBuckets() { return oversized; }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < files.length; i++) {
            try { outs[i].close(); } catch (IOException ignored) { /* already closed or failing: deleting anyway */ }
            Files.deleteIfExists(files[i]);
        }
    }
}
