package cortado.cli;

import cortado.tensor.Parallel;
import cortado.train.dist.Collective;
import cortado.train.dist.Collectives;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of cortado.jar: {@code cortado COMMAND [options]}. Takes out the global flags ({@code --threads N},
 * {@code --debug}), dispatches to the {@link Command} by name, and maps the outcome to an exit code: 0 success,
 * 2 usage error, 1 failure. Errors are one line {@code error: ...} on stderr; the stack trace only with --debug.
 */
public final class Main {
    public static final int OK = 0, FAILURE = 1, USAGE = 2;

    private static volatile boolean debug;

    private Main() {}

    public static void main(String[] args) {
        Collective job = null;
        try {   // under mpirun: join the job first; only rank 0 speaks on stdout
            if (Collectives.launched()) job = Collectives.world();
        } catch (RuntimeException e) {
            System.err.println("error: " + describe(e));
            System.exit(FAILURE);
        }
        if (job != null && job.rank() != 0) System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
        int code = run(args);
        System.out.flush();
        if (job != null) {
            // A failed rank ends the whole job: the others may be waiting for it in a collective.
            if (code != OK && job.size() > 1) job.abort(code);
            Collectives.closeWorld();
        }
        System.exit(code);
    }

    /** True when --debug was given. */
    public static boolean debug() { return debug; }

    /** Runs one command line and returns the exit code (the in-process entry the end-to-end tests use). */
    public static int run(String[] argv) {
        PrintStream err = System.err;
        List<String> rest = new ArrayList<>();
        debug = false;
        try {
            Integer threads = null;
            boolean afterDashDash = false;
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                if (afterDashDash) { rest.add(a); continue; }
                if (a.equals("--")) { afterDashDash = true; rest.add(a); continue; }
                if (a.equals("--debug")) { debug = true; continue; }
                if (a.equals("--threads") || a.startsWith("--threads=")) {
                    String v;
                    if (a.startsWith("--threads=")) v = a.substring("--threads=".length());
                    else if (i + 1 < argv.length) v = argv[++i];
                    else throw new UsageException("--threads needs a value (N)");
                    try {
                        threads = Integer.parseInt(v.strip());
                    } catch (NumberFormatException e) {
                        throw new UsageException("--threads expects an integer, got '" + v + "'");
                    }
                    if (threads < 1) throw new UsageException("--threads must be at least 1, got " + threads);
                    continue;
                }
                rest.add(a);
            }
            if (threads != null) Parallel.setThreads(threads);

            if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h") || rest.get(0).equals("help")) {
                if (rest.size() >= 2 && rest.get(0).equals("help")) {
                    // "cortado help pretrain" is "cortado pretrain --help"
                    return run(new String[] {rest.get(1), "--help"});
                }
                System.out.print(overview());
                return rest.isEmpty() ? USAGE : OK;
            }
            String name = rest.get(0);
            Command cmd = Commands.find(name);
            if (cmd == null) throw new UsageException("unknown command '" + name + "' (see cortado --help)");
            return cmd.run(rest.subList(1, rest.size()).toArray(String[]::new));
        } catch (HelpRequested h) {
            System.out.print(h.usage());
            return OK;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            if (debug) e.printStackTrace(err);
            return USAGE;
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (give Java more with JAVA_OPTS=-Xmx...)");
            if (debug) e.printStackTrace(err);
            return FAILURE;
        } catch (Throwable e) {
            err.println("error: " + describe(e));
            if (debug) e.printStackTrace(err);
            return FAILURE;
        }
    }

    /** One line for an exception: its message, or its type for the ones that carry no useful message. */
    static String describe(Throwable e) {
        String msg = e.getMessage();
        boolean internal = e instanceof NullPointerException || e instanceof ClassCastException
                || e instanceof IndexOutOfBoundsException || e instanceof StackOverflowError
                || msg == null || msg.isBlank();
        String line = internal
                ? "internal error: " + e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg)
                        + " (rerun with --debug for the stack trace)"
                : msg;
        return line.replace('\n', ' ').replace('\r', ' ');
    }

    /** The top-level help: what Cortado is and the command list. */
    static String overview() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: cortado COMMAND [options]\n\n");
        sb.append("Cortado: a pure-Java engine to tokenize, pretrain, quantize, embed with and generate from language models.\n\n");
        sb.append("commands:\n");
        int width = 2 + Commands.all().stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (Command c : Commands.all()) {
            String n = c.name();
            sb.append("  ").append(n).append(" ".repeat(width - n.length())).append(c.summary()).append('\n');
        }
        sb.append("\nglobal options: --threads N (default: all cores), --debug (stack traces), --help\n");
        sb.append("Run 'cortado COMMAND --help' for a command's options.\n");
        return sb.toString();
    }
}
