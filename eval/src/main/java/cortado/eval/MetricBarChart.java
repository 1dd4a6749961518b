package cortado.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart of a run's metrics drawn with Java2D: one group per task, one bar per metric (acc, acc_norm;
 * the robustness report: one group per perturbation, one bar per severity) on a 0..1 axis, each with a whisker of plus or minus one standard error, and the value written above it.
 */
public final class MetricBarChart {
    /** One bar: its task, metric, value and standard error (NaN: none). */
    public record Bar(String task, String metric, double value, double stderr) {}

    private static final int H = 480, LEFT = 70, RIGHT = 30, TOP = 60, BOTTOM = 80, GROUP = 150;
    private static final Color[] COLORS = {new Color(50, 100, 180), new Color(230, 120, 40), new Color(60, 150, 80)};

    private MetricBarChart() {}

    public static BufferedImage render(String title, List<Bar> bars, List<String> metrics) {
        List<String> tasks = bars.stream().map(Bar::task).distinct().toList();
        int w = Math.max(520, LEFT + RIGHT + GROUP * tasks.size());
        return ChartCanvas.draw(w, H, 13, title, (g, fm) -> {
            int plotH = H - TOP - BOTTOM;
            for (int i = 0; i <= 5; i++) {   // the 0..1 axis in steps of 0.2
                double v = i / 5.0;
                int y = TOP + plotH - (int) Math.round(v * plotH);
                g.setColor(new Color(225, 225, 225));
                g.drawLine(LEFT, y, w - RIGHT, y);
                g.setColor(Color.DARK_GRAY);
                String s = String.format(Locale.ROOT, "%.1f", v);
                g.drawString(s, LEFT - 8 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, w - LEFT - RIGHT, plotH);
            int groupW = (w - LEFT - RIGHT) / Math.max(1, tasks.size());
            int barW = Math.min(50, (groupW - 30) / Math.max(1, metrics.size()));
            for (int t = 0; t < tasks.size(); t++) {
                int gx = LEFT + t * groupW + (groupW - barW * metrics.size()) / 2;
                for (Bar b : bars) {
                    if (!b.task().equals(tasks.get(t))) continue;
                    int m = metrics.indexOf(b.metric());
                    int x = gx + m * barW;
                    double v = Math.max(0, Math.min(1, b.value()));
                    int y = TOP + plotH - (int) Math.round(v * plotH);
                    g.setColor(COLORS[m % COLORS.length]);
                    g.fillRect(x + 3, y, barW - 6, TOP + plotH - y);
                    if (Double.isFinite(b.stderr())) {   // whisker: value +- one standard error
                        int lo = TOP + plotH - (int) Math.round(Math.max(0, b.value() - b.stderr()) * plotH);
                        int hi = TOP + plotH - (int) Math.round(Math.min(1, b.value() + b.stderr()) * plotH);
                        int cx = x + barW / 2;
                        g.setColor(Color.BLACK);
                        g.setStroke(new BasicStroke(1.5f));
                        g.drawLine(cx, lo, cx, hi);
                        g.drawLine(cx - 5, lo, cx + 5, lo);
                        g.drawLine(cx - 5, hi, cx + 5, hi);
                        y = Math.min(y, hi);
                    }
                    g.setColor(Color.BLACK);
                    String s = String.format(Locale.ROOT, "%.3f", b.value());
                    g.drawString(s, x + barW / 2 - fm.stringWidth(s) / 2, y - 4);
                }
                String name = tasks.get(t);
                g.drawString(name, LEFT + t * groupW + groupW / 2 - fm.stringWidth(name) / 2, TOP + plotH + 20);
            }
            int lx = LEFT;
            for (int m = 0; m < metrics.size(); m++) {   // legend under the axis
                g.setColor(COLORS[m % COLORS.length]);
                g.fillRect(lx, H - 30, 14, 14);
                g.setColor(Color.BLACK);
                g.drawString(metrics.get(m), lx + 20, H - 18);
                lx += 40 + fm.stringWidth(metrics.get(m));
            }
            g.drawString("whiskers: +/- 1 standard error", lx + 10, H - 18);
        });
    }
}
