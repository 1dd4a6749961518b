package cortado.train;

import java.util.SplittableRandom;

/**
 * Masked-language-model corruption as transformers' {@code DataCollatorForLanguageModeling.torch_mask_tokens} does it
 * (BERT, Devlin et al. 2019, §3.1): every non-special token is selected with probability {@code probability} (0.15);
 * a selected token becomes {@code [MASK]} with probability 0.8, a uniformly random vocabulary id with probability 0.1
 * (HF draws 0.5 of the remaining 0.2), and is kept otherwise. Labels hold the original id at selected positions and
 * {@link #IGNORE_INDEX} elsewhere. Special tokens ({@code [CLS]}, {@code [SEP]}, padding) are never selected.
 * The draws come from a seeded {@link SplittableRandom}, so a seed reproduces the masks exactly; they are not torch's
 * random stream, so parity with HF is on the statistics, not on individual masks.
 *
 * <p>{@link #applyWholeWords} is the collator's {@code whole_word_mask=True} (DataCollatorForWholeWordMask): only a
 * word's first token is drawn (with {@code probability}), a drawn word has all its tokens selected, and every selected
 * token becomes {@code [MASK]} (the collator forces {@code mask_replace_prob = 1} there: no random or kept tokens).
 */
public final class MlmMasking {
    /** The label of positions that are not scored (PyTorch's {@code CrossEntropyLoss} default). */
    public static final int IGNORE_INDEX = -100;

    private final int maskId;
    private final int vocabSize;
    private final double probability;
    private final long seed;
    private final SplittableRandom rng;

    /** The corrupted inputs and the labels of one row. */
    public record Masked(int[] inputs, int[] labels) {}

    public MlmMasking(int maskId, int vocabSize, double probability, long seed) {
        if (probability <= 0 || probability >= 1)
            throw new IllegalArgumentException("mlm probability must be in (0, 1), got " + probability);
        if (maskId < 0 || maskId >= vocabSize)
            throw new IllegalArgumentException("mask token id " + maskId + " is outside the vocabulary of " + vocabSize);
        this.maskId = maskId;
        this.vocabSize = vocabSize;
        this.probability = probability;
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
    }

    /**
     * The masking of training batch {@code index} (0-based, counted over the whole run): a stream of its own whose
     * seed is SplitMix64's finalizer of (seed, index), so batch i draws the same masks whether the run got there in
     * one go or was resumed from a checkpoint, and nearby seeds or indices give unrelated streams.
     */
    public MlmMasking forBatch(long index) {
        if (index < 0) throw new IllegalArgumentException("negative batch index " + index);
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new MlmMasking(maskId, vocabSize, probability, z ^ (z >>> 31));
    }

    /** Corrupts {@code ids}; {@code special[i]} marks positions that must never be masked (HF's special_tokens_mask). */
    public Masked apply(int[] ids, boolean[] special) {
        if (special.length != ids.length)
            throw new IllegalArgumentException("special-tokens mask has " + special.length + " entries for " + ids.length + " tokens");
        int[] inputs = ids.clone();
        int[] labels = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            labels[i] = IGNORE_INDEX;
            if (special[i] || rng.nextDouble() >= probability) continue;
            labels[i] = ids[i];
            double r = rng.nextDouble();
            if (r < 0.8) inputs[i] = maskId;
            else if (r < 0.9) inputs[i] = rng.nextInt(vocabSize); // HF: randint over the whole vocabulary
            // else: kept unchanged, but still scored
        }
        return new Masked(inputs, labels);
    }

    /**
     * Whole-word masking: {@code wordStart[i]} marks the first token of a word (a special token is no word; see
     * {@link #wordStarts}). Each word's first token is drawn with {@code probability}, in order, then
     * {@link #maskWords} masks the drawn words.
     */
    public Masked applyWholeWords(int[] ids, boolean[] special, boolean[] wordStart) {
        if (special.length != ids.length || wordStart.length != ids.length)
            throw new IllegalArgumentException("masks of " + special.length + " and " + wordStart.length + " entries for "
                    + ids.length + " tokens");
        boolean[] drawn = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) drawn[i] = !special[i] && wordStart[i] && rng.nextDouble() < probability;
        return maskWords(ids, special, wordStart, drawn);
    }

    /**
     * Cortado's words for whole-word masking: a token starts a word unless it is special or a WordPiece {@code ##}
     * continuation ({@code continuation[id]}). The collator (transformers 5.18,
     * {@code _calc_word_ids_and_prob_mask}) finds words from character offsets instead: a token that begins where the
     * previous one ended continues its word. The two agree on words separated by spaces; punctuation touching a
     * word differs ("dog's" and "bed." are one word there, "dog ' s" and "bed ." here), since token ids carry no
     * offsets (tools/golden/make_wwm_golden.py, WholeWordMaskParityTest).
     */
    public static boolean[] wordStarts(int[] ids, boolean[] special, boolean[] continuation) {
        if (special.length != ids.length)
            throw new IllegalArgumentException("special-tokens mask has " + special.length + " entries for " + ids.length + " tokens");
        boolean[] starts = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) starts[i] = !special[i] && !continuation[ids[i]];
        return starts;
    }

    /**
     * The collator's {@code _whole_word_mask} and what follows it with {@code mask_replace_prob} forced to 1: every
     * token of a word whose first token is {@code drawn} is labelled with its id and becomes {@code [MASK]}; the
     * rest are labelled {@link #IGNORE_INDEX} and kept.
     */
    public Masked maskWords(int[] ids, boolean[] special, boolean[] wordStart, boolean[] drawn) {
        int[] inputs = ids.clone();
        int[] labels = new int[ids.length];
        boolean inDrawn = false;
        for (int i = 0; i < ids.length; i++) {
            labels[i] = IGNORE_INDEX;
            if (special[i]) { inDrawn = false; continue; }
            if (wordStart[i]) inDrawn = drawn[i];
            if (!inDrawn) continue;
            labels[i] = ids[i];
            inputs[i] = maskId;
        }
        return new Masked(inputs, labels);
    }
}
