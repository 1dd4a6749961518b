package cortado.gpu.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter kinds of an {@code extern "C" __global__} kernel, read from its CUDA C source, so a launch whose
 * arguments do not match (a missing pointer, an int where a long long goes) fails with a message instead of the
 * kernel reading garbage: cuLaunchKernel itself cannot check them.
 */
public record KernelSignature(String name, List<Kind> params) {
    /** How a parameter is passed: its size in the kernel's parameter buffer. */
    public enum Kind { POINTER, I64, I32, F32, GEOMETRY }

    private static final Pattern ENTRY = Pattern.compile("extern \"C\" __global__ void (\\w+)\\s*\\(([^)]*)\\)");

    /** Every kernel of {@code source}. */
    public static List<KernelSignature> all(String source) {
        List<KernelSignature> out = new ArrayList<>();
        Matcher m = ENTRY.matcher(source);
        while (m.find()) out.add(new KernelSignature(m.group(1), kinds(m.group(1), m.group(2))));
        return out;
    }

    /** The kernel {@code name} of {@code source}; fails when the source has none of that name. */
    public static KernelSignature of(String source, String name) {
        for (KernelSignature s : all(source)) if (s.name.equals(name)) return s;
        throw new IllegalArgumentException("no extern \"C\" __global__ kernel " + name + " in the source");
    }

    private static List<Kind> kinds(String kernel, String params) {
        List<Kind> out = new ArrayList<>();
        for (String p : params.split(",")) {
            String t = p.replaceAll("\\s+", " ").strip();
            if (t.isEmpty()) continue;
            String type = t.substring(0, t.lastIndexOf(' ') < 0 ? t.length() : t.lastIndexOf(' ')).replace("const ", "")
                    .strip();
            Kind k;
            if (t.contains("*")) k = Kind.POINTER;
            else if (type.equals("i64") || type.equals("long long")) k = Kind.I64;
            else if (type.equals("int") || type.equals("unsigned int")) k = Kind.I32;
            else if (type.equals("float")) k = Kind.F32;
            else if (type.equals("Geometry")) k = Kind.GEOMETRY;
            else throw new IllegalArgumentException("kernel " + kernel + ": parameter '" + t + "' has a type the launcher"
                        + " does not pass (pointer, i64, int, float, Geometry)");
            out.add(k);
        }
        return out;
    }
}
