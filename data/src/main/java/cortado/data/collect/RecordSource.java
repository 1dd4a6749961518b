package cortado.data.collect;

import cortado.data.text.Document;

import java.io.Closeable;
import java.io.IOException;

/** Documents from one input file of a record format (WARC, a wiki dump), one at a time. */
public interface RecordSource extends Closeable {
    /** The next document, or null at the end of the file. */
    Document next() throws IOException;
}
