package cortado.eval.robust;

import java.util.Random;

/**
 * Spacing mistakes: each space, with probability severity, dropped (two words run together) or doubled, one or
 * the other with equal chance; each position between two letters, with probability severity / 4, split by a space.
 */
public final class WhitespaceNoise implements Perturbation {
    @Override public String name() { return "whitespace"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                double u = rng.nextDouble();
                boolean drop = rng.nextBoolean();
                if (u >= severity) b.append(' ');
                else if (!drop) b.append("  ");
                continue;
            }
            b.append(c);
            if (i + 1 < text.length() && Character.isLetter(c) && Character.isLetter(text.charAt(i + 1))
                    && rng.nextDouble() < severity / 4) b.append(' ');
        }
        return b.toString();
    }
}
