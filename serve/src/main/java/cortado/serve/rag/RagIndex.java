package cortado.serve.rag;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A directory of documents chunked, embedded and indexed for retrieval, as one directory on disk:
 *
 * <ul>
 *   <li>{@code manifest.json}: format and version, the {@link IndexSettings}, the embedding dimension, the number of
 *       chunks, and per source file its path, SHA-256 and chunk count (in chunk order);</li>
 *   <li>{@code chunks.jsonl}: one chunk per line ({@code id, source, start, end, text}), line i being vector i;</li>
 *   <li>{@code vectors.cvi}: the vector index ({@link VectorIndexFile}).</li>
 * </ul>
 *
 * Each file is written atomically (temporary file, rename), the manifest last: a crash midway leaves a manifest whose
 * chunk count disagrees with the other files, which {@link #load} refuses. BM25 statistics are rebuilt from the chunks'
 * text on load. {@link #build} reuses the vectors of every file whose SHA-256 is unchanged and embeds only the rest.
 */
public final class RagIndex {
    public static final String MANIFEST = "manifest.json", CHUNKS = "chunks.jsonl", VECTORS = "vectors.cvi";
    static final String FORMAT = "cortado-rag-index";
    static final int VERSION = 1;
    /** The files {@link #build} reads by default. */
    public static final Set<String> DEFAULT_EXTENSIONS = Set.of("txt", "md", "markdown", "rst");

    /** A source document: its path relative to the documents' directory ('/' separators), hash, chunk count. */
    public record SourceFile(String path, String sha256, int chunks) {}

    /** What {@link #build} did. */
    public record BuildReport(RagIndex index, int filesEmbedded, int filesReused, int filesRemoved, int chunksEmbedded,
                              int chunksReused, String rebuiltBecause) {}

    private final IndexSettings settings;
    private final List<SourceFile> files;
    private final List<Chunk> chunks;
    private final VectorIndex vectors;
    private Bm25 bm25;

    private RagIndex(IndexSettings settings, List<SourceFile> files, List<Chunk> chunks, VectorIndex vectors) {
        this.settings = settings;
        this.files = List.copyOf(files);
        this.chunks = List.copyOf(chunks);
        this.vectors = vectors;
    }

    public IndexSettings settings() { return settings; }

    public List<SourceFile> files() { return files; }

    public List<Chunk> chunks() { return chunks; }

    public VectorIndex vectors() { return vectors; }

    /** BM25 over the chunks' text, built on first use. */
    public synchronized Bm25 bm25() {
        if (bm25 == null) bm25 = new Bm25(chunks.stream().map(Chunk::text).toList());
        return bm25;
    }

    /**
     * Indexes the files under {@code docs} whose extension is in {@code extensions}: each is read as UTF-8, chunked
     * and embedded, except that a file whose SHA-256 equals its entry in {@code previous} (built with the same
     * settings) keeps its chunks and vectors.
     */
    public static BuildReport build(Path docs, Set<String> extensions, IndexSettings settings, TextEmbedder embedder,
                                    RagIndex previous) throws IOException {
        if (!Files.isDirectory(docs)) throw new IllegalArgumentException(docs + ": not a directory");
        String rebuilt = null;
        if (previous != null && !settings.differences(previous.settings).isEmpty()) {
            rebuilt = settings.differences(previous.settings);
            previous = null;
        }
        Map<String, Integer> oldFirstChunk = new LinkedHashMap<>();
        Map<String, SourceFile> oldFiles = new LinkedHashMap<>();
        if (previous != null) {
            int at = 0;
            for (SourceFile f : previous.files) {
                oldFiles.put(f.path(), f);
                oldFirstChunk.put(f.path(), at);
                at += f.chunks();
            }
        }
        List<Path> paths;
        try (Stream<Path> s = Files.walk(docs)) {
            paths = s.filter(Files::isRegularFile).filter(p -> extensions.contains(extension(p)))
                    .sorted((a, b) -> relative(docs, a).compareTo(relative(docs, b))).toList();
        }
        Chunker chunker = settings.chunker(embedder);
        List<SourceFile> files = new ArrayList<>();
        List<Chunk> chunks = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        List<Integer> pending = new ArrayList<>();   // chunk indexes still to embed
        List<Boolean> reused = new ArrayList<>();   // whether vector i comes from the previous index, already prepared
        int embeddedFiles = 0, reusedFiles = 0, reusedChunks = 0;
        for (Path p : paths) {
            String rel = relative(docs, p);
            byte[] bytes = Files.readAllBytes(p);
            String hash = sha256(bytes);
            SourceFile old = oldFiles.get(rel);
            if (old != null && old.sha256().equals(hash)) {
                int first = oldFirstChunk.get(rel);
                for (int i = 0; i < old.chunks(); i++) {
                    chunks.add(previous.chunks.get(first + i));
                    vectors.add(previous.vectors.store().vector(first + i));
                    reused.add(true);
                }
                files.add(old);
                reusedFiles++;
                reusedChunks += old.chunks();
                continue;
            }
            List<Chunk> cs = chunker.split(rel, utf8(p, bytes));
            for (Chunk c : cs) {
                pending.add(chunks.size());
                chunks.add(c);
                vectors.add(null);
                reused.add(false);
            }
            files.add(new SourceFile(rel, hash, cs.size()));
            embeddedFiles++;
        }
        final int batch = 64;
        for (int from = 0; from < pending.size(); from += batch) {
            List<Integer> ids = pending.subList(from, Math.min(pending.size(), from + batch));
            float[][] e = embedder.embed(ids.stream().map(i -> chunks.get(i).text()).toList());
            for (int j = 0; j < ids.size(); j++) vectors.set(ids.get(j), e[j]);
        }
        int dim = vectors.isEmpty() ? previous == null ? 1 : previous.vectors.dim() : vectors.get(0).length;
        VectorIndex index = settings.emptyIndex(dim);
        for (int i = 0; i < vectors.size(); i++) {
            if (reused.get(i)) index.addPrepared(vectors.get(i));
            else index.add(vectors.get(i));
        }
        int removed = 0;
        for (String old : oldFiles.keySet()) if (files.stream().noneMatch(f -> f.path().equals(old))) removed++;
        return new BuildReport(new RagIndex(settings, files, chunks, index), embeddedFiles, reusedFiles, removed,
                pending.size(), reusedChunks, rebuilt);
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(CHUNKS), tmp -> {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Chunk c : chunks) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", c.id());
                    m.put("source", c.source());
                    m.put("start", c.start());
                    m.put("end", c.end());
                    m.put("text", c.text());
                    w.write(Json.write(m));
                    w.write('\n');
                }
            }
        });
        VectorIndexFile.write(vectors, dir.resolve(VECTORS));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("embed_model", settings.embedModel());
        m.put("chunk_unit", settings.unit().name().toLowerCase());
        m.put("chunk_size", settings.chunkSize());
        m.put("chunk_overlap", settings.overlap());
        m.put("metric", settings.metric().id());
        m.put("index", settings.hnsw() == null ? "flat" : "hnsw");
        if (settings.hnsw() != null) {
            m.put("hnsw_m", settings.hnsw().m());
            m.put("hnsw_ef_construction", settings.hnsw().efConstruction());
            m.put("hnsw_ef_search", settings.hnsw().efSearch());
            m.put("hnsw_seed", settings.hnsw().seed());
        }
        m.put("int8", settings.int8());
        m.put("dim", vectors.dim());
        m.put("chunks", chunks.size());
        List<Object> fs = new ArrayList<>();
        for (SourceFile f : files) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", f.path());
            e.put("sha256", f.sha256());
            e.put("chunks", f.chunks());
            fs.add(e);
        }
        m.put("files", fs);
        AtomicFiles.write(dir.resolve(MANIFEST), (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static RagIndex load(Path dir) {
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isDirectory(dir)) throw new IndexFileException(dir, "no such index directory");
        Map<String, Object> m;
        try {
            m = Json.parseObject(Files.readString(manifestFile, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IndexFileException(manifestFile, "missing (not a RAG index directory?)");
        } catch (IOException e) {
            throw new IndexFileException(manifestFile, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw new IndexFileException(manifestFile, "invalid JSON: " + e.getMessage());
        }
        Fields f = new Fields(manifestFile, m);
        if (!FORMAT.equals(m.get("format"))) throw f.bad("format", "is not " + FORMAT);
        if (f.integer("version") != VERSION) throw f.bad("version", "is not " + VERSION);
        ChunkUnit unit;
        Metric metric;
        try {
            unit = ChunkUnit.valueOf(f.string("chunk_unit").toUpperCase());
            metric = Metric.of(f.string("metric"));
        } catch (IllegalArgumentException e) {
            throw new IndexFileException(manifestFile, e.getMessage());
        }
        String kind = f.string("index");
        HnswConfig hnsw = switch (kind) {
            case "flat" -> null;
            case "hnsw" -> new HnswConfig((int) f.integer("hnsw_m"), (int) f.integer("hnsw_ef_construction"),
                    (int) f.integer("hnsw_ef_search"), f.integer("hnsw_seed"));
            default -> throw f.bad("index", "must be flat or hnsw");
        };
        if (!(m.get("int8") instanceof Boolean int8)) throw f.bad("int8", "must be true or false");
        IndexSettings settings = new IndexSettings(f.string("embed_model"), unit, (int) f.integer("chunk_size"),
                (int) f.integer("chunk_overlap"), metric, hnsw, int8);
        int count = (int) f.integer("chunks");
        if (!(m.get("files") instanceof List<?> list)) throw f.bad("files", "must be a list");
        List<SourceFile> files = new ArrayList<>();
        int total = 0;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> e) || !(e.get("path") instanceof String p) || !(e.get("sha256") instanceof String h)
                    || !(e.get("chunks") instanceof Long n) || n < 0)
                throw f.bad("files", "every entry needs a path, a sha256 and a chunk count, got " + Json.write(o));
            files.add(new SourceFile(p, h, (int) (long) n));
            total += (int) (long) n;
        }
        if (total != count) throw f.bad("files", "their chunk counts add to " + total + ", not chunks = " + count);

        Path chunksFile = dir.resolve(CHUNKS);
        List<Chunk> chunks = new ArrayList<>();
        try (Stream<String> lines = Files.lines(chunksFile, StandardCharsets.UTF_8)) {
            int[] lineNo = {0};
            lines.forEach(line -> {
                lineNo[0]++;
                Map<String, Object> c;
                try {
                    c = Json.parseObject(line);
                } catch (JsonException e) {
                    throw new IndexFileException(chunksFile, "line " + lineNo[0] + ": invalid JSON: " + e.getMessage());
                }
                if (!(c.get("source") instanceof String src) || !(c.get("start") instanceof Long s)
                        || !(c.get("end") instanceof Long e) || !(c.get("text") instanceof String t) || e < s)
                    throw new IndexFileException(chunksFile, "line " + lineNo[0] + ": a chunk needs source, start <= end"
                            + " and text");
                chunks.add(new Chunk(src, -1, (int) (long) s, (int) (long) e, t));
            });
        } catch (NoSuchFileException e) {
            throw new IndexFileException(chunksFile, "missing");
        } catch (IOException | UncheckedIOException e) {
            throw new IndexFileException(chunksFile, "cannot read: " + e.getMessage(), e);
        }
        if (chunks.size() != count)
            throw new IndexFileException(chunksFile, chunks.size() + " chunks, the manifest says " + count
                    + " (an interrupted write?)");
        // Number each file's chunks, and check they belong to it in manifest order.
        int at = 0;
        for (SourceFile sf : files)
            for (int i = 0; i < sf.chunks(); i++, at++) {
                Chunk c = chunks.get(at);
                if (!c.source().equals(sf.path()))
                    throw new IndexFileException(chunksFile, "line " + (at + 1) + ": chunk of " + c.source()
                            + " where the manifest has " + sf.path());
                chunks.set(at, new Chunk(c.source(), i, c.start(), c.end(), c.text()));
            }
        VectorIndex vectors = VectorIndexFile.read(dir.resolve(VECTORS));
        if (vectors.size() != count)
            throw new IndexFileException(dir.resolve(VECTORS), vectors.size() + " vectors, the manifest says " + count
                    + " chunks (an interrupted write?)");
        if (count > 0 && vectors.dim() != f.integer("dim"))
            throw new IndexFileException(dir.resolve(VECTORS), "dimension " + vectors.dim() + ", the manifest says "
                    + f.integer("dim"));
        if (vectors.metric() != metric || (vectors instanceof HnswIndex) != (hnsw != null) || vectors.store().quantized() != int8)
            throw new IndexFileException(dir.resolve(VECTORS), "its kind, metric or storage differ from the manifest's");
        return new RagIndex(settings, files, chunks, vectors);
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String utf8(Path p, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(p + ": not valid UTF-8");
        }
    }

    /** Typed reads of the manifest's fields, each failure naming the field. */
    private record Fields(Path file, Map<String, Object> m) {
        IndexFileException bad(String key, String problem) { return new IndexFileException(file, "field " + key + " " + problem); }

        String string(String key) {
            if (!(m.get(key) instanceof String s)) throw bad(key, "must be a string");
            return s;
        }

        long integer(String key) {
            if (!(m.get(key) instanceof Long n)) throw bad(key, "must be an integer");
            return n;
        }
    }
}
