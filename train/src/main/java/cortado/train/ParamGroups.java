package cortado.train;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Per-parameter learning-rate scale and weight decay, as torch's {@code param_groups}: a list of {@link Group}s, the
 * first whose pattern matches a parameter's Hugging Face name deciding it. A parameter no group matches takes the
 * run's rule: lr scale 1 and the run's weight decay on matrices and embeddings only ({@link AdamW#decays}; biases
 * and norm gains are not decayed).
 */
public record ParamGroups(float weightDecay, List<Group> groups) {
    /**
     * Parameters whose name matches {@code pattern} (a glob: {@code *} is any run of characters, everything else
     * literal, the whole name must match) train at lr * {@code lrScale} with weight decay {@code weightDecay}
     * (NaN: the run's rule for that parameter).
     */
    public record Group(String pattern, float lrScale, float weightDecay) {
        public Group {
            if (pattern == null || pattern.isEmpty()) throw new IllegalArgumentException("empty parameter group pattern");
            if (!(lrScale >= 0) || !Float.isFinite(lrScale))
                throw new IllegalArgumentException("group " + pattern + ": lr scale must be finite and >= 0, got " + lrScale);
            if (!Float.isNaN(weightDecay) && !(weightDecay >= 0))
                throw new IllegalArgumentException("group " + pattern + ": weight decay must be >= 0, got " + weightDecay);
        }

        /** {@code PATTERN=SCALE} or {@code PATTERN=SCALE:DECAY}, e.g. {@code *.wte.*=0.1} or {@code *.bias=1:0}. */
        public static Group parse(String spec) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0 || eq == spec.length() - 1)
                throw new IllegalArgumentException("parameter group '" + spec + "' is not PATTERN=LR_SCALE[:DECAY]");
            String pattern = spec.substring(0, eq), value = spec.substring(eq + 1);
            int colon = value.indexOf(':');
            try {
                float scale = Float.parseFloat(colon < 0 ? value : value.substring(0, colon));
                float decay = colon < 0 ? Float.NaN : Float.parseFloat(value.substring(colon + 1));
                return new Group(pattern, scale, decay);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter group '" + spec + "': '" + value
                        + "' is not LR_SCALE or LR_SCALE:DECAY");
            }
        }

        public boolean matches(String name) { return glob(pattern).matcher(name).matches(); }

        private static Pattern glob(String g) {
            StringBuilder re = new StringBuilder();
            for (String part : g.split("\\*", -1)) {
                if (!re.isEmpty()) re.append(".*");
                re.append(Pattern.quote(part));
            }
            return Pattern.compile(re.toString());
        }
    }

    public ParamGroups {
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        groups = List.copyOf(groups);
    }

    /** No groups: every parameter follows the run's rule. */
    public static ParamGroups uniform(float weightDecay) { return new ParamGroups(weightDecay, List.of()); }

    private Group groupOf(String name) {
        for (Group g : groups) if (g.matches(name)) return g;
        return null;
    }

    /** Checks that every group matches one of {@code names} at least: a pattern that matches nothing is a typo. */
    public void requireMatches(java.util.Collection<String> names) {
        for (Group g : groups)
            if (names.stream().noneMatch(g::matches))
                throw new IllegalArgumentException("parameter group " + g.pattern() + " matches no trainable parameter"
                        + " (names look like " + names.stream().limit(3).collect(java.util.stream.Collectors.joining(", "))
                        + ")");
    }

    /** The factor on the run's learning rate for parameter {@code name}. */
    public float lrScale(String name) {
        Group g = groupOf(name);
        return g == null ? 1f : g.lrScale();
    }

    /** The weight decay of parameter {@code name} of shape {@code shape}. */
    public float weightDecay(String name, int[] shape) {
        Group g = groupOf(name);
        if (g != null && !Float.isNaN(g.weightDecay())) return g.weightDecay();
        return AdamW.decays(shape) ? weightDecay : 0f;
    }

    /** The learning rate of parameter {@code name} when the run's is {@code lr} (exactly lr without a group). */
    public float lr(String name, float lr) {
        Group g = groupOf(name);
        return g == null ? lr : lr * g.lrScale();
    }
}
