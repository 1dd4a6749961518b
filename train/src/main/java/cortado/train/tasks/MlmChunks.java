package cortado.train.tasks;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.HfTokenizer;
import cortado.train.JsonlText;
import cortado.train.TokenDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * MLM training rows as transformers' run_mlm.py makes them without {@code --line_by_line}: every document (a
 * non-blank line of a text file, or the {@code "text"} of a JSONL row) is encoded with the tokenizer's special
 * tokens ({@code [CLS] ... [SEP]}), the encodings are concatenated, and the stream is cut into blocks of
 * {@code max_seq_length} tokens, the remainder dropped ({@code group_texts}). So a block may hold the end of one
 * document and the start of the next, with their [SEP]/[CLS] between them, which the masking never selects.
 */
public final class MlmChunks {
    private MlmChunks() {}

    /** The texts of {@code file}: its non-blank lines, or each JSONL row's "text". */
    public static List<String> texts(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")");
        }
        boolean jsonl = JsonlText.isJsonl(file);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            if (!jsonl) {
                out.add(line);
                continue;
            }
            Map<String, Object> o;
            try {
                o = Json.parseObject(line);
            } catch (JsonException e) {
                throw new TokenDataException(file + ":" + (i + 1) + ": not a JSON object: " + e.getMessage());
            }
            if (!(o.get("text") instanceof String s))
                throw new TokenDataException(file + ":" + (i + 1) + ": field text is missing or not a string");
            out.add(s);
        }
        if (out.isEmpty()) throw new TokenDataException(file + ": holds no text");
        return out;
    }

    /** Each text with the post-processor's special tokens (HF's {@code tokenizer(text)}). */
    public static List<int[]> encode(List<String> texts, HfTokenizer tok) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(tok.encodeForModel(t));
        return out;
    }

    /** run_mlm's group_texts: the concatenation cut into blocks of {@code blockSize}, the remainder dropped. */
    public static List<int[]> group(List<int[]> documents, int blockSize) {
        long total = 0;
        for (int[] d : documents) total += d.length;
        int blocks = (int) (total / blockSize);
        List<int[]> out = new ArrayList<>(blocks);
        int[] block = new int[blockSize];
        int fill = 0;
        for (int[] d : documents)
            for (int id : d) {
                if (out.size() == blocks) return out;
                block[fill++] = id;
                if (fill == blockSize) {
                    out.add(block);
                    block = new int[blockSize];
                    fill = 0;
                }
            }
        return out;
    }
}
