package cortado.data.tokenizer;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 2 for SentencePiece checkpoints: a directory with {@code tokenizer.model} and {@code tokenizer_config.json}
 * and no {@code tokenizer.json} opens through {@link Tokenizers#open} and encodes, decodes and streams exactly as
 * the tokenizer transformers 5.18 builds from the same directory (tools/tokenizers/spm_goldens.py; the models are
 * trained there by sentencepiece 0.2.2 and the cases listed in tokenizer/spm/cases.json). Tolerance: none; ids and
 * strings are compared for equality on 100% of the mixed-script corpus lines, with and without special tokens.
 */
class SentencePieceParityTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama_bpe", "llama_bpe_legacy", "llama_bpe_eos", "generic_bpe", "generic_unigram"})
    void encodesAndDecodesAsTransformers(String name) throws IOException {
        Tokenizer opened = Tokenizers.open(checkpoint(name));
        assertThat(opened).isInstanceOf(HfTokenizer.class);
        HfTokenizer tok = (HfTokenizer) opened;
        List<String> texts = new ArrayList<>();
        for (Map<String, Object> r : Resources.jsonLines("hf/corpus.jsonl")) texts.add((String) r.get("text"));
        List<Map<String, Object>> rows = HfPipelineParityTest.gzLines("hf/spm_" + name + ".golden.jsonl.gz");
        assertThat(rows).hasSize(texts.size());
        int bad = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            List<String> d = HfPipelineParityTest.diffs(tok, texts.get(i), texts.get((i + 1) % texts.size()), rows.get(i));
            if (!d.isEmpty() && bad++ < 6) report.append("\nline ").append(i).append(' ').append(Json.write(texts.get(i))).append(d.get(0));
        }
        assertThat(bad).as(name + ": " + bad + " of " + texts.size() + " lines differ" + report).isZero();
    }

    /**
     * Without tokenizer_class, transformers 5's AutoTokenizer builds the generic tokenizer even for model_type llama
     * (checked with AutoTokenizer.from_pretrained); other model types are refused, naming config.json.
     */
    @Test
    void noTokenizerClassIsTheGenericPath() throws IOException {
        Path dir = checkpoint("generic_bpe");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        HfTokenizer tok = (HfTokenizer) Tokenizers.open(dir);
        List<Map<String, Object>> rows = HfPipelineParityTest.gzLines("hf/spm_generic_bpe.golden.jsonl.gz");
        List<Map<String, Object>> lines = Resources.jsonLines("hf/corpus.jsonl");
        for (int i = 0; i < lines.size(); i++) {
            assertThat(tok.encode((String) lines.get(i).get("text"))).as("line " + i).containsExactly(Resources.ids(rows.get(i).get("ids")));
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gemma\"}");
        assertThat(error(dir)).contains("config.json").contains("gemma");
    }

    /** transformers' generate_merges on a hand-made vocabulary: splits ordered by the piece id, then by lengths. */
    @Test
    void mergesAreGeneratedAsTransformersDoes() {
        Map<String, Integer> ids = new java.util.LinkedHashMap<>();
        for (String p : List.of("a", "b", "c", "ab", "bc", "abc", "ca", "cab")) ids.put(p, ids.size());
        List<String> merges = SentencePieceConversion.generateMerges(ids).stream().map(m -> m[0] + " " + m[1]).toList();
        // Python: generate_merges({"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5,"ca":6,"cab":7})
        assertThat(merges).containsExactly("a b", "b c", "a bc", "ab c", "c a", "c ab", "ca b");
    }

    @Test
    void t5AndUnknownClassesAreRefusedByName() throws IOException {
        Path dir = checkpoint("generic_unigram");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"T5Tokenizer\"}");
        assertThat(error(dir)).contains("tokenizer_config.json").contains("T5Tokenizer").contains("Precompiled");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"XLNetTokenizer\"}");
        assertThat(error(dir)).contains("tokenizer_config.json").contains("XLNetTokenizer");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\"}");
        assertThat(error(dir)).contains("tokenizer.model").contains("trainer_spec.model_type");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\", \"legacy\": 3}");
        Files.copy(Resources.path("spm/llama_bpe.model"), dir.resolve("tokenizer.model"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(error(dir)).contains("tokenizer_config.json").contains("legacy");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\", \"pad_token\": \"<pad>\"}");
        assertThat(error(dir)).contains("tokenizer_config.json").contains("pad_token").contains("<pad>");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\", \"clean_up_tokenization_spaces\": true}");
        assertThat(error(dir)).contains("tokenizer_config.json").contains("clean_up_tokenization_spaces");
    }

    /** An nmt_nfkc-style model (a non-empty precompiled_charsmap) on the generic path is refused, naming the field. */
    @Test
    void precompiledCharsmapIsRefused() throws IOException {
        Path dir = checkpoint("generic_unigram");
        byte[] model = Files.readAllBytes(dir.resolve("tokenizer.model"));
        // A second normalizer_spec (field 3) with name "nmt_nfkc" and a 3-byte charsmap; the last one read wins.
        byte[] extra = {0x1A, 15, 0x0A, 8, 'n', 'm', 't', '_', 'n', 'f', 'k', 'c', 0x12, 3, 1, 2, 3};
        byte[] both = java.util.Arrays.copyOf(model, model.length + extra.length);
        System.arraycopy(extra, 0, both, model.length, extra.length);
        Files.write(dir.resolve("tokenizer.model"), both);
        assertThat(error(dir)).contains("tokenizer.model").contains("normalizer_spec.precompiled_charsmap").contains("nmt_nfkc");
    }

    /** Fields the reader does not use, of every wire type, are skipped: the model encodes as without them. */
    @Test
    void unknownFieldsOfEveryWireTypeAreSkipped() throws IOException {
        Path dir = checkpoint("llama_bpe");
        int[] want = Tokenizers.open(dir).encode("Hello wörld 12 [INST] 漢字");
        byte[] model = Files.readAllBytes(dir.resolve("tokenizer.model"));
        byte[] unknown = {(byte) 0xA0, 0x06, (byte) 0x96, 0x01,              // field 100, varint 150
                (byte) 0xA9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,                       // field 101, fixed64
                (byte) 0xB2, 0x06, 3, 'x', 'y', 'z',                             // field 102, length-delimited
                (byte) 0xBD, 0x06, 1, 2, 3, 4};                                  // field 103, fixed32
        byte[] both = java.util.Arrays.copyOf(unknown, unknown.length + model.length);
        System.arraycopy(model, 0, both, unknown.length, model.length);
        Files.write(dir.resolve("tokenizer.model"), both);
        assertThat(Tokenizers.open(dir).encode("Hello wörld 12 [INST] 漢字")).containsExactly(want);
    }

    /** Every truncation and a sweep of corrupted bytes load or fail with one TokenizerException naming the file. */
    @Test
    void malformedModelsFailCleanly() throws IOException {
        byte[] model = Files.readAllBytes(Resources.path("spm/llama_bpe.model"));
        Path f = tmp.resolve("bad.model");
        int failed = 0;
        for (int n = 0; n < model.length; n += 41) {
            Files.write(f, java.util.Arrays.copyOf(model, n));
            failed += loadsOrFailsCleanly(f) ? 0 : 1;
        }
        assertThat(failed).as("truncations that fail").isPositive();
        java.util.Random r = new java.util.Random(7);
        for (int k = 0; k < 120; k++) {
            byte[] b = model.clone();
            for (int j = 0; j < 1 + r.nextInt(4); j++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            Files.write(f, b);
            loadsOrFailsCleanly(f);
        }
        // A piece whose length varint claims 2^62 bytes: refused before anything is allocated.
        Files.write(f, new byte[] {0x0A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, 0x40});
        assertThat(error(f)).contains("bad.model").contains("runs past the end");
        Files.write(f, new byte[] {0x0A, 0x05, 0x0A, 0x03, 'a'});
        assertThat(error(f)).contains("bad.model").contains("pieces[0]");
        Files.writeString(f, "IQ== 0\nIg== 1\n");
        assertThat(error(f)).contains("bad.model").contains("tiktoken");
        Files.write(f, new byte[0]);
        assertThat(error(f)).contains("bad.model").contains("no pieces");
    }

    private static boolean loadsOrFailsCleanly(Path f) {
        try {
            Tokenizers.open(f).encode("Hello wörld 12");
            return true;
        } catch (TokenizerException e) {
            assertThat(e.getMessage()).startsWith(f.toString());
            return false;
        }
    }

    private static String error(Path p) {
        try {
            Tokenizers.open(p);
        } catch (TokenizerException e) {
            return e.getMessage();
        }
        throw new AssertionError(p + " loaded");
    }

    /** The directory transformers read for this case: tokenizer.model and tokenizer_config.json, no tokenizer.json. */
    private Path checkpoint(String name) throws IOException {
        Map<String, Object> cases = Json.parseObject(Files.readString(Resources.path("spm/cases.json")));
        List<?> c = (List<?>) cases.get(name);
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(Resources.path("spm/" + c.get(0) + ".model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(c.get(1)));
        return dir;
    }
}
