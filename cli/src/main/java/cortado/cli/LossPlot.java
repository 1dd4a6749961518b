package cortado.cli;

import cortado.nn.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws loss curves to a PNG with Java2D: training loss per step (light) with its moving average (dark), validation
 * loss as a line with points, labelled axes with round tick values, and a legend.
 */
public final class LossPlot {
    /** One point of a curve. */
    public record Point(double step, double loss) {}

    private static final int W = 900, H = 540, LEFT = 80, RIGHT = 30, TOP = 50, BOTTOM = 70;
    private static final Color TRAIN_RAW = new Color(120, 160, 220), TRAIN = new Color(30, 80, 170),
            VAL = new Color(220, 90, 30), GRID = new Color(225, 225, 225);

    private LossPlot() {}

    /** Writes {@code file} (a temp file renamed into place). */
    public static void write(Path file, String title, List<Point> train, List<Point> val) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = render(title, train, val);
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
        });
    }

    static BufferedImage render(String title, List<Point> train, List<Point> val) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);

            double xMax = 1, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
            for (List<Point> c : List.of(train, val))
                for (Point p : c) {
                    if (!Double.isFinite(p.loss)) continue;
                    xMax = Math.max(xMax, p.step);
                    yMin = Math.min(yMin, p.loss);
                    yMax = Math.max(yMax, p.loss);
                }
            if (!Double.isFinite(yMin)) { yMin = 0; yMax = 1; }
            if (yMax - yMin < 1e-6) { yMax += 0.5; yMin -= 0.5; }
            double yStep = niceStep((yMax - yMin) / 6), xStep = niceStep(xMax / 8);
            yMin = Math.floor(yMin / yStep) * yStep;
            yMax = Math.ceil(yMax / yStep) * yStep;
            double x0 = 0, x1 = Math.ceil(xMax / xStep) * xStep;
            Axes ax = new Axes(x0, x1, yMin, yMax);

            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            // grid and ticks
            for (double y = yMin; y <= yMax + yStep / 2; y += yStep) {
                int py = ax.py(y);
                g.setColor(GRID);
                g.drawLine(LEFT, py, W - RIGHT, py);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(y, yStep);
                g.drawString(s, LEFT - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
            }
            for (double x = x0; x <= x1 + xStep / 2; x += xStep) {
                int px = ax.px(x);
                g.setColor(GRID);
                g.drawLine(px, TOP, px, H - BOTTOM);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(x, xStep);
                g.drawString(s, px - fm.stringWidth(s) / 2, H - BOTTOM + 8 + fm.getAscent());
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
            // labels
            g.setFont(font.deriveFont(Font.PLAIN, 14f));
            fm = g.getFontMetrics();
            g.drawString("step", LEFT + (W - LEFT - RIGHT) / 2 - fm.stringWidth("step") / 2, H - 20);
            Graphics2D gv = (Graphics2D) g.create();
            gv.rotate(-Math.PI / 2);
            gv.drawString("loss (nats/token)", -(TOP + (H - TOP - BOTTOM) / 2) - fm.stringWidth("loss (nats/token)") / 2, 24);
            gv.dispose();
            g.setFont(font.deriveFont(Font.BOLD, 16f));
            fm = g.getFontMetrics();
            g.drawString(title, W / 2 - fm.stringWidth(title) / 2, 30);

            // curves
            g.setClip(LEFT, TOP, W - LEFT - RIGHT + 1, H - TOP - BOTTOM + 1);
            drawLine(g, ax, train, TRAIN_RAW, 1f);
            drawLine(g, ax, movingAverage(train, Math.max(1, train.size() / 50)), TRAIN, 2f);
            drawLine(g, ax, val, VAL, 2f);
            g.setColor(VAL);
            for (Point p : val) if (Double.isFinite(p.loss)) g.fillOval(ax.px(p.step) - 4, ax.py(p.loss) - 4, 8, 8);
            g.setClip(null);

            // legend
            g.setFont(font);
            fm = g.getFontMetrics();
            int lx = W - RIGHT - 190, ly = TOP + 12;
            g.setColor(Color.WHITE);
            g.fillRect(lx - 8, ly - 4, 188, val.isEmpty() ? 26 : 48);
            g.setColor(Color.GRAY);
            g.drawRect(lx - 8, ly - 4, 188, val.isEmpty() ? 26 : 48);
            legend(g, fm, lx, ly, TRAIN, "training (moving avg)");
            if (!val.isEmpty()) legend(g, fm, lx, ly + 22, VAL, "validation");
        } finally {
            g.dispose();
        }
        return img;
    }

    private record Axes(double x0, double x1, double y0, double y1) {
        int px(double x) { return (int) Math.round(LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT)); }

        int py(double y) { return (int) Math.round(H - BOTTOM - (y - y0) / (y1 - y0) * (H - TOP - BOTTOM)); }
    }

    private static void legend(Graphics2D g, FontMetrics fm, int x, int y, Color c, String label) {
        g.setColor(c);
        g.setStroke(new BasicStroke(3f));
        g.drawLine(x, y + 8, x + 26, y + 8);
        g.setColor(Color.BLACK);
        g.drawString(label, x + 34, y + 8 + fm.getAscent() / 2 - 1);
    }

    private static void drawLine(Graphics2D g, Axes ax, List<Point> pts, Color c, float width) {
        Path2D.Double path = new Path2D.Double();
        boolean started = false;
        for (Point p : pts) {
            if (!Double.isFinite(p.loss)) continue;
            if (!started) { path.moveTo(ax.px(p.step), ax.py(p.loss)); started = true; }
            else path.lineTo(ax.px(p.step), ax.py(p.loss));
        }
        g.setColor(c);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(path);
    }

    static List<Point> movingAverage(List<Point> pts, int window) {
        java.util.ArrayList<Point> out = new java.util.ArrayList<>();
        double sum = 0;
        for (int i = 0; i < pts.size(); i++) {
            sum += pts.get(i).loss;
            if (i >= window) sum -= pts.get(i - window).loss;
            int n = Math.min(i + 1, window);
            out.add(new Point(pts.get(i).step, sum / n));
        }
        return out;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    private static String fmt(double v, double step) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
