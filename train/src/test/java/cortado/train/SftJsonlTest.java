package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SFT layouts are recognized and converted, and a bad row is one error naming the file, the line and the field. */
class SftJsonlTest {
    @TempDir
    Path tmp;

    private Path file(String... lines) throws IOException {
        Path f = tmp.resolve("data.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void layoutsAreReadAndConverted() throws IOException {
        SftJsonl.Data alpaca = SftJsonl.load(file("{\"instruction\": \"Add.\", \"input\": \"1 and 2\", \"output\": \"3\"}",
                "", "{\"instruction\": \"Greet.\", \"output\": \"Hi\"}"));
        assertThat(alpaca.layout()).isEqualTo(SftJsonl.Layout.ALPACA);
        assertThat(alpaca.lines()).containsExactly(1, 3);
        SftRecord.Text t = (SftRecord.Text) alpaca.records().get(0);
        assertThat(t.prompt()).endsWith("### Instruction:\nAdd.\n\n### Input:\n1 and 2\n\n### Response:\n");
        assertThat(t.completion()).isEqualTo("3");
        assertThat(((SftRecord.Text) alpaca.records().get(1)).prompt()).doesNotContain("### Input");

        SftJsonl.Data share = SftJsonl.load(file("{\"conversations\": [{\"from\": \"system\", \"value\": \"S\"},"
                + " {\"from\": \"human\", \"value\": \"Q\"}, {\"from\": \"gpt\", \"value\": \"A\"}]}"));
        assertThat(((SftRecord.Chat) share.records().get(0)).messages()).containsExactly(
                Map.of("role", "system", "content", "S"), Map.of("role", "user", "content", "Q"),
                Map.of("role", "assistant", "content", "A"));

        assertThat(SftJsonl.load(file("{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
                + " \"completion\": [{\"role\": \"assistant\", \"content\": \"A\"}]}")).layout())
                .isEqualTo(SftJsonl.Layout.CONVERSATIONAL_PROMPT_COMPLETION);
        assertThat(SftJsonl.load(file("{\"prompt\": \"Q\", \"completion\": \"A\"}")).layout())
                .isEqualTo(SftJsonl.Layout.PROMPT_COMPLETION);
    }

    @Test
    void badRowsNameFileLineAndField() throws IOException {
        assertThatThrownBy(() -> SftJsonl.load(file("{\"prompt\": \"Q\", \"completion\": \"A\"}", "{\"prompt\": \"Q\"}")))
                .isInstanceOf(TokenDataException.class).hasMessage(tmp.resolve("data.jsonl") + ":2: field \"completion\" is missing");
        assertThatThrownBy(() -> SftJsonl.load(file("{\"prompt\": 3, \"completion\": \"A\"}")))
                .hasMessageEndingWith(":1: field \"prompt\" is not a string");
        assertThatThrownBy(() -> SftJsonl.load(file("{\"messages\": [{\"role\": \"user\"}]}")))
                .hasMessageEndingWith(":1: field \"messages\"[0] has no string \"content\"");
        assertThatThrownBy(() -> SftJsonl.load(file("{\"conversations\": [{\"from\": \"bot\", \"value\": \"x\"}]}")))
                .hasMessageEndingWith(":1: field \"conversations\"[0] \"from\": \"bot\" is not human, user, gpt, assistant or system");
        assertThatThrownBy(() -> SftJsonl.load(file("{\"text\": \"x\"}")))
                .hasMessageContaining(":1: no SFT fields");
        assertThatThrownBy(() -> SftJsonl.load(file("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
                "{\"prompt\": \"Q\", \"completion\": \"A\"}")))
                .hasMessageEndingWith(":2: a prompt/completion row, but line 1 is messages (one layout per file)");
        assertThatThrownBy(() -> SftJsonl.load(file("[1]"))).hasMessageContaining(":1: not a JSON object");
        assertThatThrownBy(() -> SftJsonl.load(file(""))).hasMessageEndingWith(": no examples (one JSON object per line)");
    }

    @Test
    void packingByBestFitDecreasing() {
        // TRL's pack_dataset docstring example: [1..5], [6,7], [8,9,10], [11] into rows of 4 -> [1,2,3,4], [8,9,10,11], [6,7]
        List<SftExample> ex = List.of(ex(1, 2, 3, 4, 5), ex(6, 7), ex(8, 9, 10), ex(11));
        List<PackedRow> rows = SftPacking.pack(ex, 4, SftPacking.Strategy.BFD);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).inputIds()).containsExactly(1, 2, 3, 4);
        assertThat(rows.get(1).inputIds()).containsExactly(8, 9, 10, 11);
        assertThat(rows.get(1).seqLengths()).containsExactly(3, 1);
        assertThat(rows.get(1).positionIds()).containsExactly(0, 1, 2, 0);
        assertThat(rows.get(2).inputIds()).containsExactly(6, 7);
        List<PackedRow> wrapped = SftPacking.pack(ex, 4, SftPacking.Strategy.WRAPPED);
        assertThat(wrapped).hasSize(3);
        assertThat(wrapped.get(1).inputIds()).containsExactly(5, 6, 7, 8);
        assertThat(wrapped.get(2).inputIds()).containsExactly(9, 10, 11);
        assertThat(wrapped.get(2).seqLengths()).isNull();
    }

    private static SftExample ex(int... ids) { return new SftExample(ids, ids); }
}
