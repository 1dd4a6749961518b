package cortado.data.tokenizer;

import cortado.data.json.Json;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 2: tokenizer.json files of every style, built and trained by HF tokenizers 0.23
 * (tools/tokenizers/hf_pipeline_goldens.py), encode and decode here exactly as HF does on the mixed-script corpus
 * tokenizer/hf/corpus.jsonl: ids with added tokens matched, ids with special tokens as text, ids with the
 * post-processor's specials, pairs with type ids, decode with and without special tokens, and streamed decoding.
 * Tolerance: none. Ids and strings are compared for equality on 100% of lines.
 */
class HfPipelineParityTest {
    @TempDir
    static Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_t5", "llama3", "llama2", "mistral", "qwen2", "bert_uncased", "bert_cased", "roberta",
            "unigram", "charbpe", "charbpe_fused", "wordpiece_misc"})
    void encodesAndDecodesAsHf(String name) {
        HfTokenizer tok = load(name);
        List<String> texts = new ArrayList<>();
        for (Map<String, Object> r : Resources.jsonLines("hf/corpus.jsonl")) texts.add((String) r.get("text"));
        List<Map<String, Object>> rows = gzLines("hf/" + name + ".golden.jsonl.gz");
        assertThat(rows).hasSize(texts.size());
        int bad = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            Map<String, Object> row = rows.get(i);
            List<String> diffs = diffs(tok, t, texts.get((i + 1) % texts.size()), row);
            if (!diffs.isEmpty() && bad++ < 6) report.append("\nline ").append(i).append(' ').append(Json.write(t)).append(diffs.get(0));
        }
        assertThat(bad).as(name + ": " + bad + " of " + texts.size() + " lines differ" + report).isZero();
    }

    static List<String> diffs(HfTokenizer tok, String t, String next, Map<String, Object> row) {
        List<String> d = new ArrayList<>();
        int[] ids = tok.encode(t), want = Resources.ids(row.get("ids"));
        if (!Arrays.equals(ids, want)) d.add("\n  ids  " + Arrays.toString(ids) + "\n  want " + Arrays.toString(want));
        int[] ord = tok.encodeOrdinary(t), wantOrd = Resources.ids(row.getOrDefault("ordinary", row.get("ids")));
        if (!Arrays.equals(ord, wantOrd)) d.add("\n  ordinary " + Arrays.toString(ord) + "\n  want     " + Arrays.toString(wantOrd));
        int[] model = tok.encodeForModel(t), wantModel = Resources.ids(row.get("model"));
        if (!Arrays.equals(model, wantModel)) d.add("\n  model " + Arrays.toString(model) + "\n  want  " + Arrays.toString(wantModel));
        String dec = tok.decode(wantModel, false);
        if (!dec.equals(row.get("decoded"))) d.add("\n  decoded " + Json.write(dec) + "\n  want    " + Json.write(row.get("decoded")));
        String skip = tok.decode(wantModel, true);
        if (!skip.equals(row.get("decoded_skip"))) d.add("\n  skip " + Json.write(skip) + "\n  want " + Json.write(row.get("decoded_skip")));
        StreamingDecoder sd = new StreamingDecoder(tok, false);
        StringBuilder streamed = new StringBuilder();
        for (int id : wantModel) streamed.append(sd.step(id));
        // HF's DecodeStream never emits a trailing unfinished sequence; finish() does, so the whole equals decode().
        if (!streamed.toString().equals(row.get("stream"))) d.add("\n  stream " + Json.write(streamed.toString()) + "\n  want   " + Json.write(row.get("stream")));
        String whole = streamed.append(sd.finish()).toString();
        if (!whole.equals(row.get("decoded"))) d.add("\n  stream+finish " + Json.write(whole) + "\n  decode        " + Json.write(row.get("decoded")));
        if (row.get("pair") instanceof Map<?, ?> pair) {
            Encoding e = tok.encode(t, next, true);
            if (!Arrays.equals(e.ids(), Resources.ids(pair.get("ids"))) || !Arrays.equals(e.typeIds(), Resources.ids(pair.get("type_ids")))) {
                d.add("\n  pair " + Arrays.toString(e.ids()) + Arrays.toString(e.typeIds()) + "\n  want " + pair.get("ids") + pair.get("type_ids"));
            }
        }
        return d;
    }

    /** The tokenizer.json; GPT-2's is assembled from its committed pipeline and the encoder.json/vocab.bpe HF read. */
    static HfTokenizer load(String name) {
        if (!name.equals("gpt2_t5")) return HfTokenizerJson.load(Resources.path("hf/" + name + ".json.gz"));
        Path f = tmp.resolve("gpt2_t5.tokenizer.json");
        if (!Files.exists(f)) {
            try {
                Map<String, Object> root = Json.parseObject(Files.readString(Resources.path("hf/gpt2_t5.skeleton.json")));
                @SuppressWarnings("unchecked") Map<String, Object> model = (Map<String, Object>) root.get("model");
                model.put("vocab", Json.parseObject(gunzip(Resources.path("gpt2/encoder.json.gz"))));
                List<Object> merges = new ArrayList<>();
                for (String line : gunzip(Resources.path("gpt2/vocab.bpe.gz")).split("\n")) {
                    if (line.isEmpty() || line.startsWith("#version")) continue;
                    String[] ab = line.split(" ");
                    merges.add(List.of(ab[0], ab[1]));
                }
                model.put("merges", merges);
                Files.writeString(f, Json.write(root));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return HfTokenizerJson.load(f);
    }

    static String gunzip(Path p) throws IOException {
        try (var in = new GZIPInputStream(Files.newInputStream(p))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<Map<String, Object>> gzLines(String rel) {
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : gunzip(Resources.path(rel)).split("\n")) if (!line.isEmpty()) rows.add(Json.parseObject(line));
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
