package cortado.data.tokenizer;

import cortado.data.json.Json;
import cortado.data.json.JsonException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPT-2's released vocabulary: {@code encoder.json} (byte-level spelled token -> id) and {@code vocab.bpe} (a
 * {@code #version} line, then one merge {@code "a b"} per line in priority order). When the ids agree with the merge
 * order (id = 256 + merge line, as in OpenAI's files) we use tiktoken's rank rule, exactly as tiktoken's gpt2 encoding
 * is built from these two files; otherwise the listed merges, as Hugging Face does.
 */
public final class GptEncoderFiles {
    private GptEncoderFiles() {}

    /** Loads from a directory holding encoder.json and vocab.bpe (either may be .gz). */
    public static BpeTokenizer load(Path dir) {
        return load(pick(dir, "encoder.json"), pick(dir, "vocab.bpe"), SplitPatterns.GPT2);
    }

    private static Path pick(Path dir, String name) {
        Path p = dir.resolve(name);
        if (Files.exists(p)) return p;
        Path gz = dir.resolve(name + ".gz");
        if (Files.exists(gz)) return gz;
        throw new TokenizerException(dir + ": no " + name + " in this directory");
    }

    public static BpeTokenizer load(Path encoderJson, Path vocabBpe, String pattern) {
        Map<String, Object> enc;
        try {
            enc = Json.parseObject(VocabText.read(encoderJson));
        } catch (JsonException e) {
            throw TokenizerException.in(encoderJson.toString(), "malformed JSON: " + e.getMessage());
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        Map<String, Integer> idOf = new LinkedHashMap<>();
        int max = -1;
        for (var e : enc.entrySet()) {
            if (!(e.getValue() instanceof Long v) || v < 0 || v > 10_000_000) {
                throw TokenizerException.in(encoderJson.toString(), "token '" + TiktokenFile.clip(e.getKey())
                        + "' has id " + e.getValue() + ", expected a non-negative integer");
            }
            int id = v.intValue();
            if (e.getKey().equals("<|endoftext|>") || e.getKey().equals("<|startoftext|>")) {
                specials.put(e.getKey(), id);
            } else if (ByteLevel.decode(e.getKey()) == null) {
                throw TokenizerException.in(encoderJson.toString(), "token '" + TiktokenFile.clip(e.getKey())
                        + "' is not byte-level spelled");
            } else {
                idOf.put(e.getKey(), id);
            }
            max = Math.max(max, id);
        }
        byte[][] bytes = new byte[max + 1][];
        for (var e : idOf.entrySet()) {
            if (bytes[e.getValue()] != null) {
                throw TokenizerException.in(encoderJson.toString(), "id " + e.getValue() + " is used twice");
            }
            bytes[e.getValue()] = ByteLevel.decode(e.getKey());
        }

        String text = VocabText.read(vocabBpe);
        String[] lines = text.split("\n", -1);
        java.util.List<int[]> listed = new java.util.ArrayList<>(lines.length);
        boolean rankOrdered = true;
        int rank = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            int sp = line.indexOf(' ');
            if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
                throw TokenizerException.at(vocabBpe.toString(), i + 1, "expected a merge 'left right', got '"
                        + TiktokenFile.clip(line) + "'");
            }
            String a = line.substring(0, sp), b = line.substring(sp + 1);
            Integer l = idOf.get(a), r = idOf.get(b), m = idOf.get(a + b);
            if (l == null || r == null || m == null) {
                String missing = l == null ? a : r == null ? b : a + b;
                throw TokenizerException.at(vocabBpe.toString(), i + 1, "merge '" + line + "' uses token '" + missing
                        + "' that " + encoderJson.getFileName() + " does not have");
            }
            listed.add(new int[] {l, r});
            if (m != 256 + rank) rankOrdered = false;
            rank++;
        }
        int[][] mergeList = listed.toArray(new int[0][]);
        if (rankOrdered) return TiktokenFile.fromRanks("gpt2", bytes, mergeList, pattern, specials);
        return BpeTokenizer.fromMerges("gpt2", bytes, mergeList, false, pattern, PreTokenizers.forPattern(pattern), null,
                specials);
    }
}
