package cortado.serve.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conversation log written, reopened, read back and exported: what the loop's data files hold, and bad lines. */
class FeedbackRecordsTest {
    @TempDir Path dir;

    private static final List<Map<String, String>> HI = List.of(Map.of("role", "user", "content", "hi"));

    private void logSome() throws Exception {
        try (ConversationLog log = ConversationLog.open(dir)) {
            log.conversation("a", 86_400, "m1", "chat", HI, "<user>hi<bot>", List.of("hello", "go away"),
                    List.of("stop", "length"));
            log.conversation("b", 86_400 * 2, "m1", "completion", "2+2=", "2+2=", List.of("5"), List.of("stop"));
            log.rate(new ConversationLog.Rating("a", 0, "good", null), 1);
            log.rate(new ConversationLog.Rating("a", 1, "good", null), 2);
            log.rate(new ConversationLog.Rating("a", 1, "bad", null), 3); // the client changed its mind: latest counts
            log.rate(new ConversationLog.Rating("b", 0, "bad", "4"), 4);
        }
    }

    @Test
    void exportPairsPreferredAndGoodOverBadAndWritesSftLayouts() throws Exception {
        logSome();
        FeedbackRecords r = FeedbackRecords.load(dir);
        assertThat(r.conversations()).hasSize(2);
        assertThat(r.rating(r.conversations().get(0), 1).rating()).isEqualTo("bad");
        assertThat(FeedbackExport.dpoRows(r)).containsExactlyInAnyOrder(
                Map.of("prompt", "2+2=", "chosen", "4", "rejected", "5"),
                Map.of("prompt", "<user>hi<bot>", "chosen", "hello", "rejected", "go away"));
        List<Map<String, Object>> sft = FeedbackExport.sftRows(r);
        assertThat(sft).hasSize(2);
        assertThat(sft.get(0)).isEqualTo(Map.of("messages", List.of(Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "hello"))));
        assertThat(sft.get(1)).isEqualTo(Map.of("prompt", "2+2=", "completion", "4"));
        Path out = dir.resolve("out/dpo.jsonl");
        FeedbackExport.write(FeedbackExport.dpoRows(r), out);
        assertThat(Files.readAllLines(out)).hasSize(2);
        try (var files = Files.list(out.getParent())) {
            assertThat(files.toList()).containsExactly(out); // the temporary file was renamed, not left behind
        }
    }

    @Test
    void reportCountsPerModelAndDay() throws Exception {
        logSome();
        List<FeedbackReport.Row> rows = FeedbackReport.rows(FeedbackRecords.load(dir));
        assertThat(rows).containsExactly(new FeedbackReport.Row("m1", "1970-01-02", 2, 2, 1, 1),
                new FeedbackReport.Row("m1", "1970-01-03", 1, 1, 0, 1), new FeedbackReport.Row("m1", "all", 3, 3, 1, 2));
        assertThat(FeedbackReport.table(rows)).contains("33.3%").contains("66.7%");
    }

    @Test
    void reopenedLogRatesEarlierIdsAndRefusesBadRatingsByField() throws Exception {
        logSome();
        try (ConversationLog log = ConversationLog.open(dir)) {
            log.rate(new ConversationLog.Rating("b", 0, "good", null), 5);
            assertThatThrownBy(() -> log.rate(new ConversationLog.Rating("zzz", 0, "good", null), 6))
                    .isInstanceOfSatisfying(ConversationLog.BadRating.class, e -> assertThat(e.field()).isEqualTo("id"));
            assertThatThrownBy(() -> log.rate(new ConversationLog.Rating("a", 2, "good", null), 6))
                    .isInstanceOfSatisfying(ConversationLog.BadRating.class, e -> assertThat(e.field()).isEqualTo("choice"));
            assertThatThrownBy(() -> log.rate(new ConversationLog.Rating("a", 0, "5 stars", null), 6))
                    .isInstanceOfSatisfying(ConversationLog.BadRating.class, e -> assertThat(e.field()).isEqualTo("rating"));
        }
        FeedbackRecords r = FeedbackRecords.load(dir);
        assertThat(r.rating(r.conversations().get(1), 0).rating()).isEqualTo("good");
        assertThat(Files.readAllLines(dir.resolve(ConversationLog.FEEDBACK))).hasSize(5);
    }

    @Test
    void aLastLineCutByACrashIsSkippedAndAnyOtherBadLineNamesFileLineAndField() throws Exception {
        logSome();
        Path conv = dir.resolve(ConversationLog.CONVERSATIONS);
        Files.writeString(conv, "{\"id\": \"c\", \"crea", StandardOpenOption.APPEND);
        assertThat(FeedbackRecords.load(dir).conversations()).hasSize(2);
        Files.writeString(conv, "\n", StandardOpenOption.APPEND);
        assertThatThrownBy(() -> FeedbackRecords.load(dir)).hasMessageContaining(conv + ":3: not a JSON object");
        List<String> lines = Files.readAllLines(conv);
        Files.write(conv, List.of(lines.get(0), lines.get(1).replace("\"kind\":\"completion\"", "\"kind\":\"poem\"")));
        assertThatThrownBy(() -> FeedbackRecords.load(dir)).hasMessage(conv + ":2: field \"kind\" must be \"chat\" or \"completion\"");
        Files.write(conv, List.of(lines.get(0)));
        assertThatThrownBy(() -> FeedbackRecords.load(dir)).hasMessageContaining(ConversationLog.FEEDBACK + ":4: field \"id\"");
        assertThatThrownBy(() -> FeedbackRecords.load(dir.resolve("nowhere"))).hasMessageContaining("no conversations.jsonl");
    }
}
