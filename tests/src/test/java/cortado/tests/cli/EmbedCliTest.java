package cortado.tests.cli;

import static cortado.tests.cli.CliErrorsTest.assertOneErrorLine;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado embed} on the sentence-transformers golden directory: one JSON vector per input line, equal to
 * sentence-transformers 6.0's {@code encode} within 1e-5 (the tolerance of SentenceTransformerParityTest, whose reasons
 * hold here: the same model, pooled and normalized), written atomically; and its errors.
 */
class EmbedCliTest {
    @TempDir Path tmp;

    private static Path golden(String name) throws Exception {
        return Path.of(EmbedCliTest.class.getResource("/golden/" + name).toURI());
    }

    @SuppressWarnings("unchecked")
    @Test
    void writesOneVectorPerLineMatchingSentenceTransformers() throws Exception {
        Map<String, Object> g = Json.parseObject(Files.readString(golden("st_golden.json")));
        List<String> sentences = (List<String>) g.get("sentences");
        List<List<Number>> expected = (List<List<Number>>) g.get("st_mean");
        Path in = tmp.resolve("in.txt"), out = tmp.resolve("out.jsonl");
        Files.write(in, sentences);
        CliRunner.Result r = CliRunner.run("embed", "--model", golden("st_mean").toString(), "--input", in.toString(),
                "--out", out.toString(), "--batch", "3");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(sentences.size());
        for (int i = 0; i < lines.size(); i++) {
            List<Number> v = (List<Number>) Json.parse(lines.get(i));
            assertThat(v).hasSize(expected.get(i).size());
            for (int j = 0; j < v.size(); j++)
                assertThat(v.get(j).doubleValue()).as("line " + i + " entry " + j)
                        .isCloseTo(expected.get(i).get(j).doubleValue(), org.assertj.core.data.Offset.offset(1e-5));
        }
        try (var files = Files.list(tmp)) {   // nothing but the input and the output: the temporary file was renamed
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("in.txt", "out.jsonl");
        }
        // stdout when there is no --out
        CliRunner.Result s = CliRunner.run("embed", "--model", golden("st_mean").toString(), "--input", in.toString());
        assertThat(s.code()).isZero();
        assertThat(s.out().lines().toList()).isEqualTo(lines);
    }

    /** st_prompt's default prompt applies unless --prompt or --prompt-name replaces it; an unknown name is an error. */
    @SuppressWarnings("unchecked")
    @Test
    void promptsComeFromTheDirectoryOrTheCommandLine() throws Exception {
        Map<String, Object> g = Json.parseObject(Files.readString(golden("st_golden.json")));
        List<String> sentences = (List<String>) g.get("sentences");
        List<List<Number>> expected = (List<List<Number>>) g.get("st_prompt");
        Path in = tmp.resolve("in.txt");
        Files.write(in, sentences);
        String model = golden("st_prompt").toString();
        CliRunner.Result byDefault = CliRunner.run("embed", "--model", model, "--input", in.toString(), "--batch", "4");
        assertThat(byDefault.code()).as(byDefault.err()).isZero();
        List<String> lines = byDefault.out().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            List<Number> v = (List<Number>) Json.parse(lines.get(i));
            for (int j = 0; j < v.size(); j++)
                assertThat(v.get(j).doubleValue()).as("line " + i + " entry " + j)
                        .isCloseTo(expected.get(i).get(j).doubleValue(), org.assertj.core.data.Offset.offset(1e-5));
        }
        CliRunner.Result named = CliRunner.run("embed", "--model", model, "--input", in.toString(), "--prompt-name", "query");
        assertThat(named.out()).isEqualTo(byDefault.out());
        CliRunner.Result none = CliRunner.run("embed", "--model", model, "--input", in.toString(), "--prompt", "");
        CliRunner.Result document = CliRunner.run("embed", "--model", model, "--input", in.toString(), "--prompt-name", "document");
        assertThat(none.code()).isZero();
        assertThat(document.out()).isEqualTo(none.out()).isNotEqualTo(byDefault.out());
        assertOneErrorLine(CliRunner.run("embed", "--model", model, "--input", in.toString(), "--prompt-name", "passage"),
                2, "prompt name passage", "document, query");
    }

    @Test
    void clearErrors() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "hello\n");
        assertOneErrorLine(CliRunner.run("embed", "--model", tmp.resolve("nope").toString(), "--input", in.toString()),
                1, "nope", "no such model directory");
        assertOneErrorLine(CliRunner.run("embed", "--model", golden("bert").toString(), "--input", in.toString()),
                1, "not an embedding model", "modules.json");
        assertOneErrorLine(CliRunner.run("embed", "--input", in.toString()), 2, "--model");
        Files.write(in, new byte[] {'o', 'k', '\n', (byte) 0xC3, '\n'});
        Path out = tmp.resolve("out.jsonl");
        assertOneErrorLine(CliRunner.run("embed", "--model", golden("st_mean").toString(), "--input", in.toString(),
                "--out", out.toString()), 1, "line 2", "UTF-8");
        assertThat(out).doesNotExist();
    }
}
