package cortado.data.text;

/** What reading the inputs saw: counts of files, bytes, documents and of everything that was wrong with them. */
public final class InputStats implements java.io.Serializable {
    long files;
    long bytes;
    long documents;
    long invalidUtf8Sequences;
    long malformedLines;
    long overlongLines;
    long emptyDocuments;
    final java.util.Map<String, Long> skippedRecords = new java.util.TreeMap<>();

    void skip(String reason) { skippedRecords.merge(reason, 1L, Long::sum); }

    /** Adds the counts of another part of the inputs (one file of a distributed run). */
    public void merge(InputStats o) {
        files += o.files;
        bytes += o.bytes;
        documents += o.documents;
        invalidUtf8Sequences += o.invalidUtf8Sequences;
        malformedLines += o.malformedLines;
        overlongLines += o.overlongLines;
        emptyDocuments += o.emptyDocuments;
        o.skippedRecords.forEach((k, v) -> skippedRecords.merge(k, v, Long::sum));
    }

    /** Records that yield no document, by reason: {@code warc.request}, {@code http.status}, {@code wikipedia.redirect},
     * {@code reddit.deleted}, ... */
    public java.util.Map<String, Long> skippedRecords() { return java.util.Map.copyOf(skippedRecords); }

    public long files() { return files; }

    /** Bytes read so far across all files (what the progress bar measures). */
    public long bytes() { return bytes; }

    public long documents() { return documents; }

    /** Maximal ill-formed UTF-8 subsequences replaced by one U+FFFD each (Unicode 15, section 3.9, U+FFFD policy). */
    public long invalidUtf8Sequences() { return invalidUtf8Sequences; }

    /** JSONL lines that were not a JSON object with a usable text field, skipped. */
    public long malformedLines() { return malformedLines; }

    /** Lines longer than the line limit, skipped without being held in memory. */
    public long overlongLines() { return overlongLines; }

    /** Records or files whose text was empty, skipped. */
    public long emptyDocuments() { return emptyDocuments; }
}
