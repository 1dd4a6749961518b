package cortado.train.tasks;

import cortado.autograd.F;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.MlmMasking;
import cortado.train.TrainingObjective;
import java.util.Set;

/**
 * Masked-language-model pretraining of BERT (Devlin et al. 2019 §3.1) as transformers' run_mlm.py with
 * {@code DataCollatorForLanguageModeling}: each batch of chunks is masked afresh (dynamic masking, as the collator
 * masks each time it collates), special tokens never selected, and the loss is BertForMaskedLM's cross-entropy over
 * the selected positions (labels -100 elsewhere). With {@code wholeWords} a word's tokens are masked together
 * ({@link MlmMasking#applyWholeWords}). Training batch i is masked by {@link MlmMasking#forBatch}(i), a stream of
 * its own, so a seed repeats a run exactly and a run resumed at step s ({@link #resumeAt}) draws the masks the
 * uninterrupted run draws from there; {@link #mask} (fixed validation masks) draws from the masking's own stream.
 */
public final class MlmObjective implements TrainingObjective {
    private final BertForMaskedLM model;
    private final MlmMasking masking;
    private final Set<Integer> specialIds;
    private final boolean[] continuation;   // id -> a WordPiece "##" piece, for whole words; null otherwise
    private long batches;                   // training batches masked so far: the next one's index

    /**
     * @param specialIds   ids never masked (the tokenizer's special tokens: [CLS], [SEP], [PAD], [MASK], [UNK]), as
     *                     the collator's {@code get_special_tokens_mask(already_has_special_tokens=True)}
     * @param continuation for whole-word masking, which ids continue a word; null for token-level masking
     */
    public MlmObjective(BertForMaskedLM model, MlmMasking masking, Set<Integer> specialIds, boolean[] continuation) {
        this.model = model;
        this.masking = masking;
        this.specialIds = Set.copyOf(specialIds);
        this.continuation = continuation;
    }

    /** A run restored after {@code batches} training batches (one per step: MLM runs do not accumulate). */
    public void resumeAt(long batches) {
        if (batches < 0) throw new IllegalArgumentException("negative batch count " + batches);
        this.batches = batches;
    }

    @Override
    public Tensor loss(CausalLm unused, Batches.Batch b) {
        int n = b.batch() * b.seq();
        int[] inputs = new int[n], labels = new int[n];
        MlmMasking batchMasking = masking.forBatch(batches++);
        for (int r = 0; r < b.batch(); r++) {
            int[] row = java.util.Arrays.copyOfRange(b.inputs(), r * b.seq(), (r + 1) * b.seq());
            MlmMasking.Masked m = mask(row, batchMasking);
            System.arraycopy(m.inputs(), 0, inputs, r * b.seq(), b.seq());
            System.arraycopy(m.labels(), 0, labels, r * b.seq(), b.seq());
        }
        return loss(model, new EncoderBatch(b.batch(), b.seq(), inputs, null, b.attentionMask()), labels);
    }

    /** One row's corrupted inputs and labels, drawn from the masking's own stream (fixed validation masks). */
    public MlmMasking.Masked mask(int[] ids) { return mask(ids, masking); }

    private MlmMasking.Masked mask(int[] ids, MlmMasking by) {
        boolean[] special = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) special[i] = specialIds.contains(ids[i]);
        if (continuation == null) return by.apply(ids, special);
        return by.applyWholeWords(ids, special, MlmMasking.wordStarts(ids, special, continuation));
    }

    /** BertForMaskedLM's loss: mean cross-entropy over the positions whose label is not -100. */
    public static Tensor loss(BertForMaskedLM model, EncoderBatch in, int[] labels) {
        Tensor logits = model.forward(in);
        return F.crossEntropy(F.reshape(logits, in.batch() * in.seq(), model.config().vocabSize()), labels,
                CausalLm.IGNORE_INDEX);
    }
}
