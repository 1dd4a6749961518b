package cortado.cli;

/** Thrown by {@link Args#parse} on {@code --help}: {@link Main} prints the text to stdout and exits 0. */
public final class HelpRequested extends Exception {
    public HelpRequested(String usage) { super(usage, null, false, false); }

    public String usage() { return getMessage(); }
}
