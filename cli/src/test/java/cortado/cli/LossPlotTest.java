package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossPlotTest {
    @TempDir Path dir;

    @Test
    void writesAPngWithBothCurves() throws Exception {
        List<LossPlot.Point> train = new ArrayList<>(), val = new ArrayList<>();
        for (int s = 1; s <= 100; s++) train.add(new LossPlot.Point(s, 5.0 * Math.exp(-s / 30.0) + 0.5));
        for (int s = 10; s <= 100; s += 10) val.add(new LossPlot.Point(s, 5.0 * Math.exp(-s / 30.0) + 0.6));
        Path png = dir.resolve("loss.png");
        LossPlot.write(png, "test", train, val);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(900);
        // both curve colours appear somewhere in the plot area
        boolean trainBlue = false, valOrange = false;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0x1E50AA) trainBlue = true;
                if (rgb == 0xDC5A1E) valOrange = true;
            }
        assertThat(trainBlue).isTrue();
        assertThat(valOrange).isTrue();
        assertThat(dir.resolve("loss.png.tmp")).doesNotExist();
    }

    @Test
    void niceTickSteps() {
        assertThat(LossPlot.niceStep(0.37)).isEqualTo(0.5);
        assertThat(LossPlot.niceStep(1.2)).isEqualTo(2.0);
        assertThat(LossPlot.niceStep(70)).isEqualTo(100.0);
    }
}
