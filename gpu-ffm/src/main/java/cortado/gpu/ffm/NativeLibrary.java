package cortado.gpu.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** One loaded shared library (loaded into the global arena: it stays for the life of the process). */
public record NativeLibrary(String name, Path path, SymbolLookup symbols) {
    /** A downcall handle for {@code symbol}; a missing symbol fails naming the library file. */
    public MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = symbols.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                path + " has no function " + symbol + " (a " + name + " older than this binding needs?)"));
        return Linker.nativeLinker().downcallHandle(address, descriptor);
    }

    /** Whether the library exports {@code symbol}. */
    public boolean has(String symbol) { return symbols.find(symbol).isPresent(); }

    @Override public String toString() { return name + " (" + path + ")"; }
}
