package cortado.gpu.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * NVRTC, CUDA's runtime compiler (libnvrtc), through downcalls: CUDA C source to PTX or a cubin for one architecture.
 * It needs no GPU and no driver, so kernels are compiled in CI. Every status is checked ({@link CudaException}).
 */
public final class Nvrtc {
    /** The library file names, newest major version first. */
    public static final List<String> FILES = List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so");

    private final NativeLibrary lib;
    // const char* nvrtcGetErrorString(nvrtcResult result);
    private final MethodHandle getErrorString;
    // nvrtcResult nvrtcVersion(int* major, int* minor);
    private final MethodHandle version;
    // nvrtcResult nvrtcGetNumSupportedArchs(int* numArchs);
    private final MethodHandle getNumSupportedArchs;
    // nvrtcResult nvrtcGetSupportedArchs(int* supportedArchs);
    private final MethodHandle getSupportedArchs;
    // nvrtcResult nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders,
    //                                const char* const* headers, const char* const* includeNames);
    private final MethodHandle createProgram;
    // nvrtcResult nvrtcDestroyProgram(nvrtcProgram* prog);
    private final MethodHandle destroyProgram;
    // nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char* const* options);
    private final MethodHandle compileProgram;
    // nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t* logSizeRet);
    private final MethodHandle getProgramLogSize;
    // nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char* log);
    private final MethodHandle getProgramLog;
    // nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t* ptxSizeRet);
    private final MethodHandle getPtxSize;
    // nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char* ptx);
    private final MethodHandle getPtx;
    // nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t* cubinSizeRet);
    private final MethodHandle getCubinSize;
    // nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char* cubin);
    private final MethodHandle getCubin;

    /** Binds the given library. */
    public Nvrtc(NativeLibrary lib) {
        this.lib = lib;
        getErrorString = lib.function("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        version = lib.function("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getNumSupportedArchs = lib.function("nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getSupportedArchs = lib.function("nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        createProgram = lib.function("nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        destroyProgram = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        compileProgram = lib.function("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        getProgramLogSize = lib.function("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getProgramLog = lib.function("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtxSize = lib.function("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtx = lib.function("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getCubinSize = lib.function("nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getCubin = lib.function("nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** Finds and binds libnvrtc ({@link LibraryLocator}). */
    public static Nvrtc load(LibraryLocator locator) {
        NativeLibrary lib = locator.load("NVRTC", FILES);
        preloadBuiltins(lib.path().toAbsolutePath().getParent());
        return new Nvrtc(lib);
    }

    /**
     * libnvrtc opens libnvrtc-builtins by file name when it compiles; in a pip wheel's folder the loader would not find
     * it (the folder is on no search path), so the one beside libnvrtc is loaded first and the loader reuses it.
     */
    private static void preloadBuiltins(java.nio.file.Path dir) {
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) return;
        try (var files = java.nio.file.Files.newDirectoryStream(dir, "libnvrtc-builtins.so.*")) {
            for (java.nio.file.Path p : files) {
                try {
                    java.lang.foreign.SymbolLookup.libraryLookup(p, Arena.global());
                } catch (IllegalArgumentException e) {
                    // another variant (the .alt build) or a broken file: NVRTC reports it if it needs it
                }
            }
        } catch (java.io.IOException e) {
            // unreadable folder: NVRTC reports a missing builtins library itself
        }
    }

    public NativeLibrary library() { return lib; }

    /** "major.minor" of the library. */
    public String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            check("nvrtcVersion", (int) version.invokeExact(major, minor));
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The SM numbers this NVRTC compiles for (e.g. 75, 80, 86, 89, 90, 100, 120). */
    public int[] supportedArchs() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            check("nvrtcGetNumSupportedArchs", (int) getNumSupportedArchs.invokeExact(n));
            MemorySegment archs = a.allocate(JAVA_INT, Math.max(1, n.get(JAVA_INT, 0)));
            check("nvrtcGetSupportedArchs", (int) getSupportedArchs.invokeExact(archs));
            return archs.asSlice(0, 4L * n.get(JAVA_INT, 0)).toArray(JAVA_INT);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** What a compilation produced: the image (PTX text with a trailing NUL, or a cubin) and the compiler's log. */
    public record Output(byte[] image, boolean cubin, String log) {}

    /** Thrown when the source does not compile: the message holds NVRTC's log (file:line: error ...). */
    public static final class CompileError extends RuntimeException {
        CompileError(String message) { super(message); }
    }

    /**
     * Compiles {@code source} (named {@code name} in messages) with {@code options}; {@code headers} maps the names
     * it {@code #include}s in quotes to their text. A cubin when {@code cubin} (options must then name a real
     * architecture, {@code -arch=sm_90}), else PTX ({@code -arch=compute_90}).
     */
    public Output compile(String source, String name, Map<String, String> headers, List<String> options, boolean cubin) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            int nh = headers.size();
            MemorySegment texts = a.allocate(ADDRESS, Math.max(1, nh)), names = a.allocate(ADDRESS, Math.max(1, nh));
            int h = 0;
            for (Map.Entry<String, String> e : headers.entrySet()) {
                names.setAtIndex(ADDRESS, h, a.allocateFrom(e.getKey()));
                texts.setAtIndex(ADDRESS, h++, a.allocateFrom(e.getValue()));
            }
            MemorySegment headerTexts = nh == 0 ? MemorySegment.NULL : texts, includeNames = nh == 0 ? MemorySegment.NULL : names;
            check("nvrtcCreateProgram", (int) createProgram.invokeExact(prog, a.allocateFrom(source),
                    a.allocateFrom(name), nh, headerTexts, includeNames));
            MemorySegment handle = prog.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                int status = (int) compileProgram.invokeExact(handle, options.size(), opts);
                String log = log(a, handle);
                if (status == 6) // NVRTC_ERROR_COMPILATION
                    throw new CompileError("nvrtcCompileProgram: " + name + " does not compile with " + options + ":\n" + log);
                check("nvrtcCompileProgram(" + name + ")", status);
                MemorySegment size = a.allocate(JAVA_LONG);
                if (cubin) check("nvrtcGetCUBINSize", (int) getCubinSize.invokeExact(handle, size));
                else check("nvrtcGetPTXSize", (int) getPtxSize.invokeExact(handle, size));
                MemorySegment image = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                if (cubin) check("nvrtcGetCUBIN", (int) getCubin.invokeExact(handle, image));
                else check("nvrtcGetPTX", (int) getPtx.invokeExact(handle, image));
                return new Output(image.asSlice(0, size.get(JAVA_LONG, 0)).toArray(JAVA_BYTE), cubin, log);
            } finally {
                check("nvrtcDestroyProgram", (int) destroyProgram.invokeExact(prog));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private String log(Arena a, MemorySegment handle) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        check("nvrtcGetProgramLogSize", (int) getProgramLogSize.invokeExact(handle, size));
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) return "";
        MemorySegment text = a.allocate(n);
        check("nvrtcGetProgramLog", (int) getProgramLog.invokeExact(handle, text));
        return new String(text.asSlice(0, n - 1).toArray(JAVA_BYTE), StandardCharsets.UTF_8).strip();
    }

    /** Throws {@link CudaException} naming {@code call} and NVRTC's text for {@code status} unless it is 0 (success). */
    public void check(String call, int status) {
        if (status == 0) return;
        String text;
        try {
            text = ((MemorySegment) getErrorString.invokeExact(status)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            text = "(nvrtcGetErrorString failed: " + t + ")";
        }
        throw new CudaException(call, status, text);
    }
}
