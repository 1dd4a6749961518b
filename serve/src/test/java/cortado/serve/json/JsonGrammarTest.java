package cortado.serve.json;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.BpeTokenizer;
import cortado.data.tokenizer.GptEncoderFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token masks on GPT-2's real vocabulary (50257 tokens; data's test copy of encoder.json and vocab.bpe): the trie
 * walk allows exactly the tokens whose bytes, fed one by one, keep the automaton alive (checked token by token at
 * every step of sampled documents), and random sequences drawn from the masks always end as documents of the
 * schema. Also prints the masking cost per token (mask and advance, not the logits' making).
 */
class JsonGrammarTest {
    static final String SCHEMA = """
            {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
              "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}}, "score": {"type": ["number", "null"]}},
             "required": ["name", "age", "tags", "score"], "additionalProperties": false}""";
    static final int EOS = 50256;

    static byte[][] bytes;
    static TokenTrie trie;

    @BeforeAll
    static void gpt2(@TempDir Path dir) throws IOException {
        Path src = Path.of("..", "data", "src", "test", "resources", "tokenizer", "gpt2");
        for (String f : List.of("encoder.json", "vocab.bpe"))
            try (InputStream in = new GZIPInputStream(Files.newInputStream(src.resolve(f + ".gz")))) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        BpeTokenizer gpt2 = GptEncoderFiles.load(dir);
        bytes = TokenBytes.of(gpt2);
        trie = new TokenTrie(bytes);
    }

    private static JsonGrammar grammar(SchemaNode node) { return new JsonGrammar(node, trie, bytes, java.util.Set.of(EOS)); }

    @Test
    void theVocabularyIsGpt2sAndItsTrieSharesPrefixes() {
        assertThat(bytes.length).isEqualTo(50257);
        assertThat(new String(bytes[198], StandardCharsets.UTF_8)).isEqualTo("\n");
        assertThat(trie.nodes()).isLessThan(Arrays.stream(bytes).filter(b -> b != null).mapToInt(b -> b.length).sum());
    }

    @Test
    void masksAreExactlyTheTokensThatKeepTheDocumentAlive() {
        for (SchemaNode schema : List.of(JsonSchemaCompiler.compile(Json.parse(SCHEMA), "s"), JsonSchemaCompiler.anyObject())) {
            JsonGrammar g = grammar(schema);
            JsonAutomaton a = g.automaton();
            SplittableRandom rng = new SplittableRandom(7);
            JsonConstraint c = g.start();
            JsonAutomaton.State s = a.start();
            for (int step = 0; step < 25; step++) {
                long[] mask = g.allowed(s);
                int allowedCount = 0;
                for (int id = 0; id < bytes.length; id++) {
                    boolean want = id == EOS ? a.complete(s) : bytes[id] != null && !a.feed(s, bytes[id]).dead();
                    boolean got = (mask[id >>> 6] & (1L << id)) != 0;
                    if (want != got) throw new AssertionError("step " + step + " token " + id + ": mask " + got + ", automaton " + want);
                    if (got) allowedCount++;
                }
                assertThat(allowedCount).isPositive();
                int next = drawAllowed(mask, rng);
                if (next == EOS) break;
                c.accept(next);
                s = a.feed(s, bytes[next]);
            }
        }
    }

    @Test
    void sampledDocumentsAlwaysParseAndTheMaskCostIsReported() {
        JsonGrammar g = grammar(JsonSchemaCompiler.compile(Json.parse(SCHEMA), "s"));
        List<Double> perToken = new ArrayList<>();
        for (int seed = 0; seed < 6; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            JsonConstraint c = g.start();
            StringBuilder text = new StringBuilder();
            byte[] all = new byte[0];
            float[] logits = new float[bytes.length];
            long masking = 0;
            int tokens = 0;
            while (true) {
                for (int i = 0; i < logits.length; i++) logits[i] = (float) rng.nextGaussian();
                long t0 = System.nanoTime();
                c.mask(logits);
                masking += System.nanoTime() - t0;
                int next = argmax(logits);
                tokens++;
                if (next == EOS) break;
                t0 = System.nanoTime();
                c.accept(next);
                masking += System.nanoTime() - t0;
                all = concat(all, bytes[next]);
                if (tokens > 3000) throw new AssertionError("no end after 3000 tokens: " + new String(all, StandardCharsets.UTF_8));
            }
            perToken.add(masking / 1e6 / tokens);
            text.append(new String(all, StandardCharsets.UTF_8));
            Object doc = Json.parse(text.toString());
            assertThat(doc).isInstanceOf(java.util.Map.class);
            assertThat(new java.util.TreeSet<Object>(((java.util.Map<?, ?>) doc).keySet())).containsExactly("age", "name", "score", "tags");
        }
        perToken.sort(null);
        // one uncached walk: inside a string nearly every token is allowed, so the walk visits nearly the whole trie
        SchemaNode schema = JsonSchemaCompiler.compile(Json.parse(SCHEMA), "s");
        List<Double> cold = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            JsonGrammar fresh = grammar(schema);
            JsonAutomaton.State inString = fresh.automaton().feed(fresh.automaton().start(),
                    "{\"name\": \"".getBytes(StandardCharsets.UTF_8));
            long t0 = System.nanoTime();
            fresh.allowed(inString);
            cold.add((System.nanoTime() - t0) / 1e6);
        }
        cold.sort(null);
        System.out.printf("JSON-schema mask on GPT-2's vocabulary (%d trie nodes): median %.2f ms/token over 6 sampled "
                        + "documents (per document: %s); one uncached walk inside a string: median %.2f ms of %s%n",
                trie.nodes(), perToken.get(perToken.size() / 2), perToken, cold.get(cold.size() / 2), cold);
    }

    private static int drawAllowed(long[] mask, SplittableRandom rng) {
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < bytes.length; id++) if ((mask[id >>> 6] & (1L << id)) != 0) ids.add(id);
        return ids.get(rng.nextInt(ids.size()));
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
