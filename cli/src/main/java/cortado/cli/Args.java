package cortado.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small GNU-style argument parser shared by every command: {@code --name value}, {@code --name=value}, boolean
 * flags, positionals, and a generated {@code --help}. Commands declare their options, call {@link #parse}, then read
 * typed values; every problem is a {@link UsageException} that names the flag.
 *
 * <pre>
 * Args a = new Args("generate", "Generates text from a checkpoint.")
 *         .required("model", "DIR", "checkpoint directory")
 *         .option("max-new-tokens", "N", "tokens to generate", "100");
 * a.parse(argv);
 * int n = a.positiveInt("max-new-tokens");
 * </pre>
 */
public final class Args {
    private record Spec(String name, String metavar, String help, String defaultValue, boolean required) {
        boolean isFlag() { return metavar == null; }
    }

    private final String command;
    private final String description;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final List<String[]> positionalSpecs = new ArrayList<>(); // {metavar, help}
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, List<String>> repeated = new LinkedHashMap<>(); // every value of a repeatable option
    private final List<String> positionals = new ArrayList<>();
    private boolean parsed;

    /** @param command the words after "cortado", e.g. "bench sgemm"; @param description one or more lines. */
    public Args(String command, String description) {
        this.command = command;
        this.description = description;
    }

    /** An option with a value and a default (null: absent unless given). */
    public Args option(String name, String metavar, String help, String defaultValue) {
        return add(new Spec(name, metavar, help, defaultValue, false));
    }

    /** An option that must be given. */
    public Args required(String name, String metavar, String help) {
        return add(new Spec(name, metavar, help, null, true));
    }

    /** An option that may be given several times; {@link #strings} returns every value in order. */
    public Args repeatable(String name, String metavar, String help) {
        return add(new Spec(name, metavar, help + " (repeatable)", null, false));
    }

    /** A boolean flag, false unless given. */
    public Args flag(String name, String help) {
        return add(new Spec(name, null, help, null, false));
    }

    /** A positional argument (documented in the usage; {@link #positionals()} returns what was given). */
    public Args positional(String metavar, String help) {
        positionalSpecs.add(new String[] {metavar, help});
        return this;
    }

    private Args add(Spec s) {
        if (specs.put(s.name, s) != null) throw new IllegalArgumentException("option --" + s.name + " declared twice");
        return this;
    }

    /** Parses {@code argv}; throws {@link HelpRequested} on --help / -h. */
    public Args parse(String[] argv) throws UsageException, HelpRequested {
        boolean onlyPositionals = false;
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (onlyPositionals || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) { onlyPositionals = true; continue; }
            if (arg.equals("--help") || arg.equals("-h")) throw new HelpRequested(usage());
            if (!arg.startsWith("--")) throw new UsageException("unknown option '" + arg + "' for '" + command
                    + "' (see cortado " + command + " --help)");
            String name = arg.substring(2), value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) { value = name.substring(eq + 1); name = name.substring(0, eq); }
            Spec s = specs.get(name);
            if (s == null) throw new UsageException("unknown option '--" + name + "' for '" + command
                    + "' (see cortado " + command + " --help)");
            if (s.isFlag()) {
                if (value != null) throw new UsageException("--" + name + " takes no value");
                values.put(name, "true");
            } else {
                if (value == null) {
                    if (i + 1 >= argv.length) throw new UsageException("--" + name + " needs a value (" + s.metavar + ")");
                    value = argv[++i];
                }
                values.put(name, value);
                repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        for (Spec s : specs.values())
            if (s.required && !values.containsKey(s.name))
                throw new UsageException("missing --" + s.name + " " + s.metavar + " (see cortado " + command + " --help)");
        parsed = true;
        return this;
    }

    /** The help text: usage line, description, options with defaults, and the global options. */
    public String usage() {
        StringBuilder sb = new StringBuilder("usage: cortado ").append(command);
        for (String[] p : positionalSpecs) sb.append(' ').append(p[0]);
        for (Spec s : specs.values()) if (s.required) sb.append(" --").append(s.name).append(' ').append(s.metavar);
        sb.append(" [options]\n\n").append(description.strip()).append("\n");
        if (!positionalSpecs.isEmpty()) {
            sb.append("\narguments:\n");
            for (String[] p : positionalSpecs) line(sb, p[0], p[1]);
        }
        if (!specs.isEmpty()) {
            sb.append("\noptions:\n");
            for (Spec s : specs.values()) {
                String help = s.help;
                if (s.required) help += " (required)";
                else if (s.defaultValue != null) help += " (default " + s.defaultValue + ")";
                line(sb, "--" + s.name + (s.isFlag() ? "" : " " + s.metavar), help);
            }
        }
        sb.append("\nglobal options:\n");
        line(sb, "--threads N", "worker threads for the kernels (default: all "
                + Runtime.getRuntime().availableProcessors() + " cores)");
        line(sb, "--debug", "print the stack trace of an error");
        line(sb, "--help", "show this help");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String left, String help) {
        sb.append("  ").append(left);
        int pad = 26 - left.length();
        if (pad < 2) { sb.append('\n'); pad = 28; }
        sb.append(" ".repeat(pad)).append(help).append('\n');
    }

    // ---- typed access ----

    private Spec spec(String name) {
        if (!parsed) throw new IllegalStateException("parse() first");
        Spec s = specs.get(name);
        if (s == null) throw new IllegalArgumentException("option --" + name + " was not declared");
        return s;
    }

    /** True when the option was given on the command line. */
    public boolean has(String name) {
        spec(name);
        return values.containsKey(name);
    }

    /** Every value given for a {@link #repeatable} option, in order (empty when absent). */
    public List<String> strings(String name) {
        spec(name);
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }

    /** The value given, else the default (may be null). */
    public String string(String name) {
        Spec s = spec(name);
        return values.getOrDefault(name, s.defaultValue);
    }

    public boolean bool(String name) {
        return "true".equals(string(name));
    }

    public int integer(String name) throws UsageException {
        String v = string(name);
        if (v == null) throw new UsageException("missing --" + name);
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** An integer >= 1. */
    public int positiveInt(String name) throws UsageException {
        int v = integer(name);
        if (v < 1) throw new UsageException("--" + name + " must be at least 1, got " + v);
        return v;
    }

    /** An integer >= 0. */
    public int nonNegativeInt(String name) throws UsageException {
        int v = integer(name);
        if (v < 0) throw new UsageException("--" + name + " must not be negative, got " + v);
        return v;
    }

    public long longValue(String name) throws UsageException {
        String v = string(name);
        if (v == null) throw new UsageException("missing --" + name);
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** A finite number. */
    public double real(String name) throws UsageException {
        String v = string(name);
        if (v == null) throw new UsageException("missing --" + name);
        double d;
        try {
            d = Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
        if (!Double.isFinite(d)) throw new UsageException("--" + name + " must be finite, got '" + v + "'");
        return d;
    }

    /** A finite number >= 0. */
    public double nonNegativeReal(String name) throws UsageException {
        double d = real(name);
        if (d < 0) throw new UsageException("--" + name + " must not be negative, got " + string(name));
        return d;
    }

    /** A comma-separated list of positive integers, e.g. {@code 256,512,1024}. */
    public int[] intList(String name) throws UsageException {
        String v = string(name);
        if (v == null) throw new UsageException("missing --" + name);
        String[] parts = v.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects comma-separated integers, got '" + v + "'");
            }
            if (out[i] < 1) throw new UsageException("--" + name + " values must be at least 1, got " + out[i]);
        }
        return out;
    }

    /** One of {@code allowed}. */
    public String choice(String name, String... allowed) throws UsageException {
        String v = string(name);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new UsageException("--" + name + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
    }

    /** The positional arguments in order. */
    public List<String> positionals() {
        if (!parsed) throw new IllegalStateException("parse() first");
        return List.copyOf(positionals);
    }
}
