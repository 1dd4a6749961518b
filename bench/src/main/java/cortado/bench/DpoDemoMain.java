package cortado.bench;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.train.AdamW;
import cortado.train.GradClip;
import cortado.train.align.DpoLoss;
import cortado.train.align.PreferenceBatch;
import cortado.train.align.PreferenceJsonl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Demo-scale DPO check: full fine-tuning of the demo-pretrained byte-level model on preference pairs
 * (tools/corpus/make_demo_preferences.py), measuring TRL's rewards/accuracies on held-out pairs (stories never
 * trained on) before and after, plus the plain accuracy "log p(chosen) > log p(rejected)".
 *
 * <pre>java -cp ... cortado.bench.DpoDemoMain MODEL_DIR train.jsonl heldout.jsonl STEPS PAIRS_PER_STEP LR BETA</pre>
 */
public final class DpoDemoMain {
    public static void main(String[] a) {
        CausalLm model = HfCheckpoint.load(Path.of(a[0]));
        List<PreferenceJsonl.Pair> train = PreferenceJsonl.load(Path.of(a[1])), held = PreferenceJsonl.load(Path.of(a[2]));
        int steps = Integer.parseInt(a[3]), per = Integer.parseInt(a[4]);
        float lr = Float.parseFloat(a[5]), beta = Float.parseFloat(a[6]);
        ByteTokenizer tok = new ByteTokenizer();
        int eos = ByteTokenizer.END_OF_TEXT, ctx = model.config().maxPositions();
        List<PreferenceBatch> heldBatches = chunks(held, 16, tok, eos, ctx);
        List<float[]> heldRef = new ArrayList<>();
        for (PreferenceBatch b : heldBatches) heldRef.add(b.referenceLogProbs(model));
        report("before", model, heldBatches, heldRef, beta);

        DpoLoss.Config c = new DpoLoss.Config(DpoLoss.Type.SIGMOID, beta, 0f);
        AdamW opt = new AdamW(model.module().namedParameters(), 0.9f, 0.999f, 1e-8f, 0f);
        // fixed batches of PAIRS_PER_STEP pairs with their reference log-probs precomputed from the initial model
        List<PreferenceJsonl.Pair> shuffled = new ArrayList<>(train);
        Collections.shuffle(shuffled, new Random(1));
        // only the pairs the steps will see (reference log-probs cost a forward each)
        List<PreferenceBatch> batches = chunks(shuffled.subList(0, Math.min(shuffled.size(), steps * per)), per, tok, eos, ctx);
        List<float[]> refs = new ArrayList<>();
        for (PreferenceBatch b : batches) refs.add(b.referenceLogProbs(model));
        List<Integer> order = new ArrayList<>();
        Random rng = new Random(2);
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            if (order.isEmpty()) { for (int i = 0; i < batches.size(); i++) order.add(i); Collections.shuffle(order, rng); }
            int i = order.remove(order.size() - 1);
            PreferenceBatch b = batches.get(i);
            opt.zeroGrad();
            DpoLoss.Result r = DpoLoss.compute(c, b.logProbs(model), refs.get(i), b.lengths());
            Autograd.backward(r.loss());
            GradClip.clipGlobalNorm(opt.parameterList(), 1f);
            opt.step(lr);
            if (step % 25 == 0 || step == 1)
                System.out.printf("step %d loss %.4f train acc %.2f margin %.3f (%.0f s)%n", step, r.loss().item(),
                        r.metrics().get("rewards/accuracies"), r.metrics().get("rewards/margins"),
                        (System.nanoTime() - t0) / 1e9);
        }
        report("after", model, heldBatches, heldRef, beta);
    }

    static List<PreferenceBatch> chunks(List<PreferenceJsonl.Pair> pairs, int size, ByteTokenizer tok, int eos, int ctx) {
        List<PreferenceBatch> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += size)
            out.add(PreferenceBatch.encode(pairs.subList(i, Math.min(pairs.size(), i + size)), tok, eos, ctx));
        return out;
    }

    static void report(String when, CausalLm model, List<PreferenceBatch> batches, List<float[]> refs, float beta) {
        int pairs = 0, rewardWins = 0, plainWins = 0;
        boolean was = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter()) {
            for (int i = 0; i < batches.size(); i++) {
                PreferenceBatch b = batches.get(i);
                float[] p = b.logProbs(model).toArray(), ref = refs.get(i);
                int n = b.pairs();
                for (int j = 0; j < n; j++) {
                    if (p[j] - ref[j] > p[n + j] - ref[n + j]) rewardWins++;
                    if (p[j] > p[n + j]) plainWins++;
                }
                pairs += n;
            }
        } finally {
            model.module().train(was);
        }
        System.out.printf("%s: held-out %d pairs, rewards/accuracies %.3f, log p(chosen) > log p(rejected) %.3f%n",
                when, pairs, (double) rewardWins / pairs, (double) plainWins / pairs);
    }
}
