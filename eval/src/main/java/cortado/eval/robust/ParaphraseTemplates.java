package cortado.eval.robust;

import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Meaning-preserving rewrites of question and sentence frames, each applicable template applied with probability
 * severity, in order: contractions ("What is" to "What's", "do not" to "don't"), question frames ("What is X?" to
 * "Can you tell me what X is?", "Who VERB" to "Which person VERB"), and a polite frame around the whole text
 * ("Please answer this: ..."). The model should answer the same; a drop measures how much it leans on the surface
 * form of its prompts.
 */
public final class ParaphraseTemplates implements Perturbation {
    /** A rewrite: every match of {@code pattern} becomes {@code replacement} (Matcher syntax, $1 groups). */
    record Template(Pattern pattern, String replacement) {
        static Template of(String regex, String replacement) { return new Template(Pattern.compile(regex), replacement); }
    }

    static final List<Template> TEMPLATES = List.of(
            Template.of("\\bWhat is ([^?\\n]+)\\?", "Can you tell me what $1 is?"),
            Template.of("\\bWhat is\\b", "What's"),
            Template.of("\\bWho (\\w+)", "Which person $1"),
            Template.of("\\bWhere (\\w+)", "In what place $1"),
            Template.of("\\b([Ii]t|[Tt]hat|[Hh]e|[Ss]he) is\\b", "$1's"),
            Template.of("\\b([Dd]o|[Dd]oes|[Dd]id|[Ii]s|[Aa]re|[Ww]as) not\\b", "$1n't"),
            Template.of("\\bplus\\b", "added to"),
            Template.of("\\bvery\\b", "really"),
            Template.of("^(?s)(.+)$", "Please answer this: $1"));

    @Override public String name() { return "paraphrase"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        String out = text;
        for (Template t : TEMPLATES) {
            boolean fire = rng.nextDouble() < severity;
            Matcher m = t.pattern().matcher(out);
            if (fire && m.find()) out = m.replaceAll(t.replacement());
        }
        return out;
    }
}
