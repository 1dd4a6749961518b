package cortado.train.rl;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.models.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Sampling of completions from the policy for GRPO and PPO, as TRL generates them (do_sample, top_k 0, top_p 1, the
 * given temperature, stopping at the end-of-text token or after {@code maxNewTokens}): the whole batch at once with
 * the KV cache ({@link Generator}), in eval mode (no dropout) and without gradients. Row i of call k draws from its own
 * seed, a function of (seed, k, i), so a run, and a run resumed at call k, draws the same completions.
 */
public final class CompletionSampler {
    private final Tokenizer tokenizer;
    private final int eos, maxNewTokens;
    private final float temperature;
    private final long seed;

    public CompletionSampler(Tokenizer tokenizer, int eos, float temperature, int maxNewTokens, long seed) {
        if (!(temperature > 0)) throw new IllegalArgumentException("the sampling temperature must be > 0, got " + temperature);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.temperature = temperature;
        this.maxNewTokens = maxNewTokens;
        this.seed = seed;
    }

    public float temperature() { return temperature; }

    public int maxNewTokens() { return maxNewTokens; }

    public int eos() { return eos; }

    public Tokenizer tokenizer() { return tokenizer; }

    /** Completions (tokens with the end-of-text token when it stopped there, and their text without it). */
    public List<Completion> sample(CausalLm model, List<int[]> prompts, long call) {
        List<Sampler> samplers = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++)
            samplers.add(new Sampler(temperature, 0, 1f, mix(seed, call, i)));
        boolean was = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter()) {
            return new Generator(model).generate(prompts, samplers, new StoppingCriteria(maxNewTokens, Set.of(eos), List.of()),
                    tokenizer, null);
        } finally {
            model.module().train(was);
        }
    }

    /** SplitMix64 of the three, so neighbouring calls and rows get unrelated streams. */
    static long mix(long seed, long call, long row) {
        long z = seed + 0x9E3779B97F4A7C15L * (call * 1_000_003L + row + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
