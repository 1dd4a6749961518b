package cortado.peft.xlora;

import cortado.autograd.F;
import cortado.nn.Dropout;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * peft's {@code XLoraClassifier}: from the scaling pass's last hidden state {@code [B, T, C]} (after the final norm,
 * transformers' {@code hidden_states[-1]}) to the experts' weights {@code [B, T, L, N]} for L LoRA layers and N
 * experts. Its {@code layers} are peft's {@code nn.Sequential} with its numbering: depth 1 is {@code layers.0}, a
 * Linear to N (or L·N when layerwise); depth d > 1 is Linear(C, size), ReLU, [Dropout,] then d - 2 times
 * Linear(size, size), ReLU, [Dropout,] then the last Linear; every Linear has a bias. Without layerwise scalings the
 * N logits are the same for every layer (peft's {@code expand}). Then {@code softmax(logits / T)} over the experts
 * when enable_softmax.
 */
public final class XLoraClassifier extends Module {
    private final XLoraConfig config;
    private final int experts, layers;
    /** The Sequential's steps by index: a Linear or Dropout child, or null for a ReLU (no parameters, no child). */
    private final List<Module> steps = new ArrayList<>();

    /** peft's {@code layers} Sequential: children named by their index. */
    static final class Layers extends Module {
        <M extends Module> M add(int index, M m) { return child(Integer.toString(index), m); }
    }

    /** A classifier for {@code experts} experts over {@code layers} LoRA layers, drawn as torch's nn.Linear from {@code seed}. */
    public XLoraClassifier(XLoraConfig config, int experts, int layers, long seed) {
        this.config = config;
        this.experts = experts;
        this.layers = layers;
        Layers seq = child("layers", new Layers());
        int out = config.layerwiseScalings() ? experts * layers : experts;
        int in = config.hiddenSize();
        if (config.xloraDepth() > 1) {
            for (int d = 0; d < config.xloraDepth() - 1; d++) {
                steps.add(seq.add(steps.size(), new Linear(in, config.xloraSize(), true)));
                steps.add(null);
                if (config.xloraDropoutP() > 0) steps.add(seq.add(steps.size(), new Dropout((float) config.xloraDropoutP())));
                in = config.xloraSize();
            }
        }
        steps.add(seq.add(steps.size(), new Linear(in, out, true)));
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Module m : steps)
            if (m instanceof Linear l) {
                torchDefault(l.weight(), l.inFeatures(), rnd);
                torchDefault(l.bias(), l.inFeatures(), rnd);
            }
    }

    /** torch's nn.Linear init: weight and bias uniform in ±1/sqrt(in). */
    private static void torchDefault(Parameter p, int fanIn, SplittableRandom rnd) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] v = new float[p.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-bound, bound);
        p.set(p.value().backend().fromArray(v, p.shape()));
    }

    public int experts() { return experts; }

    public int layers() { return layers; }

    /**
     * The weights of hidden rows {@code [rows, C]}: {@code [rows, L, N]} when layerwise, else {@code [rows, N]} (the
     * same for every layer).
     */
    public Tensor forward(Tensor hidden) {
        Tensor h = hidden;
        for (Module m : steps) {
            if (m == null) h = F.relu(h);
            else if (m instanceof Linear l) h = l.forward(h);
            else h = ((Dropout) m).forward(h);
        }
        int rows = h.size(0);
        if (config.enableSoftmax()) {
            Tensor logits = F.scale(F.reshape(h, h.numel() / experts, experts), (float) (1.0 / config.softmaxTemperature()));
            h = F.softmax(logits);
        }
        return config.layerwiseScalings() ? F.reshape(h, rows, layers, experts) : F.reshape(h, rows, experts);
    }
}
