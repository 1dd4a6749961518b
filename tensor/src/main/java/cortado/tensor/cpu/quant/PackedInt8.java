package cortado.tensor.cpu.quant;

import jdk.incubator.vector.ByteVector;
import cortado.tensor.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * An int8 matrix with one fp32 scale per {@code group} consecutive elements of the row-major flattened W:
 * {@code W[f] = q[f] * scale[f / group]}. {@code group == cols} is LLM.int8's row-wise absmax quantization
 * (scale = absmax/127 per row; Dettmers et al. 2022); a smaller group is blockwise linear int8.
 * Decoding widens VL int8 lanes straight to VL floats (vpmovsxbd + vcvtdq2ps).
 */
public record PackedInt8(byte[] data, float[] scale, int group, int rows, int cols) implements QuantizedMatrix {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final VectorSpecies<Byte> SB = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VL * 8));

    public PackedInt8 {
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0 || n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("bad int8 matrix shape [" + rows + ", " + cols + "]");
        if (group <= 0) throw new IllegalArgumentException("int8 scale group must be positive, got " + group);
        if (data.length != n)
            throw new IllegalArgumentException("int8 matrix [" + rows + ", " + cols + "] needs " + n + " bytes, got "
                    + data.length);
        if (scale.length != (n + group - 1) / group)
            throw new IllegalArgumentException("int8 matrix [" + rows + ", " + cols + "] with group " + group
                    + " needs " + (n + group - 1) / group + " scales, got " + scale.length);
    }

    private boolean vectorizable() { return cols % VL == 0 && group % VL == 0; }

    public float value(long f) { return data[(int) f] * scale[(int) (f / group)]; }

    @Override
    public void decode(int r0, int r1, int c0, int c1, float[] dst, int dstOff, int ld) {
        boolean vec = vectorizable() && c0 % VL == 0;
        for (int r = r0; r < r1; r++) {
            int rowF = r * cols, out = dstOff + (r - r0) * ld - c0, c = c0;
            if (vec) {
                for (; c + VL <= c1; c += VL) {
                    int f = rowF + c;
                    FloatVector w = (FloatVector) ByteVector.fromArray(SB, data, f)
                            .convertShape(VectorOperators.B2F, S, 0);
                    w.mul(scale[f / group]).intoArray(dst, out + c);
                }
            }
            for (; c < c1; c++) dst[out + c] = value((long) rowF + c);
        }
    }

    @Override
    public float[] gemvInput(float[] x, int xOff) { return java.util.Arrays.copyOfRange(x, xOff, xOff + cols); }

    @Override
    public void gemvRows(float[] x, float[] y, int yOff, int r0, int r1) {
        final int xOff = 0;
        for (int r = r0; r < r1; r++) {
            int rowF = r * cols;
            if (!vectorizable()) {
                float s = 0f;
                for (int c = 0; c < cols; c++) s = Math.fma(value((long) rowF + c), x[xOff + c], s);
                y[yOff + r] = s;
                continue;
            }
            FloatVector acc = FloatVector.zero(S);
            if (group % cols == 0 || group == cols) {
                // One scale for the whole row (row-wise int8): scale once at the end.
                for (int c = 0; c < cols; c += VL) {
                    FloatVector w = (FloatVector) ByteVector.fromArray(SB, data, rowF + c)
                            .convertShape(VectorOperators.B2F, S, 0);
                    acc = w.fma(FloatVector.fromArray(S, x, xOff + c), acc);
                }
                y[yOff + r] = Lanes.sum(acc) * scale[rowF / group];
            } else {
                for (int c = 0; c < cols; c += VL) {
                    int f = rowF + c;
                    FloatVector w = (FloatVector) ByteVector.fromArray(SB, data, f)
                            .convertShape(VectorOperators.B2F, S, 0);
                    acc = w.mul(FloatVector.fromArray(S, x, xOff + c)).fma(FloatVector.broadcast(S, scale[f / group]), acc);
                }
                y[yOff + r] = Lanes.sum(acc);
            }
        }
    }
}
