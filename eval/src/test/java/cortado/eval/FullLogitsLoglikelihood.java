package cortado.eval;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import java.util.Arrays;

/**
 * The full-logits path the scorer replaced, as a reference: each request alone through {@link CausalLm#forward}
 * (its last {@code maxLength + 1} tokens less the final one), the whole {@code [1, T, V]} logits copied to the host,
 * log-softmax in double over each continuation position, is_greedy by torch's argmax (the first maximal index).
 */
final class FullLogitsLoglikelihood {
    private FullLogitsLoglikelihood() {}

    static Loglikelihood of(CausalLm model, EncodedRequest r, int maxLength) {
        int[] whole = r.whole(), cont = r.continuation();
        int[] input = Arrays.copyOfRange(whole, Math.max(0, whole.length - (maxLength + 1)), whole.length - 1);
        int v = model.config().vocabSize(), t = input.length;
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter(); StepArena arena = StepArena.open()) {
            float[] logits = model.forward(input, 1, t).toArray();
            double sum = 0;
            boolean greedy = true;
            for (int j = 0; j < cont.length; j++) {
                int o = (t - cont.length + j) * v, arg = 0;
                for (int k = 1; k < v; k++) if (logits[o + k] > logits[o + arg]) arg = k;
                double z = 0;
                for (int k = 0; k < v; k++) z += Math.exp((double) logits[o + k] - logits[o + arg]);
                sum += (double) logits[o + cont[j]] - logits[o + arg] - Math.log(z);
                greedy &= arg == cont[j];
            }
            return new Loglikelihood(sum, greedy);
        } finally {
            model.module().train(wasTraining);
        }
    }
}
