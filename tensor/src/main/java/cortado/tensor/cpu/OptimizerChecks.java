package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;

/** The argument checks every optimizer kernel makes: tensors contiguous and of the parameter's shape. */
final class OptimizerChecks {
    private OptimizerChecks() {}

    /** Each non-null tensor of {@code others} has {@code param}'s shape; all are contiguous. */
    static void sameContiguous(String op, Tensor param, Tensor... others) {
        if (!param.isContiguous()) throw new IllegalArgumentException(op + " needs contiguous tensors");
        for (Tensor t : others) {
            if (t == null) continue;
            if (!t.sameShape(param))
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(t.shape()) + " differs from param "
                        + Arrays.toString(param.shape()));
            if (!t.isContiguous()) throw new IllegalArgumentException(op + " needs contiguous tensors");
        }
    }
}
