package cortado.tensor;

import java.util.Arrays;

/** The argument checks every backend's optimizer kernels make: tensors contiguous and of the parameter's shape. */
public final class OptimizerChecks {
    private OptimizerChecks() {}

    /** Each non-null tensor of {@code others} has {@code param}'s shape; all are contiguous. */
    public static void sameContiguous(String op, Tensor param, Tensor... others) {
        if (!param.isContiguous()) throw new IllegalArgumentException(op + " needs contiguous tensors");
        for (Tensor t : others) {
            if (t == null) continue;
            if (!t.sameShape(param))
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(t.shape()) + " differs from param "
                        + Arrays.toString(param.shape()));
            if (!t.isContiguous()) throw new IllegalArgumentException(op + " needs contiguous tensors");
        }
    }

    /** Adafactor's factored update: every tensor contiguous, the gradient and update {@code matrices x rows x cols},
     * the row moments {@code matrices x rows}, the column moments {@code matrices x cols}. */
    public static void adafactorFactored(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices, int rows,
                                         int cols) {
        if (!grad.isContiguous() || !row.isContiguous() || !col.isContiguous() || !update.isContiguous())
            throw new IllegalArgumentException("adafactor needs contiguous tensors");
        long n = (long) matrices * rows * cols;
        if (grad.numelLong() != n || update.numelLong() != n || row.numelLong() != (long) matrices * rows
                || col.numelLong() != (long) matrices * cols)
            throw new IllegalArgumentException("adafactor: gradient " + Arrays.toString(grad.shape()) + ", update "
                    + Arrays.toString(update.shape()) + ", row " + Arrays.toString(row.shape()) + " and column "
                    + Arrays.toString(col.shape()) + " moments do not fit " + matrices + " x " + rows + " x " + cols);
    }
}
