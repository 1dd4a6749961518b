package cortado.eval.robust;

import java.util.List;
import java.util.Random;

/**
 * A seeded corruption of text at a severity in [0, 1]: each unit it may touch (a letter, a space, a word, a
 * template) is touched with probability {@code severity}. Every unit draws the same random numbers whatever the
 * severity, so a heavier severity touches a superset of the units a lighter one does (the same seed): the curves
 * of metric against severity are not blurred by unrelated draws.
 */
public interface Perturbation {
    /** The perturbations built in, by name. */
    List<Perturbation> ALL = List.of(new KeyboardTypos(), new CaseFlips(), new WhitespaceNoise(), new PunctuationNoise(),
            new CharacterSwaps(), new ParaphraseTemplates());

    String name();

    String apply(String text, double severity, Random rng);

    static Perturbation named(String name) {
        for (Perturbation p : ALL) if (p.name().equals(name)) return p;
        throw new IllegalArgumentException("unknown perturbation '" + name + "' (" + String.join(", ",
                ALL.stream().map(Perturbation::name).toList()) + ")");
    }

    static void checkSeverity(double severity) {
        if (!(severity >= 0 && severity <= 1)) throw new IllegalArgumentException("severity " + severity + " outside [0, 1]");
    }
}
