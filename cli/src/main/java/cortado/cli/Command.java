package cortado.cli;

/**
 * One subcommand of {@code cortado}. Implementations parse their own arguments with {@link Args} (which answers
 * {@code --help}), throw {@link UsageException} for bad arguments (exit 2) and any other exception for a failure
 * (exit 1); {@link Main} turns both into a one-line {@code error: ...} on stderr. The global flags {@code --threads N}
 * and {@code --debug} are taken out of the arguments by {@link Main} before {@link #run} sees them.
 */
public interface Command {
    /** The word after {@code cortado}: "pretrain", "generate", ... */
    String name();

    /** One line for the command list of {@code cortado --help}. */
    String summary();

    /** Runs the command and returns its exit code (0 on success). */
    int run(String[] args) throws Exception;
}
