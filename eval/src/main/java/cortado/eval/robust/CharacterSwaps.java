package cortado.eval.robust;

import java.util.Random;

/** Each pair of adjacent letters inside a word, with probability severity, swapped ("teh"); a swapped letter is not swapped again. */
public final class CharacterSwaps implements Perturbation {
    @Override public String name() { return "swaps"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        char[] c = text.toCharArray();
        double[] u = new double[c.length];   // drawn up front: the same draws at every severity
        for (int i = 0; i < u.length; i++) u[i] = rng.nextDouble();
        for (int i = 0; i + 1 < c.length; i++) {
            if (!Character.isLetter(c[i]) || !Character.isLetter(c[i + 1])) continue;
            if (u[i] < severity && c[i] != c[i + 1]) {
                char t = c[i];
                c[i] = c[i + 1];
                c[i + 1] = t;
                i++;
            }
        }
        return new String(c);
    }
}
