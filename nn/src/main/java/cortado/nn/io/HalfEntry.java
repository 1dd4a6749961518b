package cortado.nn.io;

import cortado.nn.HalfWeight;
import cortado.tensor.Backend;

/**
 * A 16-bit weight to write to a safetensors file with its bits: [rows, cols] as held, or [cols, rows] when
 * {@code transposed} (a GPT-2 Conv1D, whose file layout is [in, out] while the kernel holds [out, in]).
 */
public record HalfEntry(HalfWeight weight, boolean transposed) {
    public int[] shape() {
        return transposed ? new int[] {weight.cols(), weight.rows()} : new int[] {weight.rows(), weight.cols()};
    }

    public long numel() { return (long) weight.rows() * weight.cols(); }

    /** Lends the bits in file order (a transposed copy, made for this call, when {@code transposed}). */
    void lend(Backend.HostShorts reader) {
        if (!transposed) {
            weight.kernel().backend().readHost16(weight.kernel(), reader);
            return;
        }
        short[] t = HfCheckpoint.transpose(weight.bits(), weight.rows(), weight.cols());
        reader.use(t, 0, t.length);
    }
}
