package cortado.data.tokenizer;

/** Receives the number of merges done out of the target while a vocabulary is trained. */
@FunctionalInterface
public interface TrainingProgress {
    void step(int done, int target);
}
