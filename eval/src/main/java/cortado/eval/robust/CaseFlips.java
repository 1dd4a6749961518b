package cortado.eval.robust;

import java.util.Random;

/** Each letter, with probability severity, switched to the other case. */
public final class CaseFlips implements Perturbation {
    @Override public String name() { return "casing"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isLetter(c)) { b.append(c); continue; }
            boolean flip = rng.nextDouble() < severity;
            b.append(!flip ? c : Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return b.toString();
    }
}
