package cortado.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The registry of subcommands. To add one, write a {@link Command} class in this package and add ONE line below,
 * keeping the lines in alphabetical order (so parallel additions rarely collide).
 */
public final class Commands {
    private static final List<Command> ALL = new ArrayList<>();

    static {
        add(new BenchCommand());
        add(new ChatCommand());
        add(new ChatTemplateCommand());
        add(new DemoCommand());
        add(new DequantizeCommand());
        add(new EmbedCommand());
        add(new EvalCommand());
        add(new FeedbackCommand());
        add(new ExportCommand());
        add(new FinetuneCommand());
        add(new GenerateCommand());
        add(new InspectCommand());
        add(new MergeCommand());
        add(new MetricCommand());
        add(new PeftCompareCommand());
        add(new PerplexityCommand());
        add(new PlanCommand());
        add(new PrepareCommand());
        add(new PretrainCommand());
        add(new PruneCommand());
        add(new QuantizeCommand());
        add(new RagCommand());
        add(new ServeCommand());
        add(new SftCommand());
        add(new DpoCommand());
        add(new RewardCommand());
        add(new GrpoCommand());
        add(new PpoCommand());
        add(new DistillCommand());
        add(new TokenizeCommand());
        add(new TokenizerTrainCommand());
    }

    private Commands() {}

    private static void add(Command c) { ALL.add(c); }

    /** Every command, in registration order. */
    public static List<Command> all() { return Collections.unmodifiableList(ALL); }

    /** The command called {@code name}, or null. */
    public static Command find(String name) {
        for (Command c : ALL) if (c.name().equals(name)) return c;
        return null;
    }
}
