package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import cortado.serve.feedback.FeedbackRecords;
import cortado.serve.feedback.FeedbackReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's loop inside one tool, end to end: serve a model with {@code --log-dir}, chat, rate the answers through
 * {@code POST /v1/feedback} (a scripted rater: an answer is good when it starts with "yes"; each bad one gets the
 * preferred answer "yes"), {@code feedback export} the ratings to DPO pairs, one {@code dpo} run on them, serve the
 * result under a new name into the same log, chat and rate again, and {@code feedback report} shows the share rated
 * good rising from the first model to the second.
 */
class FeedbackLoopTest {
    @TempDir Path tmp;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> QUESTIONS = List.of("Is the sea wet?", "Do birds fly?", "Is ice cold?",
            "Can fish swim?", "Is fire hot?", "Do dogs bark?", "Is snow white?", "Do trees grow?");

    private static Path tinyChat() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("serve/src/test/resources/serve/tiny-chat");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("serve/src/test/resources/serve/tiny-chat not found");
    }

    private static boolean good(String answer) { return answer.strip().startsWith("yes"); }

    @Test
    void serveRateExportDpoAndServeAgainRaisesTheShareRatedGood() throws Exception {
        Path base = tinyChat(), logDir = tmp.resolve("log");
        OpenAiServer.Options options = new OpenAiServer.Options("127.0.0.1", 0, null, 4, 16, 1 << 20, 5, 0)
                .withLogDir(logDir);
        int goodBefore = chatAndRate(ServedModel.of("tiny-chat", HfCheckpoint.load(base), Tokenizers.open(base), base),
                options, true);

        Path sft = tmp.resolve("sft.jsonl"), dpo = tmp.resolve("dpo.jsonl");
        CliRun.Result export = CliRun.run("feedback", "export", logDir.toString(), "--sft", sft.toString(), "--dpo",
                dpo.toString());
        assertThat(export.code()).as(export.err()).isZero();
        int bad = QUESTIONS.size() - goodBefore;
        assertThat(Files.readAllLines(dpo)).hasSize(bad);
        assertThat(Files.readAllLines(sft)).hasSize(QUESTIONS.size()); // good answers, plus each preferred one
        Map<String, Object> pair = Json.parseObject(Files.readAllLines(dpo).get(0));
        assertThat((String) pair.get("prompt")).contains(QUESTIONS.get(0)).contains("<|im_start|>assistant");
        assertThat(pair.get("chosen")).isEqualTo("yes");

        Path run = tmp.resolve("dpo-run");
        CliRun.Result trained = CliRun.run("dpo", "--model", base.toString(), "--data", dpo.toString(), "--out",
                run.toString(), "--method", "full", "--steps", "80", "--batch", "4", "--lr", "3e-3", "--threads", "1");
        assertThat(trained.code()).as(trained.err()).isZero();
        Path tuned = run.resolve("checkpoint");
        int goodAfter = chatAndRate(ServedModel.of("tiny-chat-dpo", HfCheckpoint.load(tuned), Tokenizers.open(base),
                base), options, false);

        CliRun.Result report = CliRun.run("feedback", "report", logDir.toString());
        assertThat(report.code()).as(report.err()).isZero();
        System.out.print(report.out());
        assertThat(report.out()).contains("tiny-chat ").contains("tiny-chat-dpo");
        List<FeedbackReport.Row> rows = FeedbackReport.rows(FeedbackRecords.load(logDir));
        FeedbackReport.Row before = total(rows, "tiny-chat"), after = total(rows, "tiny-chat-dpo");
        assertThat(before.rated()).isEqualTo(QUESTIONS.size());
        assertThat(after.rated()).isEqualTo(QUESTIONS.size());
        assertThat(before.good()).isEqualTo(goodBefore);
        assertThat(after.good()).isEqualTo(goodAfter);
        // Measured: 0/8 good before, 4/8 after (80 full-parameter steps; the byte-level tiny model learns "y" first).
        assertThat(after.goodShare()).as("share rated good after DPO on the exported pairs")
                .isGreaterThanOrEqualTo(before.goodShare() + 0.25);
    }

    private static FeedbackReport.Row total(List<FeedbackReport.Row> rows, String model) {
        return rows.stream().filter(r -> r.model().equals(model) && r.day().equals("all")).findFirst().orElseThrow();
    }

    /** Asks every question greedily, rates each answer; returns how many were good. */
    @SuppressWarnings("unchecked")
    private static int chatAndRate(ServedModel served, OpenAiServer.Options options, boolean withPreferred)
            throws Exception {
        int good = 0;
        try (OpenAiServer server = OpenAiServer.start(served, options)) {
            String base = "http://127.0.0.1:" + server.port();
            List<String> ids = new ArrayList<>();
            for (String q : QUESTIONS) {
                Map<String, Object> reply = post(base + "/v1/chat/completions", Map.of("model", served.name(),
                        "messages", List.of(Map.of("role", "user", "content", q)), "temperature", 0, "max_tokens", 6), 200);
                ids.add((String) reply.get("id"));
                String answer = (String) ((Map<String, Object>) ((Map<String, Object>) ((List<Object>) reply
                        .get("choices")).get(0)).get("message")).get("content");
                boolean ok = good(answer);
                if (ok) good++;
                Map<String, Object> rating = new java.util.LinkedHashMap<>(Map.of("id", reply.get("id"), "rating",
                        ok ? "good" : "bad"));
                if (!ok && withPreferred) rating.put("preferred", "yes");
                post(base + "/v1/feedback", rating, 200);
            }
            // Faults: an unknown id is 404, a rating other than good/bad is 400; neither is logged or counted.
            post(base + "/v1/feedback", Map.of("id", "chatcmpl-nope", "rating", "good"), 404);
            post(base + "/v1/feedback", Map.of("id", ids.get(0), "rating", "meh"), 400);
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("cortado:feedback_ratings_total{model_name=\"" + served.name()
                    + "\",rating=\"good\"} " + (double) good);
            assertThat(metrics).contains("cortado:feedback_ratings_total{model_name=\"" + served.name()
                    + "\",rating=\"bad\"} " + (double) (QUESTIONS.size() - good));
        }
        return good;
    }

    private static Map<String, Object> post(String url, Map<String, Object> body, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(status);
        return Json.parseObject(r.body());
    }
}
