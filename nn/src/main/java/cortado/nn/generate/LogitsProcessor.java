package cortado.nn.generate;

/**
 * One step of turning a row of next-token logits into the scores a token is picked from, in place, as Hugging Face's
 * {@code LogitsProcessor.__call__(input_ids, scores)} does for one row. A removed token gets {@code -infinity}.
 */
public interface LogitsProcessor {

    /**
     * @param scores       the row's scores over the vocabulary, changed in place
     * @param ids          the row's tokens so far: {@code ids[0 .. promptLength)} the prompt, then the generated ones
     * @param promptLength how many of the ids are the prompt
     * @param length       how many ids are valid
     */
    void process(float[] scores, int[] ids, int promptLength, int length);
}
