package cortado.serve;

import cortado.serve.feedback.ConversationLog;
import java.util.Map;

/**
 * {@code POST /v1/feedback {"id", "rating", "preferred", "choice"}}: a client's rating of a logged response (its
 * {@code id} from the completion), "good" or "bad", optionally with the answer it would have preferred and the choice
 * index (default 0) when the request asked for {@code n > 1}. Appended to the conversation log and counted in
 * {@code /metrics}; an unknown id is 404, a malformed field 400.
 */
final class FeedbackEndpoint {
    private final ConversationLog log;
    private final ServeMetrics metrics;

    FeedbackEndpoint(ConversationLog log, ServeMetrics metrics) {
        this.log = log;
        this.metrics = metrics;
    }

    Map<String, Object> rate(Map<String, Object> body) {
        RequestFields f = new RequestFields(body);
        String id = f.requiredString("id");
        String rating = f.requiredString("rating");
        Object preferred = body.get("preferred");
        if (preferred != null && !(preferred instanceof String)) throw RequestFields.wrongType("preferred", "a string");
        long choice = f.integer("choice", 0);
        if (choice < 0 || choice > Integer.MAX_VALUE) throw new ApiException(400, "'choice' must be >= 0", "choice");
        try {
            log.rate(new ConversationLog.Rating(id, (int) choice, rating, (String) preferred), System.currentTimeMillis() / 1000);
        } catch (ConversationLog.BadRating e) {
            throw new ApiException(e.field().equals("id") ? 404 : 400, e.getMessage(), e.field());
        }
        metrics.rated(rating.equals("good"));
        return GenerationEndpoint.object("object", "feedback", "id", id, "choice", choice, "rating", rating);
    }
}
