package cortado.gpu.ffm;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds the CUDA libraries (driver, runtime, cuBLAS, NVRTC) on this machine. Folders are tried in this order, and in
 * each folder the file names in the order given (newest major version first):
 * <ol>
 *   <li>{@code -Dcortado.cuda.libs=DIR:DIR...} (explicit);</li>
 *   <li>the pip {@code nvidia-*} wheels of a Python environment ({@code site-packages/nvidia/NAME/lib}) named by
 *       {@code -Dcortado.cuda.python} or {@code CORTADO_CUDA_PYTHON}, then the interop venv's
 *       ({@code -Dcortado.interop.python} or {@code CORTADO_INTEROP_PYTHON}; how CI finds libnvrtc): a path to the
 *       python binary or to the environment's folder;</li>
 *   <li>{@code $CUDA_HOME/lib64}, {@code $CUDA_PATH/lib64} (and {@code lib});</li>
 *   <li>the folders of {@code LD_LIBRARY_PATH};</li>
 *   <li>standard places: {@code /usr/local/cuda/lib64}, {@code /usr/local/cuda-*}{@code /lib64} (newest first),
 *       the driver's {@code /usr/local/nvidia/lib64}, {@code /usr/lib/x86_64-linux-gnu}, {@code /usr/lib64},
 *       {@code /usr/lib/wsl/lib}, and the system Pythons' nvidia wheels;</li>
 *   <li>last, the dynamic loader's own search by file name (its cache: where the driver's libcuda.so.1 usually is).</li>
 * </ol>
 */
public final class LibraryLocator {
    private final Function<String, String> property, environment;

    /** A locator reading this process's system properties and environment. */
    public LibraryLocator() { this(System::getProperty, System::getenv); }

    /** A locator over given properties and environment (tests). */
    public LibraryLocator(Function<String, String> property, Function<String, String> environment) {
        this.property = property;
        this.environment = environment;
    }

    /** A locator over fixed maps (tests). */
    public static LibraryLocator of(Map<String, String> properties, Map<String, String> environment) {
        return new LibraryLocator(properties::get, environment::get);
    }

    /** Thrown when no file of a library is found or loads; the message lists what was tried. */
    public static final class NotFound extends RuntimeException {
        NotFound(String message) { super(message); }
    }

    /**
     * Loads the first of {@code fileNames} found in the folders above, else by the loader's own search; fails with
     * {@link NotFound} naming the library, the files and the folders tried.
     */
    public NativeLibrary load(String name, List<String> fileNames) {
        List<String> failures = new ArrayList<>();
        List<Path> dirs = searchFolders();
        for (Path dir : dirs)
            for (String file : fileNames) {
                Path p = dir.resolve(file);
                if (!Files.isRegularFile(p)) continue;
                try {
                    return new NativeLibrary(name, p, SymbolLookup.libraryLookup(p, Arena.global()));
                } catch (IllegalArgumentException e) {
                    failures.add(p + ": " + e.getMessage());
                }
            }
        for (String file : fileNames) {
            try {
                return new NativeLibrary(name, Path.of(file), SymbolLookup.libraryLookup(file, Arena.global()));
            } catch (IllegalArgumentException e) {
                // not in the loader's search path either
            }
        }
        throw new NotFound(name + " not found: looked for " + String.join(", ", fileNames) + " in " + dirs.size()
                + " folders " + dirs + " and the loader's path" + (failures.isEmpty() ? "" : "; failed to load " + failures)
                + "; set CUDA_HOME, LD_LIBRARY_PATH, -Dcortado.cuda.libs=DIR or -Dcortado.cuda.python=PYTHON");
    }

    /** The folders searched, in order, existing ones only, without repeats. */
    public List<Path> searchFolders() {
        Set<Path> out = new LinkedHashSet<>();
        pathList(property.apply("cortado.cuda.libs"), out);
        for (String python : new String[] {first(property.apply("cortado.cuda.python"), environment.apply("CORTADO_CUDA_PYTHON")),
                first(property.apply("cortado.interop.python"), environment.apply("CORTADO_INTEROP_PYTHON"))})
            if (python != null) wheelFolders(pythonEnvironment(Path.of(python)), out);
        for (String home : new String[] {environment.apply("CUDA_HOME"), environment.apply("CUDA_PATH")})
            if (home != null && !home.isBlank()) {
                add(Path.of(home, "lib64"), out);
                add(Path.of(home, "lib"), out);
            }
        pathList(environment.apply("LD_LIBRARY_PATH"), out);
        add(Path.of("/usr/local/cuda/lib64"), out);
        for (Path p : children(Path.of("/usr/local"), "cuda-*", true)) add(p.resolve("lib64"), out);
        for (String d : new String[] {"/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib/wsl/lib"})
            add(Path.of(d), out);
        for (Path lib : new Path[] {Path.of("/usr/local/lib"), Path.of("/usr/lib")})
            for (Path py : children(lib, "python3*", true))
                for (String sp : new String[] {"site-packages", "dist-packages"}) wheelFolders(py.resolve(sp), out);
        wheelFolders(Path.of("/usr/lib/python3/dist-packages"), out);
        return new ArrayList<>(out);
    }

    /** A Python environment's root from its python binary ({@code ROOT/bin/python}) or the root itself. */
    static Path pythonEnvironment(Path python) {
        if (Files.isDirectory(python)) return python;
        Path bin = python.toAbsolutePath().getParent();
        return bin == null || bin.getParent() == null ? python : bin.getParent();
    }

    /** The nvidia wheels' library folders under an environment root or a site-packages folder. */
    private static void wheelFolders(Path envOrSitePackages, Set<Path> out) {
        List<Path> sitePackages = new ArrayList<>();
        if (Files.isDirectory(envOrSitePackages.resolve("nvidia"))) sitePackages.add(envOrSitePackages);
        for (String lib : new String[] {"lib", "lib64"})
            for (Path py : children(envOrSitePackages.resolve(lib), "python3*", true))
                for (String sp : new String[] {"site-packages", "dist-packages"}) sitePackages.add(py.resolve(sp));
        for (Path sp : sitePackages)
            for (Path pkg : children(sp.resolve("nvidia"), "*", false)) add(pkg.resolve("lib"), out);
    }

    private static void pathList(String list, Set<Path> out) {
        if (list == null) return;
        for (String d : list.split(File.pathSeparator)) if (!d.isBlank()) add(Path.of(d), out);
    }

    private static void add(Path dir, Set<Path> out) {
        if (Files.isDirectory(dir)) out.add(dir.toAbsolutePath().normalize());
    }

    private static List<Path> children(Path dir, String glob, boolean newestFirst) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) if (Files.isDirectory(p)) out.add(p);
        } catch (IOException e) {
            return out;
        }
        // "cuda-13.0" before "cuda-12.8", "python3.12" before "python3.11": names compared by their numbers
        Comparator<Path> byVersion = Comparator.comparing(p -> versionKey(p.getFileName().toString()));
        out.sort(newestFirst ? byVersion.reversed() : byVersion);
        return out;
    }

    /** A sortable key for names with numbers in them: every run of digits padded to 8 places. */
    static String versionKey(String name) {
        StringBuilder k = new StringBuilder(), digits = new StringBuilder();
        for (int i = 0; i <= name.length(); i++) {
            char c = i < name.length() ? name.charAt(i) : '\0';
            if (Character.isDigit(c)) {
                digits.append(c);
                continue;
            }
            if (!digits.isEmpty()) {
                k.append("0".repeat(Math.max(0, 8 - digits.length()))).append(digits);
                digits.setLength(0);
            }
            if (c != '\0') k.append(c);
        }
        return k.toString();
    }

    private static String first(String a, String b) { return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null; }
}
