package cortado.eval.robust;

import java.util.Random;

/** Each letter or digit, with probability severity, replaced by a neighbouring key ({@link QwertyKeyboard}). */
public final class KeyboardTypos implements Perturbation {
    @Override public String name() { return "typos"; }

    @Override
    public String apply(String text, double severity, Random rng) {
        Perturbation.checkSeverity(severity);
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char[] near = QwertyKeyboard.neighbours(c);
            if (near.length == 0) { b.append(c); continue; }
            double u = rng.nextDouble();
            int pick = rng.nextInt(near.length);
            b.append(u < severity ? near[pick] : c);
        }
        return b.toString();
    }
}
