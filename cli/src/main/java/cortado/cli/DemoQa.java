package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.train.PromptCompletion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's instruction set ({@code tools/corpus/make_demo_qa.py} wrote it): question/answer pairs about the
 * openings of short stories from the pretraining corpus's generator. The resource is blocks separated by a blank
 * line, each a story line followed by {@code Q: } / {@code A: } line pairs. The last 10% of the stories are held out,
 * with all their questions, so held-out pairs ask about stories the fine-tuning never read.
 *
 * <p>An example is {@code story\nQ: question\nA:} (the prompt) then {@code " answer\n"} (the completion): the answer
 * ends at the newline, where greedy generation stops.
 */
public final class DemoQa {
    public static final String RESOURCE = "/cortado/demo/qa.txt";
    static final double HELD_OUT = 0.1;

    /** One question about a story and its answer. */
    public record Pair(String story, String question, String answer) {
        public String prompt() { return story + "\nQ: " + question + "\nA:"; }

        public String completion() { return " " + answer + "\n"; }
    }

    /** Training pairs and held-out pairs (the tail's stories). */
    public record Split(List<Pair> train, List<Pair> heldOut) {}

    private DemoQa() {}

    /** The embedded set, split. */
    public static Split load() throws IOException {
        try (InputStream in = DemoQa.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new CliException("the demo's question set " + RESOURCE + " is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
        }
    }

    /** Parses the block format; {@code source} names the text in errors (with the line). */
    static Split parse(String text, String source) {
        List<List<Pair>> stories = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (lines[i].isEmpty()) { i++; continue; }
            String story = lines[i++];
            if (story.startsWith("Q: ") || story.startsWith("A: "))
                throw new CliException(source + ": line " + i + ": expected a story before the questions");
            List<Pair> pairs = new ArrayList<>();
            while (i < lines.length && !lines[i].isEmpty()) {
                if (!lines[i].startsWith("Q: "))
                    throw new CliException(source + ": line " + (i + 1) + ": expected 'Q: ...'");
                if (i + 1 >= lines.length || !lines[i + 1].startsWith("A: ") || lines[i + 1].length() == 3)
                    throw new CliException(source + ": line " + (i + 2) + ": expected 'A: ...' after the question");
                pairs.add(new Pair(story, lines[i].substring(3), lines[i + 1].substring(3)));
                i += 2;
            }
            if (pairs.isEmpty()) throw new CliException(source + ": line " + i + ": a story without questions");
            stories.add(pairs);
        }
        int held = (int) Math.round(stories.size() * HELD_OUT);
        if (held < 1 || held >= stories.size())
            throw new CliException(source + ": holds " + stories.size() + " stories, too few to hold out 10%");
        List<Pair> train = new ArrayList<>(), heldOut = new ArrayList<>();
        for (int s = 0; s < stories.size(); s++) (s < stories.size() - held ? train : heldOut).addAll(stories.get(s));
        return new Split(List.copyOf(train), List.copyOf(heldOut));
    }

    /** The pairs as byte-level training examples (one token per UTF-8 byte, as the demo model reads). */
    public static List<PromptCompletion> examples(List<Pair> pairs) {
        ByteTokenizer tok = new ByteTokenizer();
        List<PromptCompletion> out = new ArrayList<>(pairs.size());
        for (Pair p : pairs) out.add(new PromptCompletion(tok.encode(p.prompt()), tok.encode(p.completion())));
        return out;
    }
}
