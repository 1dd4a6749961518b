package cortado.data.dataset;

import cortado.data.collect.Provenance;
import cortado.data.collect.SourceKind;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every document's outcome so far (the removal reason, or the cleaned text of a survivor of every step but near
 * dedup), spilled to a staging file in order, so the documents can be decided, tokenized and written in document
 * order once the near-duplicate components of the whole corpus are known; memory stays bounded by one document.
 */
final class PendingDocuments implements Closeable {
    /** {@code text} is null for a document {@code reason} removed. */
    interface Visitor { void visit(Provenance p, long chars, String text, String reason) throws IOException; }

    private final Path file;
    private final DataOutputStream out;
    private int count;

    PendingDocuments(Path dir) throws IOException {
        file = Files.createTempFile(dir, "pending-", ".bin");
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
    }

    void add(Provenance p, long chars, String text, String reason) throws IOException {
        out.writeByte(p.kind().ordinal());
        for (String s : new String[] {p.file(), p.record(), p.url(), p.title(), text, reason}) write(s);
        out.writeLong(chars);
        count++;
    }

    private void write(String s) throws IOException {
        if (s == null) { out.writeInt(-1); return; }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** Visits every document in the order added. */
    void replay(Visitor v) throws IOException {
        out.close();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            for (int i = 0; i < count; i++) {
                SourceKind kind = SourceKind.values()[in.readUnsignedByte()];
                String f = read(in), record = read(in), url = read(in), title = read(in), text = read(in), why = read(in);
                v.visit(new Provenance(kind, f, record, url, title), in.readLong(), text, why);
            }
        } catch (EOFException e) {
            throw new IOException(file + ": staging file truncated", e);
        }
    }

    private static String read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        out.close();
        Files.deleteIfExists(file);
    }
}
