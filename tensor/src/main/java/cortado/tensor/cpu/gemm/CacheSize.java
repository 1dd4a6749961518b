package cortado.tensor.cpu.gemm;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The per-core L2 size, which sizes sgemm's packed B block. Read from Linux's cache description
 * ({@code /sys/devices/system/cpu/cpu0/cache/index*}: level 2, type Unified or Data, size like "2048K"); elsewhere, or
 * when unreadable, 1 MiB (Zen 4's L2; most current x86 cores have 1-2 MiB).
 */
final class CacheSize {
    static final long DEFAULT_L2 = 1L << 20;

    private CacheSize() {}

    static long l2Bytes() {
        Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache");
        try {
            if (!Files.isDirectory(dir)) return DEFAULT_L2;
            for (int i = 0; i < 8; i++) {
                Path index = dir.resolve("index" + i);
                if (!Files.isDirectory(index)) continue;
                if (!read(index, "level").equals("2") || read(index, "type").equals("Instruction")) continue;
                long size = parse(read(index, "size"));
                if (size > 0) return size;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return DEFAULT_L2; // an unreadable description only costs tuning, never correctness
        }
        return DEFAULT_L2;
    }

    private static String read(Path index, String name) throws java.io.IOException {
        return Files.readString(index.resolve(name)).trim();
    }

    /** "2048K" -> 2097152, "1M" -> 1048576, "512" -> 512; -1 when unparseable. */
    static long parse(String s) {
        if (s.isEmpty()) return -1;
        char unit = Character.toUpperCase(s.charAt(s.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        String digits = scale == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits) * scale;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
