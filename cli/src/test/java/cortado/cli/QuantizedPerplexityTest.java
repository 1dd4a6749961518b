package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.quant.prune.Pruner;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 5 in small: a 2-layer, 64-wide byte-level GPT-2 (0.1M parameters) pretrained for 200 steps on the demo
 * corpus loses under 5% validation perplexity to NF4 with double quantization, and 2:4 pruning costs more than that.
 * The full-size figures come from tools/quant/quantize_and_prune_demo.sh on the model {@code cortado demo} trains.
 */
class QuantizedPerplexityTest {
    @TempDir Path dir;

    @Test
    void nf4WithDoubleQuantKeepsPerplexityWithinFivePercentAndTwoFourCostsMore() throws Exception {
        int seq = 64;
        TokenData all = TokenData.of(new ByteTokenizer().encode(DemoCommand.corpus()), "demo corpus");
        TokenData[] split = TrainingRun.splitTail(all, 0.1, seq);
        TokenData val = split[1].slice(0, 8 * 1024 + 1); // 128 windows of 64
        CausalLm model = Models.create(Gpt2Config.of(257, seq, 64, 2, 4, 256), 1);
        new Trainer(model, new TrainConfig(200, 8, seq, 6e-3f, 20, "cosine", 0f, 1f, 1, 0, 1, 1, false, 0),
                split[0], null).run(null, null, null);
        HfCheckpoint.save(model, dir);

        double fp32 = ValidationPerplexity.evaluate(model, val, seq, 16).perplexity();
        assertThat(fp32).as("trained: far below the 257 of a uniform guess").isLessThan(16);

        CausalLm nf4 = HfCheckpoint.load(dir);
        ModelQuantizer.quantize(nf4, new QuantizeSpec("nf4", 64, true, QuantizeSpec.DEFAULT_SKIP));
        double q = ValidationPerplexity.evaluate(nf4, val, seq, 16).perplexity();

        CausalLm pruned = HfCheckpoint.load(dir);
        Pruner.twoFour(pruned.module(), List.of("lm_head"));
        double p = ValidationPerplexity.evaluate(pruned, val, seq, 16).perplexity();

        System.out.printf("small GPT-2 validation perplexity: fp32 %.4f, nf4+dq %.4f (%+.2f%%), 2:4 %.4f (%+.2f%%)%n",
                fp32, q, 100 * (q / fp32 - 1), p, 100 * (p / fp32 - 1));
        assertThat(q).isNotEqualTo(fp32).isLessThan(1.05 * fp32);
        assertThat(p / fp32).isGreaterThan(q / fp32);
    }
}
