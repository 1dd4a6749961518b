package cortado.data.text;

import cortado.data.collect.Provenance;

/**
 * One unit of text that cleaning and deduplication judge as a whole.
 *
 * @param source     where it came from, as {@code file:line} for JSONL or {@code file} (or {@code file#part}) for
 *                   text, {@code file#record} for WARC records and dump pages: the place error messages name
 * @param text       the decoded text (invalid UTF-8 already replaced by U+FFFD)
 * @param provenance the source kind, file, record id, URL and title
 */
public record Document(String source, String text, Provenance provenance) {}
