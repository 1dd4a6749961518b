package cortado.tensor;

/**
 * A reduction along one axis, seen as {@code [outer, n, inner]}: {@code outer} is the product of the sizes before the
 * axis, {@code n} its size, {@code inner} the product after it; {@code out} is the result's shape (the axis kept with
 * size 1 when {@code keepDim}, as torch's {@code keepdim}). Every backend's sum and max share it.
 */
public record ReducedShape(long outer, int n, long inner, int[] out) {

    /** The reduction of {@code shape} along axis {@code d} (already made non-negative). */
    public static ReducedShape of(int[] shape, int d, boolean keepDim) {
        long outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int[] out;
        if (keepDim) {
            out = shape.clone();
            out[d] = 1;
        } else {
            out = new int[shape.length - 1];
            for (int i = 0, j = 0; i < shape.length; i++) if (i != d) out[j++] = shape[i];
        }
        return new ReducedShape(outer, shape[d], inner, out);
    }
}
