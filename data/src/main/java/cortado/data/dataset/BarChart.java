package cortado.data.dataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A horizontal grouped bar chart drawn with Java2D to a PNG: one row per category, one bar per series in it, the
 * value printed at the bar's end, a legend of the series, an axis with round ticks.
 *
 * @param title      the heading
 * @param unit       appended to values and the axis ("%" or "")
 * @param categories row labels, top to bottom
 * @param series     series names (sources), in legend order
 * @param values     {@code values[s][c]}
 */
record BarChart(String title, String unit, List<String> categories, List<String> series, double[][] values) {
    private static final int W = 960, LEFT_MIN = 120, RIGHT = 90, TOP = 70, BOTTOM = 50, BAR = 14, GAP = 10;
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194)};

    /** Writes the chart to {@code file} (a temp file renamed into place). */
    void write(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = render();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    BufferedImage render() {
        int shown = 0; // series with a value somewhere: empty ones take no room
        boolean[] used = new boolean[series.size()];
        for (int s = 0; s < series.size(); s++)
            for (double v : values[s]) if (v != 0) { used[s] = true; }
        for (boolean u : used) if (u) shown++;
        shown = Math.max(shown, 1);
        int rowH = shown * BAR + GAP;
        int h = TOP + Math.max(1, categories.size()) * rowH + BOTTOM;
        BufferedImage img = new BufferedImage(W, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, h);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        int left = LEFT_MIN;
        for (String c : categories) left = Math.max(left, Math.min(320, fm.stringWidth(c) + 16));
        double max = 0;
        for (double[] row : values) for (double v : row) max = Math.max(max, v);
        double tick = niceStep(max > 0 ? max / 5 : 1);
        double axisMax = Math.max(tick, Math.ceil(max / tick) * tick);
        int plotW = W - left - RIGHT;

        g.setColor(Color.BLACK);
        g.setFont(font.deriveFont(Font.BOLD, 15f));
        g.drawString(title, 16, 26);
        g.setFont(font);
        int lx = 16;
        for (int s = 0; s < series.size(); s++) {
            if (!used[s] && shown > 0 && anyUsed(used)) continue;
            g.setColor(PALETTE[s % PALETTE.length]);
            g.fillRect(lx, 40, 12, 12);
            g.setColor(Color.DARK_GRAY);
            g.drawString(series.get(s), lx + 16, 51);
            lx += 16 + fm.stringWidth(series.get(s)) + 18;
        }
        int plotTop = TOP, plotBottom = h - BOTTOM;
        g.setStroke(new BasicStroke(1f));
        for (double t = 0; t <= axisMax + tick / 2; t += tick) {
            int x = left + (int) Math.round(t / axisMax * plotW);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(x, plotTop, x, plotBottom);
            g.setColor(Color.DARK_GRAY);
            String label = format(t) + unit;
            g.drawString(label, x - fm.stringWidth(label) / 2, plotBottom + 16);
        }
        for (int c = 0; c < categories.size(); c++) {
            int y0 = plotTop + c * rowH + GAP / 2;
            String label = categories.get(c);
            while (fm.stringWidth(label) > left - 12 && label.length() > 4) label = label.substring(0, label.length() - 4) + "...";
            g.setColor(Color.BLACK);
            g.drawString(label, left - 8 - fm.stringWidth(label), y0 + (shown * BAR) / 2 + fm.getAscent() / 2 - 1);
            int k = 0;
            for (int s = 0; s < series.size(); s++) {
                if (!used[s] && anyUsed(used)) continue;
                double v = values[s][c];
                int y = y0 + k++ * BAR;
                int w = (int) Math.round(v / axisMax * plotW);
                g.setColor(PALETTE[s % PALETTE.length]);
                g.fillRect(left, y, Math.max(w, v > 0 ? 1 : 0), BAR - 2);
                if (v > 0) {
                    g.setColor(Color.DARK_GRAY);
                    g.drawString(format(v) + unit, left + w + 4, y + BAR - 4);
                }
            }
        }
        g.setColor(Color.GRAY);
        g.drawLine(left, plotTop, left, plotBottom);
        g.dispose();
        return img;
    }

    private static boolean anyUsed(boolean[] used) {
        for (boolean u : used) if (u) return true;
        return false;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }
}
