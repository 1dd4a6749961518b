package cortado.gpu.kernels;

import cortado.gpu.ffm.Nvrtc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compiles kernel files with NVRTC for one GPU architecture and keeps the images on disk, keyed by a SHA-256 of
 * everything that shapes them (NVRTC's version, the target, the options, the header and the source), so a second run
 * loads the cubin without compiling. The cache folder is {@code -Dcortado.cuda.cache}, else
 * {@code $XDG_CACHE_HOME/cortado/cuda}, else {@code ~/.cache/cortado/cuda}; files are written to a temporary name and
 * renamed. A cubin is made when NVRTC knows the device's architecture, else PTX for the newest architecture it knows
 * below it (the driver then compiles the PTX).
 */
public final class KernelCompiler {
    private final Nvrtc nvrtc;
    private final Path cacheDir; // null: no disk cache
    private final String nvrtcVersion;
    private final int[] archs;

    public KernelCompiler(Nvrtc nvrtc, Path cacheDir) {
        this.nvrtc = nvrtc;
        this.cacheDir = cacheDir;
        this.nvrtcVersion = nvrtc.version();
        this.archs = nvrtc.supportedArchs();
    }

    /** The default cache folder (see the class comment). */
    public static Path defaultCacheDir() {
        String p = System.getProperty("cortado.cuda.cache");
        if (p != null && !p.isBlank()) return Path.of(p);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cortado").resolve("cuda");
    }

    /** A compiled image: a cubin, or PTX text ending in NUL (what cuModuleLoadData takes). */
    public record Image(String file, int sm, boolean cubin, byte[] bytes, boolean fromCache) {}

    /** The options a file is compiled with for {@code arch} ("sm_90" or "compute_90"). */
    static List<String> options(String arch) { return List.of("--gpu-architecture=" + arch, "--std=c++17", "-lineinfo"); }

    /** Compiles (or loads from the cache) {@code file} for compute capability {@code sm} (e.g. 90 for 9.0). */
    public Image compile(String file, int sm) {
        boolean cubin = false;
        int target = -1;
        for (int a : archs) {
            if (a == sm) cubin = true;
            if (a <= sm) target = Math.max(target, a);
        }
        if (target < 0)
            throw new IllegalStateException("NVRTC " + nvrtcVersion + " compiles for " + java.util.Arrays.toString(archs)
                    + ", none at or below the device's sm_" + sm);
        String arch = (cubin ? "sm_" : "compute_") + target;
        KernelSource src = KernelSource.load(file);
        Map<String, String> headers = KernelSource.headers();
        List<String> opts = options(arch);
        String key = hash(nvrtcVersion, arch, String.join(" ", opts), new TreeMap<>(headers).toString(), src.text());
        Path cached = cacheDir == null ? null
                : cacheDir.resolve(file.replace(".cu", "") + "-" + arch + "-" + key.substring(0, 16) + (cubin ? ".cubin" : ".ptx"));
        if (cached != null && Files.isRegularFile(cached)) {
            try {
                return new Image(file, target, cubin, Files.readAllBytes(cached), true);
            } catch (IOException e) {
                // unreadable cache entry: compile afresh below
            }
        }
        Nvrtc.Output out = nvrtc.compile(src.text(), file, headers, opts, cubin);
        byte[] bytes = out.image();
        if (!cubin && (bytes.length == 0 || bytes[bytes.length - 1] != 0)) { // PTX must end in NUL for cuModuleLoadData
            bytes = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        }
        if (cached != null) store(cached, bytes);
        return new Image(file, target, cubin, bytes, false);
    }

    private static void store(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the kernel cache entry " + target, e);
        }
    }

    static String hash(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String nvrtcVersion() { return nvrtcVersion; }

    public int[] supportedArchs() { return archs.clone(); }
}
