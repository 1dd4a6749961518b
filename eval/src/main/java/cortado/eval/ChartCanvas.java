package cortado.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * What the report's Java2D charts ({@link MetricBarChart}, {@link cortado.eval.bias.BiasPreferenceChart}) share: a
 * headless, antialiased white canvas with a plain sans-serif font, the chart's own drawing, then its title in bold
 * 16 pt centred at the top.
 */
public final class ChartCanvas {
    /** The chart's own drawing, with the canvas's font and its metrics set. */
    @FunctionalInterface
    public interface Body {
        void draw(Graphics2D g, FontMetrics fm);
    }

    private ChartCanvas() {}

    public static BufferedImage draw(int w, int h, int fontSize, String title, Body body) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize);
            g.setFont(font);
            body.draw(g, g.getFontMetrics());
            g.setColor(Color.BLACK);
            g.setFont(font.deriveFont(Font.BOLD, 16f));
            FontMetrics fm = g.getFontMetrics();
            g.drawString(title, w / 2 - fm.stringWidth(title) / 2, 32);
        } finally {
            g.dispose();
        }
        return img;
    }
}
