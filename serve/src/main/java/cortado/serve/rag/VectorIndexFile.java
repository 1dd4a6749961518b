package cortado.serve.rag;

import cortado.nn.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * A {@link VectorIndex} on disk, written to a temporary file and renamed over the target. All numbers little-endian:
 *
 * <pre>
 * magic       8 bytes  "CRTDVIX1"
 * version     int32    1
 * kind        uint8    0 flat, 1 hnsw
 * metric      uint8    0 ip, 1 cosine, 2 l2
 * storage     uint8    0 fp32, 1 int8
 * reserved    uint8    0
 * dim         int32    > 0
 * count       int32    >= 0
 * vectors     fp32: count x dim float32 (as stored: unit length for cosine)
 *             int8: count x (scale float32, dim int8 codes)
 * hnsw only:  M int32, efConstruction int32, efSearch int32, seed int64, entry int32 (-1 when empty),
 *             maxLevel int32; then per node: level int32, and for each layer 0..level: n int32 (at most 2M on layer 0,
 *             M above) then n neighbour ids int32
 * crc32       uint32   of every byte before it (java.util.zip.CRC32, as zlib's crc32)
 * </pre>
 *
 * Reading checks every field, id and count and the checksum, and refuses with an {@link IndexFileException} naming
 * the file, the byte offset and the field.
 */
public final class VectorIndexFile {
    static final byte[] MAGIC = "CRTDVIX1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final Metric[] METRICS = {Metric.INNER_PRODUCT, Metric.COSINE, Metric.L2};

    private VectorIndexFile() {}

    public static void write(VectorIndex index, Path target) throws IOException {
        AtomicFiles.write(target, tmp -> {
            try (OutputStream raw = Files.newOutputStream(tmp)) {
                CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), new CRC32());
                LittleEndianOut out = new LittleEndianOut(new DataOutputStream(checked));
                writeBody(index, out);
                out.flush();
                int crc = (int) checked.getChecksum().getValue();
                out.int32(crc);
                out.flush();
            }
        });
    }

    private static void writeBody(VectorIndex index, LittleEndianOut out) throws IOException {
        VectorStore store = index.store();
        out.bytes(MAGIC);
        out.int32(VERSION);
        out.int8(index instanceof HnswIndex ? 1 : 0);
        out.int8(java.util.Arrays.asList(METRICS).indexOf(store.metric()));
        out.int8(store.quantized() ? 1 : 0);
        out.int8(0);
        out.int32(store.dim());
        out.int32(store.size());
        for (int id = 0; id < store.size(); id++) {
            if (store instanceof Int8Vectors q) {
                out.float32(q.scale(id));
                out.bytes(q.codes(id));
            } else {
                for (float x : store.vector(id)) out.float32(x);
            }
        }
        if (index instanceof HnswIndex h) {
            HnswConfig c = h.config();
            out.int32(c.m());
            out.int32(c.efConstruction());
            out.int32(c.efSearch());
            out.int64(c.seed());
            out.int32(h.entryPoint());
            out.int32(h.maxLevel());
            for (int id = 0; id < store.size(); id++) {
                int level = h.levelOf(id);
                out.int32(level);
                for (int l = 0; l <= level; l++) {
                    int[] ns = h.neighbours(id, l);
                    out.int32(ns.length);
                    for (int n : ns) out.int32(n);
                }
            }
        }
    }

    public static VectorIndex read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IndexFileException(file, "missing");
        } catch (IOException e) {
            throw new IndexFileException(file, "cannot read: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new IndexFileException(file, "too large to read into memory");
        }
        Reader in = new Reader(file, bytes);
        if (bytes.length < 28) throw new IndexFileException(file, "only " + bytes.length + " bytes, not a vector index file");
        byte[] magic = in.bytes(MAGIC.length, "magic");
        if (!java.util.Arrays.equals(magic, MAGIC))
            throw new IndexFileException(file, "not a Cortado vector index (magic bytes are not CRTDVIX1)");
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int version = in.int32("version");
        if (version != VERSION) throw in.error("version", "version " + version + " (this build reads " + VERSION + ")");
        if ((int) crc.getValue() != stored)
            throw new IndexFileException(file, "checksum mismatch (the file is corrupt or was cut short)");
        int kind = in.uint8("kind"), metric = in.uint8("metric"), storage = in.uint8("storage");
        in.uint8("reserved");
        if (kind > 1) throw in.error("kind", "kind " + kind + " (0 flat, 1 hnsw)");
        if (metric >= METRICS.length) throw in.error("metric", "metric " + metric + " (0 ip, 1 cosine, 2 l2)");
        if (storage > 1) throw in.error("storage", "storage " + storage + " (0 fp32, 1 int8)");
        int dim = in.int32("dim"), count = in.int32("count");
        if (dim <= 0) throw in.error("dim", "dimension " + dim);
        if (count < 0) throw in.error("count", "count " + count);
        long vectorBytes = (long) count * (storage == 1 ? 4L + dim : 4L * dim);
        if (vectorBytes > in.remaining() - 4)
            throw in.error("vectors", count + " vectors of " + dim + " need " + vectorBytes + " bytes, the file has "
                    + (in.remaining() - 4) + " left");
        VectorStore store = VectorStore.create(dim, METRICS[metric], storage == 1);
        for (int id = 0; id < count; id++) {
            if (store instanceof Int8Vectors q) {
                float scale = in.float32("scale of vector " + id);
                if (!(scale >= 0) || !Float.isFinite(scale)) throw in.error("scale of vector " + id, "scale " + scale);
                q.put(in.bytes(dim, "codes of vector " + id), scale);
            } else {
                float[] v = new float[dim];
                for (int i = 0; i < dim; i++) v[i] = in.float32("vector " + id);
                store.add(v);
            }
        }
        VectorIndex index;
        if (kind == 0) {
            index = new FlatIndex(store);
        } else {
            int m = in.int32("M"), efc = in.int32("efConstruction"), efs = in.int32("efSearch");
            long seed = in.int64("seed");
            HnswConfig config;
            try {
                config = new HnswConfig(m, efc, efs, seed);
            } catch (IllegalArgumentException e) {
                throw in.error("hnsw settings", e.getMessage());
            }
            int entry = in.int32("entry"), maxLevel = in.int32("maxLevel");
            if (count == 0 ? entry != -1 : entry < 0 || entry >= count) throw in.error("entry", "entry point " + entry);
            if (maxLevel < (count == 0 ? -1 : 0) || maxLevel > 30) throw in.error("maxLevel", "top layer " + maxLevel);
            int[][][] graph = new int[count][][];
            for (int id = 0; id < count; id++) {
                int level = in.int32("level of node " + id);
                if (level < 0 || level > maxLevel) throw in.error("level of node " + id, "level " + level);
                graph[id] = new int[level + 1][];
                for (int l = 0; l <= level; l++) {
                    String field = "links of node " + id + " on layer " + l;
                    int n = in.int32(field);
                    if (n < 0 || n > (l == 0 ? 2 * m : m)) throw in.error(field, n + " links");
                    int[] ns = new int[n];
                    for (int i = 0; i < n; i++) {
                        ns[i] = in.int32(field);
                        if (ns[i] < 0 || ns[i] >= count || ns[i] == id) throw in.error(field, "neighbour id " + ns[i]);
                    }
                    graph[id][l] = ns;
                }
            }
            for (int id = 0; id < count; id++)   // a link on layer l must reach a node that has layer l
                for (int l = 0; l < graph[id].length; l++)
                    for (int n : graph[id][l])
                        if (graph[n].length <= l)
                            throw new IndexFileException(file, "node " + id + " links node " + n + " on layer " + l
                                    + ", which node " + n + " does not have");
            if (count > 0 && graph[entry].length - 1 != maxLevel)
                throw new IndexFileException(file, "the entry point " + entry + " is not on the top layer " + maxLevel);
            index = HnswIndex.restore(store, config, graph, entry, maxLevel);
        }
        if (in.remaining() != 4)
            throw in.error("crc32", (in.remaining() - 4) + " unexpected bytes before the checksum");
        return index;
    }

    private static final class LittleEndianOut {
        private final DataOutputStream out;
        private final byte[] buf = new byte[8];

        LittleEndianOut(DataOutputStream out) { this.out = out; }

        void bytes(byte[] b) throws IOException { out.write(b); }

        void int8(int v) throws IOException { out.writeByte(v); }

        void int32(int v) throws IOException {
            ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v);
            out.write(buf, 0, 4);
        }

        void int64(long v) throws IOException {
            ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            out.write(buf, 0, 8);
        }

        void float32(float v) throws IOException { int32(Float.floatToRawIntBits(v)); }

        void flush() throws IOException { out.flush(); }
    }

    /** A bounds-checked little-endian cursor over the file's bytes. */
    private static final class Reader {
        private final Path file;
        private final ByteBuffer buf;

        Reader(Path file, byte[] bytes) {
            this.file = file;
            this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        long remaining() { return buf.remaining(); }

        IndexFileException error(String field, String problem) {
            return new IndexFileException(file, "byte " + buf.position() + ", " + field + ": " + problem);
        }

        private void need(int n, String field) {
            if (buf.remaining() - 4 < n && !field.equals("magic"))
                throw error(field, "the file ends early (truncated?)");
        }

        byte[] bytes(int n, String field) {
            need(n, field);
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        int uint8(String field) {
            need(1, field);
            return buf.get() & 0xff;
        }

        int int32(String field) {
            need(4, field);
            return buf.getInt();
        }

        long int64(String field) {
            need(8, field);
            return buf.getLong();
        }

        float float32(String field) {
            need(4, field);
            float f = buf.getFloat();
            if (!Float.isFinite(f)) throw error(field, "non-finite value " + f);
            return f;
        }
    }
}
