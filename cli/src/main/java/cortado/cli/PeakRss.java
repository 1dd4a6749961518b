package cortado.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's peak resident set size: Linux's {@code VmHWM} ("high water mark") line of {@code /proc/self/status},
 * everything the JVM ever had in RAM at once (heap, off-heap tensors, code), which is why peft-compare runs each
 * method in a process of its own.
 */
final class PeakRss {
    private PeakRss() {}

    /** Megabytes (2^20 bytes), or -1 where /proc/self/status has no VmHWM (not Linux). */
    static double megabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) {   // "VmHWM:    123456 kB"
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) / 1024.0;
                }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
