package cortado.nn.generate;

/** Told of each token as soon as it is chosen, for streaming; {@code row} is the prompt's index in the batch. */
@FunctionalInterface
public interface TokenListener {
    void onToken(int row, int token);
}
