package cortado.train;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Training text as JSON Lines, one document per line: {@code {"text": "..."}} (other fields are ignored; blank lines
 * are skipped), the layout of Hugging Face datasets' {@code text} column. Each document is tokenized on its own and
 * followed by the tokenizer's end-of-text token when it has one, as {@code cortado prepare} separates documents. A
 * line that is not such an object is an error naming the file and the line.
 */
public final class JsonlText {
    /** The file name ending that selects this format in {@link TokenData#load}. */
    public static final String EXTENSION = ".jsonl";

    private JsonlText() {}

    public static boolean isJsonl(Path file) { return file.getFileName().toString().endsWith(EXTENSION); }

    /** The tokens of every document of {@code file}, in order. */
    public static TokenData load(Path file, Tokenizer tokenizer) {
        if (tokenizer == null)
            throw new TokenDataException(file + ": a JSONL file needs a tokenizer and this model has none;"
                    + " pass --tokenizer or pre-tokenized tokens in a .bin file");
        int eot = tokenizer.endOfTextId();
        IntList ids = new IntList();
        int documents = 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                Map<String, Object> obj;
                try {
                    obj = Json.parseObject(line);
                } catch (JsonException e) {
                    throw new TokenDataException(file + ":" + n + ": not a JSON object: " + e.getMessage());
                }
                if (!(obj.get("text") instanceof String text))
                    throw new TokenDataException(file + ":" + n + ": expected {\"text\": \"...\"}"
                            + (obj.containsKey("text") ? ", \"text\" is not a string" : ", there is no \"text\" field"));
                ids.addAll(tokenizer.encode(text));
                if (eot >= 0) ids.add(eot);
                documents++;
            }
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new TokenDataException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (documents == 0) throw new TokenDataException(file + ": no documents (one {\"text\": ...} object per line)");
        return TokenData.of(ids.toArray(), file.toString());
    }

    /** A growable int array (documents of unknown total length). */
    private static final class IntList {
        private int[] a = new int[1024];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, Math.multiplyExact(a.length, 2));
            a[n++] = v;
        }

        void addAll(int[] vs) { for (int v : vs) add(v); }

        int[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
