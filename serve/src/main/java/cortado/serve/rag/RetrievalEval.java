package cortado.serve.rag;

import cortado.data.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Recall@k of a retriever on questions whose answers are known: a question counts as found when one of the k chunks
 * retrieved for it comes from the question's source file and contains its answer phrase.
 */
public final class RetrievalEval {
    /** A question, the file that answers it, and a phrase of the answering passage (exactly as the file has it). */
    public record Question(String question, String source, String answer) {}

    private RetrievalEval() {}

    /** {@code {"questions": [{"q", "source", "answer"}, ...]}}. */
    public static List<Question> load(Path file) throws IOException {
        Map<String, Object> m = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        if (!(m.get("questions") instanceof List<?> list)) throw new IllegalArgumentException(file + ": no \"questions\" list");
        List<Question> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> q) || !(q.get("q") instanceof String text) || !(q.get("source") instanceof String src)
                    || !(q.get("answer") instanceof String answer))
                throw new IllegalArgumentException(file + ": question " + out.size() + " needs q, source and answer strings");
            out.add(new Question(text, src, answer));
        }
        return out;
    }

    /** Whether the chunk holds the question's answer. */
    public static boolean answers(Chunk chunk, Question q) {
        return chunk.source().equals(q.source()) && chunk.text().contains(q.answer());
    }

    /** The share of questions answered by one of their top k chunks. */
    public static double recallAtK(Retriever retriever, Retriever.Mode mode, List<Question> questions, int k) {
        return recallAtK(retriever, mode, HybridFusion.DEFAULT, questions, k);
    }

    /** The same with hybrid mode fusing as {@code fusion} says. */
    public static double recallAtK(Retriever retriever, Retriever.Mode mode, HybridFusion fusion, List<Question> questions,
                                   int k) {
        int found = 0;
        for (Question q : questions)
            if (retriever.retrieve(q.question(), mode, k, fusion).stream().anyMatch(r -> answers(r.chunk(), q))) found++;
        return (double) found / questions.size();
    }

    /** The questions whose answer no chunk of the index holds (a chunk boundary cut the phrase), to check a setup. */
    public static List<Question> unanswerable(RagIndex index, List<Question> questions) {
        return questions.stream().filter(q -> index.chunks().stream().noneMatch(c -> answers(c, q))).toList();
    }
}
