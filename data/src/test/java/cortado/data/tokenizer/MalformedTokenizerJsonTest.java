package cortado.data.tokenizer;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Malformed tokenizer.json files: seeded random mutations of real files (a field removed, a value replaced by one of
 * another type, a list emptied, a string changed) either load or fail with one TokenizerException naming the file;
 * nothing else escapes (no ClassCastException, NullPointerException, stack overflow or out-of-memory), and a file
 * that loads encodes and decodes a sample without an unexpected exception. A cheap stand-in for the Jazzer run.
 */
class MalformedTokenizerJsonTest {
    static final Object[] ODD = {null, "", "x", -1L, 3L, 1L << 40, 0.5, true, List.of(), List.of(1L, "a"), Map.of(),
            Map.of("type", "Sequence"), Map.of("Regex", "("), Map.of("String", "")};

    @Test
    void mutatedFilesLoadOrFailWithOneClearError(@TempDir Path dir) throws Exception {
        Random rng = new Random(7);
        int loaded = 0, refused = 0;
        for (String name : new String[] {"wordpiece_misc", "unigram", "roberta", "charbpe", "llama2"}) {
            String text = HfPipelineParityTest.gunzip(Resources.path("hf/" + name + ".json.gz"));
            for (int i = 0; i < 40; i++) {
                Map<String, Object> root = Json.parseObject(text);
                for (int k = 0, n = 1 + rng.nextInt(3); k < n; k++) mutate(root, rng);
                Path f = dir.resolve(name + "_" + i + ".json");
                Files.writeString(f, Json.write(root));
                try {
                    HfTokenizer t = HfTokenizerJson.load(f);
                    loaded++;
                    int[] ids = t.encodeForModel("Hello wörld <s> [MASK] 123 \uD83D\uDE00 \u4e2d");
                    t.decode(ids, false);
                    t.decode(ids, true);
                } catch (TokenizerException e) {
                    refused++;
                    assertThat(e.getMessage()).startsWith(f.toString()).doesNotContain("\n");
                } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                    fail(name + " mutation " + i + ": " + e + "\n" + Json.write(root).substring(0, 400));
                }
            }
        }
        assertThat(loaded).isPositive();
        assertThat(refused).isPositive();
    }

    /** Replaces, removes or empties one value somewhere in the non-vocabulary part of the file. */
    @SuppressWarnings("unchecked")
    static void mutate(Map<String, Object> root, Random rng) {
        List<Object[]> slots = new ArrayList<>();  // {container, key or index}
        collect(root, slots, 0);
        if (slots.isEmpty()) return;
        Object[] s = slots.get(rng.nextInt(slots.size()));
        Object odd = ODD[rng.nextInt(ODD.length)];
        if (odd instanceof List<?> l) odd = new ArrayList<>(l);
        if (odd instanceof Map<?, ?> m) odd = new LinkedHashMap<>(m);
        if (s[0] instanceof Map<?, ?> m) {
            Map<String, Object> mm = (Map<String, Object>) m;
            if (rng.nextInt(4) == 0) mm.remove((String) s[1]); else mm.put((String) s[1], odd);
        } else {
            List<Object> l = (List<Object>) s[0];
            int i = (Integer) s[1];
            if (rng.nextInt(4) == 0) l.remove(i); else l.set(i, odd);
        }
    }

    private static void collect(Object node, List<Object[]> out, int depth) {
        if (node instanceof Map<?, ?> m) {
            for (var e : new LinkedHashMap<>(m).entrySet()) {
                String k = (String) e.getKey();
                // Vocabulary entries are many and alike; mutate a few of them, and everything else.
                if ((k.equals("vocab") || k.equals("merges")) && e.getValue() instanceof Map<?, ?> v) {
                    out.add(new Object[] {m, k});
                    int n = 0;
                    for (Object key : v.keySet()) { if (n++ > 3) break; out.add(new Object[] {v, key}); }
                    continue;
                }
                if ((k.equals("vocab") || k.equals("merges")) && e.getValue() instanceof List<?> l) {
                    out.add(new Object[] {m, k});
                    for (int i = 0; i < Math.min(4, l.size()); i++) out.add(new Object[] {l, i});
                    continue;
                }
                out.add(new Object[] {m, k});
                collect(e.getValue(), out, depth + 1);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                out.add(new Object[] {l, i});
                collect(l.get(i), out, depth + 1);
            }
        }
    }
}
