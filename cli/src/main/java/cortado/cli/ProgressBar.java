package cortado.cli;

import cortado.train.StepMetrics;
import cortado.train.Trainer;
import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress. On a terminal: one line redrawn in place with {@code \r},
 * {@code [#####.....] step 120/600  12.3k tok/s  ETA 1:23  loss 2.345}, and a separate line whenever validation
 * ran. Elsewhere (a pipe, a log file, CI): a plain line every {@code every} steps, on validation steps and at the end.
 */
public final class ProgressBar implements Trainer.Listener {
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final int every;
    private final long startNanos = System.nanoTime();
    private double emaStepMs = Double.NaN; // smoothed step time for the ETA
    private float lastValLoss = Float.NaN;
    private boolean barShown;

    public ProgressBar(PrintStream out, boolean terminal, int every) {
        this.out = out;
        this.terminal = terminal;
        this.every = Math.max(1, every);
    }

    /** A bar on stdout that picks the terminal form when stdout is a terminal. */
    public static ProgressBar forStdout(int totalSteps) {
        return new ProgressBar(System.out, isTerminal(), Math.max(1, totalSteps / 20));
    }

    /** True when stdout is an interactive terminal (Console.isTerminal, JDK 22+). */
    public static boolean isTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    @Override
    public void onStep(StepMetrics m, int totalSteps) {
        emaStepMs = Double.isNaN(emaStepMs) ? m.stepMillis() : 0.9 * emaStepMs + 0.1 * m.stepMillis();
        if (m.hasValLoss()) lastValLoss = m.valLoss();
        double etaSeconds = emaStepMs * (totalSteps - m.step()) / 1000.0;
        String stats = String.format(Locale.ROOT, "step %d/%d  %s tok/s  ETA %s  loss %.4f%s",
                m.step(), totalSteps, rate(m.tokensPerSecond()), clock(etaSeconds), m.loss(),
                Float.isNaN(lastValLoss) ? "" : String.format(Locale.ROOT, "  val %.4f", lastValLoss));
        if (terminal) {
            if (m.hasValLoss()) {
                clearLine();
                out.printf(Locale.ROOT, "step %d: val loss %.4f (train %.4f, %s elapsed)%n", m.step(), m.valLoss(),
                        m.loss(), clock((System.nanoTime() - startNanos) / 1e9));
            }
            int filled = (int) ((long) WIDTH * m.step() / totalSteps);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + stats + "\u001b[K");
            barShown = true;
            if (m.step() == totalSteps) finish();
            out.flush();
        } else if (m.step() % every == 0 || m.hasValLoss() || m.step() == totalSteps || m.step() == 1) {
            out.println(stats);
        }
    }

    /** Ends the bar's line so later output starts on a fresh one. */
    public void finish() {
        if (terminal && barShown) {
            out.println();
            barShown = false;
        }
    }

    private void clearLine() {
        if (barShown) out.print("\r\u001b[K");
    }

    static String rate(double tokensPerSecond) {
        if (tokensPerSecond >= 1e6) return String.format(Locale.ROOT, "%.2fM", tokensPerSecond / 1e6);
        if (tokensPerSecond >= 1e3) return String.format(Locale.ROOT, "%.1fk", tokensPerSecond / 1e3);
        return String.format(Locale.ROOT, "%.0f", tokensPerSecond);
    }

    /** m:ss or h:mm:ss. */
    static String clock(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
