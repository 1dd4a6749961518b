package cortado.data.spark;

import cortado.data.clean.CleaningReport;
import cortado.data.collect.Provenance;
import cortado.data.text.InputStats;

import java.io.Serializable;

/**
 * One document after the per-document steps (PII, normalization, filters), or, once per input file, that file's
 * reading and cleaning counts ({@link #stats}), which travel with the documents so no accumulator can count twice.
 */
final class DocRow implements Serializable {
    /** The file's index in reading order in the top 24 bits, the document's index in the file below: reading order. */
    long id;
    Provenance provenance;
    /** Characters of the text as read (the coverage report counts them). */
    int chars;
    /** The cleaned text, null when a step removed the document ({@link #reason}). */
    String text;
    String reason;
    /** The exact-dedup key of the cleaned text. */
    long h0, h1;
    /** Set only on the per-file counts row. */
    InputStats input;
    CleaningReport cleaning;

    static final int FILE_SHIFT = 40;

    boolean isStats() { return input != null; }

    boolean kept() { return text != null; }
}
