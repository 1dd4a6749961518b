package cortado.data.tokenizer;

/**
 * One of HF tokenizers' pre-tokenizers as a step of the tokenizer.json pipeline: it turns a piece of normalized text
 * into smaller pieces (and may rewrite them, as ByteLevel and Metaspace do). Empty pieces are never emitted. A piece
 * carries the offset in the original text where it starts, which Metaspace's {@code prepend_scheme = first} reads.
 * (The byte-level BPE fast path uses {@link PreTokenizer}, which reports ranges without copying.)
 */
public interface PreTokenizerStep {
    @FunctionalInterface
    interface Sink {
        void piece(String text, int offset);
    }

    void split(String text, int offset, Sink out);

    /** {@code first}, then {@code then} on each of its pieces (HF's pre_tokenizers.Sequence). */
    static PreTokenizerStep sequence(java.util.List<PreTokenizerStep> steps) {
        return (text, offset, out) -> run(steps, 0, text, offset, out);
    }

    private static void run(java.util.List<PreTokenizerStep> steps, int i, String text, int offset, Sink out) {
        if (i == steps.size()) {
            out.piece(text, offset);
            return;
        }
        steps.get(i).split(text, offset, (t, o) -> run(steps, i + 1, t, o, out));
    }
}
