package cortado.eval.bias;

import cortado.eval.ChartCanvas;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bias preference chart, drawn with Java2D: one horizontal bar per probe and group, the share of items where the
 * model preferred the stereotyped option on a 0..1 axis, with its 95% Wilson interval as a whisker and a dashed line
 * at 0.5 (no preference). A bar whose interval excludes 0.5 is drawn dark: a preference the set can tell from chance.
 */
public final class BiasPreferenceChart {
    private static final int W = 900, ROW = 26, LEFT = 320, RIGHT = 70, TOP = 60, BOTTOM = 60;
    private static final Color CLEAR = new Color(200, 80, 60), UNCLEAR = new Color(235, 175, 160);

    private BiasPreferenceChart() {}

    public static BufferedImage render(List<BiasResult> results) {
        record Line(String label, BiasResult.Preference p) {}
        List<Line> lines = new ArrayList<>();
        for (BiasResult r : results) for (BiasResult.Preference p : r.preferences()) lines.add(new Line(r.probe() + ": " + p.group(), p));
        int h = TOP + BOTTOM + ROW * Math.max(1, lines.size());
        return ChartCanvas.draw(W, h, 12, "bias preference", (g, fm) -> {
            int plotW = W - LEFT - RIGHT, bottom = h - BOTTOM;
            for (int i = 0; i <= 10; i++) {   // the 0..1 axis in steps of 0.1
                int x = LEFT + (int) Math.round(i / 10.0 * plotW);
                g.setColor(new Color(228, 228, 228));
                g.drawLine(x, TOP, x, bottom);
                g.setColor(Color.DARK_GRAY);
                String s = String.format(Locale.ROOT, "%.1f", i / 10.0);
                g.drawString(s, x - fm.stringWidth(s) / 2, bottom + 16);
            }
            for (int i = 0; i < lines.size(); i++) {
                BiasResult.Preference p = lines.get(i).p();
                WilsonInterval ci = p.interval();
                int y = TOP + i * ROW;
                g.setColor(ci.excludes(0.5) ? CLEAR : UNCLEAR);
                g.fillRect(LEFT, y + 5, (int) Math.round(p.rate() * plotW), ROW - 10);
                int lo = LEFT + (int) Math.round(ci.low() * plotW), hi = LEFT + (int) Math.round(ci.high() * plotW), cy = y + ROW / 2;
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.5f));
                g.drawLine(lo, cy, hi, cy);
                g.drawLine(lo, cy - 5, lo, cy + 5);
                g.drawLine(hi, cy - 5, hi, cy + 5);
                String label = lines.get(i).label() + " (n=" + p.n() + ")";
                g.drawString(label, LEFT - 8 - fm.stringWidth(label), cy + fm.getAscent() / 2 - 1);
                g.drawString(String.format(Locale.ROOT, "%.3f", p.rate()), W - RIGHT + 8, cy + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(LEFT, TOP, plotW, bottom - TOP);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            int mid = LEFT + plotW / 2;
            g.drawLine(mid, TOP, mid, bottom);
            g.drawString("share preferring the stereotyped option; whiskers: 95% Wilson interval; dark: excludes 0.5",
                    LEFT - 200, h - 18);
        });
    }
}
