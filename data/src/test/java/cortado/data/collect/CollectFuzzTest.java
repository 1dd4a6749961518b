package cortado.data.collect;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cortado.data.text.BadInputException;
import cortado.data.text.Document;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the readers of crawls and dumps: any bytes either give documents or are refused with a
 * {@link BadInputException} naming the place. Anything else thrown (an index out of bounds, a NullPointerException,
 * a StackOverflowError) or a hang past the timeout is a finding.
 *
 * <p>Input layout: the first byte picks the reader (0 WARC, 1 HTML, 2 wikitext, 3 MediaWiki XML, by its value mod
 * 4); the rest is the file. Seeds and findings replayed by every {@code mvn test} are in
 * {@code src/test/resources/cortado/data/collect/CollectFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class CollectFuzzTest {
    @FuzzTest(maxDuration = "10m")
    @Timeout(10)
    void readsOrRefusesCleanly(byte[] input) throws IOException {
        if (input.length == 0) return;
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        List<String> skipped = new ArrayList<>();
        try {
            switch ((input[0] & 0xff) % 4) {
                case 0 -> {
                    try (WarcDocuments w = new WarcDocuments(new ByteArrayInputStream(file), "f.warc", 1 << 16, skipped::add)) {
                        for (Document d; (d = w.next()) != null; ) check(d);
                    }
                }
                case 1 -> HtmlText.extract(new String(file, HtmlCharset.detect(file, 0, file.length, null)));
                case 2 -> WikitextToText.convert(new String(file, StandardCharsets.UTF_8));
                default -> {
                    try (WikipediaDumpReader r = new WikipediaDumpReader(new ByteArrayInputStream(file), "f.xml", skipped::add)) {
                        for (Document d; (d = r.next()) != null; ) check(d);
                    }
                }
            }
        } catch (BadInputException refused) {
            if (!refused.getMessage().startsWith("f.")) throw new AssertionError("error without the file: " + refused.getMessage());
        }
    }

    private static void check(Document d) {
        if (d.text().isEmpty()) throw new AssertionError("empty document from " + d.source());
    }
}
