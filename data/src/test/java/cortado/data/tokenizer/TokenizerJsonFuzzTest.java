package cortado.data.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes {@code tokenizer.json} loading: any bytes either load into a tokenizer that then encodes and decodes text,
 * or are refused with a {@link TokenizerException} naming the field. Anything else thrown (NullPointerException,
 * ClassCastException, an index out of bounds, a StackOverflowError, an OutOfMemoryError, also when {@code load}
 * wraps one as "unexpected structure") or a hang past the timeout is a finding.
 *
 * <p>Input layout: if the bytes contain a NUL, what comes before the first NUL is a text to encode and the rest is
 * the file; otherwise the whole input is the file. The seeds and findings replayed by every {@code mvn test} are in
 * {@code src/test/resources/cortado/data/tokenizer/TokenizerJsonFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class TokenizerJsonFuzzTest {
    /** Text every loaded tokenizer must encode: mixed scripts, emoji, whitespace runs, special-token strings. */
    private static final String PROBE = "Héllo wörld!  \t\n 123 你好 مرحبا 🙂\u00ad\uE000\u0378 <|endoftext|></s>[CLS] don't";

    private static final Path FILE = scratchFile();

    @FuzzTest(maxDuration = "10m")
    @Timeout(10)
    void loadsOrRefusesCleanly(byte[] input) throws IOException {
        int nul = indexOf(input, (byte) 0);
        String text = nul < 0 ? PROBE : new String(input, 0, Math.min(nul, 256), StandardCharsets.UTF_8);
        byte[] file = nul < 0 ? input : Arrays.copyOfRange(input, nul + 1, input.length);
        Files.write(FILE, file);
        HfTokenizer tok;
        try {
            tok = HfTokenizerJson.load(FILE);
        } catch (TokenizerException refused) {
            // load() turns a stray NullPointerException, ClassCastException or IndexOutOfBoundsException into
            // "unexpected structure (...)": a safety net, not an error message naming the field, so a finding here
            if (refused.getMessage().contains(": unexpected structure (")) throw new AssertionError(refused.getMessage());
            return;
        }
        encodeAndDecode(tok, text);
        if (nul >= 0) encodeAndDecode(tok, PROBE);
    }

    private static void encodeAndDecode(HfTokenizer tok, String text) {
        try {
            int[] ids = tok.encode(text);
            tok.decode(ids);
            tok.decode(ids, true);
            tok.encode(text, text, true);
            tok.encodeOrdinary(text);
        } catch (TokenizerException refused) {
            // a tokenizer that cannot encode some text (no unk token, say) says so by name
        }
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) if (a[i] == b) return i;
        return -1;
    }

    private static Path scratchFile() {
        try {
            Path dir = Files.createTempDirectory("tokenizer-json-fuzz");
            dir.toFile().deleteOnExit();
            Path f = dir.resolve("tokenizer.json");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
