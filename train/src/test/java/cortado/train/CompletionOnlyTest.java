package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.tensor.StepArena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prompt/completion rows (Batches.examples, Batches.rows) and the held-out completion loss. */
class CompletionOnlyTest {
    static final int I = CausalLm.IGNORE_INDEX;

    @Test
    void aRowScoresOnlyTheCompletionAndPadsOnTheRight() {
        Batches.Batch b = Batches.rows(List.of(new PromptCompletion(new int[] {1, 2, 3}, new int[] {4, 5})), 6);
        // inputs: the example but its last token, then padding; position 2 (token 3, the prompt's last) predicts 4
        assertThat(b.inputs()).containsExactly(1, 2, 3, 4, 0, 0);
        assertThat(b.targets()).containsExactly(I, I, 4, 5, I, I);
    }

    @Test
    void examplesAreDrawnSeededAndResumably() {
        List<PromptCompletion> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) ex.add(new PromptCompletion(new int[] {i, i}, new int[] {100 + i}));
        Batches a = Batches.examples(ex, 4, 3, 9), same = Batches.examples(ex, 4, 3, 9);
        Batches.Batch x = a.next();
        assertThat(same.next().inputs()).containsExactly(x.inputs());
        for (int r = 0; r < 4; r++) { // each row is one whole example: [i, i, 100+i] -> targets [I, 100+i, I]
            int i = x.inputs()[r * 3];
            assertThat(x.inputs()[r * 3 + 1]).isEqualTo(i);
            assertThat(x.targets()).containsSequence(I, 100 + i, I);
        }
        long state = a.state();
        Batches.Batch next = a.next();
        Batches resumed = Batches.examples(ex, 4, 3, 0);
        resumed.restore(state);
        assertThat(resumed.next().inputs()).containsExactly(next.inputs());
        assertThatThrownBy(() -> Batches.examples(List.of(new PromptCompletion(new int[] {1, 2, 3}, new int[] {4})), 1, 2, 0))
                .isInstanceOf(TokenDataException.class).hasMessageContaining("example 0 holds 4 tokens");
    }

    @Test
    void theHeldOutLossIsTheMeanOverCompletionTokensHoweverBatched() {
        CausalLm model = Presets.create("gpt2-tiny", 3);
        List<PromptCompletion> ex = List.of(new PromptCompletion(new int[] {5, 6, 7, 8}, new int[] {9}),
                new PromptCompletion(new int[] {10, 11}, new int[] {12, 13, 14}),
                new PromptCompletion(new int[] {15}, new int[] {16, 17}));
        double one = CompletionLoss.mean(model, ex, 1, 8), all = CompletionLoss.mean(model, ex, 3, 8);
        assertThat(one).isCloseTo(all, org.assertj.core.data.Offset.offset(1e-5));
        // The reference: 6 completion tokens, each scored once, summed per example through the plain loss.
        double sum = 0;
        model.module().eval();
        try (NoGrad g = NoGrad.enter(); StepArena arena = StepArena.open()) {
            for (PromptCompletion e : ex)
                sum += Trainer.loss(model, Batches.rows(List.of(e), 8)).item() * e.completion().length;
        }
        assertThat(all).isCloseTo(sum / 6, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void theTrainerTakesBatchesOfItsConfigsShape() {
        CausalLm model = Presets.create("gpt2-tiny", 3);
        TrainConfig cfg = new TrainConfig(2, 2, 8, 1e-3f, 0, "constant", 0f, 1f, 1, 0, 1, 1, false, 0);
        List<PromptCompletion> ex = List.of(new PromptCompletion(new int[] {1, 2}, new int[] {3}));
        assertThat(new Trainer(model, cfg, Batches.examples(ex, 2, 8, 1), null).step().loss()).isPositive();
        assertThatThrownBy(() -> new Trainer(model, cfg, Batches.examples(ex, 3, 8, 1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batches of 3 x 8");
    }
}
