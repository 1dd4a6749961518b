package cortado.data.collect;

import java.util.Locale;

/** What kind of input a document came from; the coverage report counts per kind. */
public enum SourceKind {
    /** A plain text file (directories of them: "text trees"). */
    TEXT,
    /** An HTML file ({@code .html}, {@code .htm}) in a directory tree, reduced to its main text. */
    HTML,
    /** A JSONL record with "text", "prompt"/"completion" or "messages". */
    JSONL,
    /** An HTML page from a WARC response (or resource) record, reduced to its main text. */
    WARC,
    /** A WET conversion record: text Common Crawl already extracted. */
    WET,
    /** A page of a MediaWiki XML dump, wikitext reduced to plain text. */
    WIKIPEDIA,
    /** A Reddit comment or submission from a JSONL dump (Pushshift layout). */
    REDDIT;

    /** The lower-case name used in reports. */
    public String label() { return name().toLowerCase(Locale.ROOT); }
}
