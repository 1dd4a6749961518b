package cortado.peft;

import java.util.List;

/**
 * PEFT's {@code target_modules} (and {@code exclude_modules}): either a list of names, each matching a module whose
 * dotted name equals it or ends with {@code .name}, or one string that is a regex the whole name must match; the string
 * {@code all-linear} (any case) stands for every linear layer but the output head.
 *
 * @param names the list form, or null
 * @param regex the string form, or null; exactly one of the two is set
 */
public record TargetModules(List<String> names, String regex) {
    public static final String ALL_LINEAR = "all-linear";

    public TargetModules {
        if ((names == null) == (regex == null)) throw new IllegalArgumentException("exactly one of names and regex");
        if (names != null) names = List.copyOf(names);
    }

    public static TargetModules of(String... names) { return new TargetModules(List.of(names), null); }

    public static TargetModules regex(String regex) { return new TargetModules(null, regex); }

    public static TargetModules allLinear() { return new TargetModules(null, ALL_LINEAR); }

    public boolean isAllLinear() { return regex != null && regex.equalsIgnoreCase(ALL_LINEAR); }

    /** The JSON value: the list or the string. */
    public Object toJson() { return names != null ? names : regex; }

    @Override
    public String toString() { return names != null ? names.toString() : '"' + regex + '"'; }
}
