package cortado.train.dist;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Sums gradients over the ranks of a {@link Collective} between backward and the optimizer step, as PyTorch's
 * DistributedDataParallel: in buckets of about {@link #BUCKET_BYTES} taken in reverse parameter order (the order
 * backward produces them), each bucket packed into one native buffer, all-reduced in place and unpacked. A parameter
 * larger than a bucket is a bucket of its own, so the buffer holds max(25 MB, the largest gradient). The caller scales
 * each rank's loss by 1/N, so the sum is the mean gradient. Every rank must hold gradients for the same parameters
 * (true of a model whose graph does not depend on the data); parameters without one are skipped.
 */
public final class DataParallel {
    /** PyTorch DDP's default bucket_cap_mb. */
    public static final long BUCKET_BYTES = 25L << 20;

    private final Collective collective;
    private final Arena arena = Arena.ofAuto();   // freed with this object
    private MemorySegment buffer = MemorySegment.NULL;

    public DataParallel(Collective collective) {
        this.collective = collective;
    }

    public Collective collective() { return collective; }

    /** Replaces every gradient of {@code params} by its sum over the ranks. @return the buckets all-reduced */
    public int sumGradients(List<Parameter> params) {
        List<Tensor> grads = new ArrayList<>();
        for (int i = params.size() - 1; i >= 0; i--) {
            Tensor g = params.get(i).value().grad();
            if (g != null) grads.add(g);
        }
        List<int[]> buckets = new ArrayList<>();   // [from, to) of grads
        long largest = 0;
        for (int from = 0; from < grads.size(); ) {
            long floats = grads.get(from).numelLong();
            int to = from + 1;
            while (to < grads.size() && (floats + grads.get(to).numelLong()) * Float.BYTES <= BUCKET_BYTES)
                floats += grads.get(to++).numelLong();
            buckets.add(new int[] {from, to});
            largest = Math.max(largest, floats);
            from = to;
        }
        if (buffer.byteSize() < largest * Float.BYTES)   // once: the plan is the same every step
            buffer = arena.allocate(largest * Float.BYTES, ValueLayout.JAVA_FLOAT.byteAlignment());
        for (int[] b : buckets) reduce(grads.subList(b[0], b[1]));
        return buckets.size();
    }

    /** {@code value} summed over the ranks (a loss, a count). */
    public double sum(double value) { return collective.sum(value); }

    private void reduce(List<Tensor> bucket) {
        long[] at = {0};
        for (Tensor g : bucket) {
            g.backend().readHost(g, (a, off, n) -> MemorySegment.copy(a, off, buffer, ValueLayout.JAVA_FLOAT, at[0] * Float.BYTES, n));
            at[0] += g.numelLong();
        }
        collective.allReduceSum(buffer, at[0]);
        at[0] = 0;
        for (Tensor g : bucket) {
            g.backend().writeHost(g, (a, off, n) -> MemorySegment.copy(buffer, ValueLayout.JAVA_FLOAT, at[0] * Float.BYTES, a, off, n));
            at[0] += g.numelLong();
        }
    }
}
