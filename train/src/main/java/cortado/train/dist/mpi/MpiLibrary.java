package cortado.train.dist.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * libmpi opened with {@code dlopen(RTLD_NOW | RTLD_GLOBAL)}. Global, because Open MPI's plugins (mca_*.so, loaded by
 * MPI_Init) resolve libmpi's symbols from the global namespace; {@link SymbolLookup#libraryLookup} opens libraries
 * RTLD_LOCAL, after which MPI_Init fails to load its components. Symbols are then found with dlsym.
 */
final class MpiLibrary {
    private static final int RTLD_NOW = 0x2, RTLD_GLOBAL = 0x100;   // glibc's <dlfcn.h>
    /** The sonames tried in order: Open MPI 3-5, MPICH (and Intel MPI), then the unversioned development link. */
    static final List<String> CANDIDATES = List.of("libmpi.so.40", "libmpi.so.12", "libmpi.so");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    // void *dlopen(const char *filename, int flags);
    private static final MethodHandle DLOPEN = LINKER.downcallHandle(LIBC.findOrThrow("dlopen"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    // void *dlsym(void *handle, const char *symbol);
    private static final MethodHandle DLSYM = LINKER.downcallHandle(LIBC.findOrThrow("dlsym"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    // char *dlerror(void);
    private static final MethodHandle DLERROR = LINKER.downcallHandle(LIBC.findOrThrow("dlerror"),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_BYTE)));

    final String soname;
    private final MemorySegment handle;

    private MpiLibrary(String soname, MemorySegment handle) {
        this.soname = soname;
        this.handle = handle;
    }

    /**
     * Opens {@code path} when given (CORTADO_MPI_LIB), else the first of {@link #CANDIDATES} the loader finds; the
     * failure lists each name tried with dlerror's reason.
     */
    static MpiLibrary open(String path) {
        List<String> names = path != null ? List.of(path) : CANDIDATES;
        StringBuilder why = new StringBuilder();
        for (String name : names) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment h = (MemorySegment) DLOPEN.invokeExact(a.allocateFrom(name), RTLD_NOW | RTLD_GLOBAL);
                if (!h.equals(MemorySegment.NULL)) return new MpiLibrary(name, h);
                why.append(why.isEmpty() ? "" : "; ").append(dlerror());
            } catch (Throwable t) {
                throw new IllegalStateException("dlopen(" + name + ") failed", t);
            }
        }
        throw new IllegalStateException("cannot load libmpi (" + why + "); install an MPI library (Debian: apt-get"
                + " install openmpi-bin libopenmpi-dev) or name it with CORTADO_MPI_LIB=/path/to/libmpi.so");
    }

    /** The lookup over this library's symbols (and those it depends on). */
    SymbolLookup lookup() {
        return name -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = (MemorySegment) DLSYM.invokeExact(handle, a.allocateFrom(name));
                return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s);
            } catch (Throwable t) {
                throw new IllegalStateException("dlsym(" + name + ") failed", t);
            }
        };
    }

    private static String dlerror() throws Throwable {
        MemorySegment s = (MemorySegment) DLERROR.invokeExact();
        return s.equals(MemorySegment.NULL) ? "unknown dlopen error" : s.reinterpret(4096).getString(0);
    }
}
