package cortado.peft.oft;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;

/**
 * PEFT's {@code OFTRotationModule}: parameter {@code weight [blocks, n]}, each row the {@code n = b(b-1)/2} upper
 * entries of a skew-symmetric {@code Q [b, b]} (torch's {@code triu_indices} order), turned into a rotation block by
 * the Cayley-Neumann series {@code R = I + 2Q + 2Q² + ... + 2Q^(t-2) + Q^(t-1)} exactly as peft's
 * {@code _cayley_batch} sums it (for t > 2 the last power is always added once, so 3 and 4 terms agree). The input's
 * last dimension is cut into blocks of b, each multiplied by its block ({@code einsum("...rk,rkc->...rc")}); with
 * block_share one block serves them all. The skew matrix is {@code weight · S} for a constant ±1 scatter matrix S,
 * so every step is a matmul, add or reshape and autograd differentiates it.
 */
public final class OFTRotation extends Module {
    private final int blocks, blockSize, inFeatures, terms;
    private final boolean coft, blockShare;
    private final double eps;
    private Tensor scatter, identity;

    OFTRotation(int blocks, int blockSize, int inFeatures, OFTConfig c, Backend be) {
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.inFeatures = inFeatures;
        this.terms = c.numCayleyNeumannTerms();
        this.coft = c.coft();
        this.eps = c.eps();
        this.blockShare = c.blockShare();
        int n = blockSize * (blockSize - 1) / 2;
        param("weight", be.zeros(c.blockShare() ? 1 : blocks, n));
    }

    public Parameter weight() { return ownParameters().get("weight"); }

    public int blockSize() { return blockSize; }

    /** Blocks the input is cut into ({@code in / b}). */
    public int blocks() { return blocks; }

    /** S {@code [n, b²]}: row k puts +1 at (i, j) and -1 at (j, i) for the k-th pair i < j. */
    private Tensor scatter() {
        if (scatter == null) {
            int b = blockSize, n = b * (b - 1) / 2;
            float[] s = new float[n * b * b];
            int k = 0;
            for (int i = 0; i < b; i++)
                for (int j = i + 1; j < b; j++, k++) {
                    s[k * b * b + i * b + j] = 1f;
                    s[k * b * b + j * b + i] = -1f;
                }
            scatter = weight().value().backend().fromArray(s, n, b * b);
            float[] eye = new float[b * b];
            for (int i = 0; i < b; i++) eye[i * b + i] = 1f;
            identity = weight().value().backend().fromArray(eye, b, b);
        }
        return scatter;
    }

    /**
     * COFT's {@code _project_batch}, in place and without gradient (peft copies it into the weight): a block whose
     * skew matrix has Frobenius norm above {@code eps / sqrt(blocks)} is scaled back onto that radius.
     */
    private void project() {
        Tensor w = weight().value();
        int rows = w.size(0), n = w.size(1);
        float[] v = w.toArray();
        double radius = eps / Math.sqrt(rows);
        boolean changed = false;
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int k = 0; k < n; k++) sq += (double) v[r * n + k] * v[r * n + k];
            double norm = Math.sqrt(2 * sq);   // ||Q||_F: each entry appears twice
            if (norm <= radius) continue;
            for (int k = 0; k < n; k++) v[r * n + k] = (float) (radius * (v[r * n + k] / norm));
            changed = true;
        }
        if (changed) try (NoGrad ng = NoGrad.enter()) {
            weight().set(w.backend().fromArray(v, w.shape()));
        }
    }

    /** The rotation blocks {@code [rows, b, b]} (rows 1 with block_share), as peft's {@code _cayley_batch}; I is broadcast. */
    public Tensor rotations() {
        if (coft) project();
        int b = blockSize, rows = weight().shape()[0];
        Tensor q = F.reshape(F.matmul(weight().value(), scatter()), rows, b, b);
        Tensor r = F.reshape(identity, 1, b, b);
        if (terms > 1) {
            r = F.add(r, F.scale(q, 2f));
            if (terms > 2) {
                Tensor power = F.matmul(q, q);
                r = F.add(r, F.scale(power, 2f));
                for (int t = 3; t < terms - 1; t++) {
                    power = F.matmul(power, q);
                    r = F.add(r, F.scale(power, 2f));
                }
                power = F.matmul(power, q);
                r = F.add(r, power);
            }
        }
        return r;   // [1, b, b] when shared (or a one-term series, the identity for every block)
    }

    /** {@code x} with its last dimension rotated block-wise (peft's {@code OFTRotationModule.forward}). */
    public Tensor rotate(Tensor x) {
        int[] shape = x.shape();
        int n = x.numel() / inFeatures, b = blockSize;
        return F.reshape(blockwise(F.reshape(x, n, inFeatures), rotations(), blocks, b), shape);
    }

    /**
     * {@code x [n, blocks * b]} with each block of b columns multiplied by its matrix of {@code r [blocks, b, b]}
     * (or the one matrix of {@code r [1, b, b]}): a row vector times a block-diagonal matrix, without building it.
     */
    public static Tensor blockwise(Tensor x, Tensor r, int blocks, int b) {
        int n = x.size(0);
        if (r.size(0) == 1) return F.reshape(F.matmul(F.reshape(x, n * blocks, b), F.reshape(r, b, b)), n, blocks * b);
        Tensor perBlock = F.contiguous(F.permute(F.reshape(x, n, blocks, b), 1, 0, 2));   // [blocks, n, b]
        return F.reshape(F.contiguous(F.permute(F.matmul(perBlock, r), 1, 0, 2)), n, blocks * b);
    }

    /** The block-diagonal matrix {@code [in, in]} of the rotation, detached, in double (peft's {@code get_weight}). */
    double[] blockDiagonal() {
        float[] r;
        try (NoGrad ng = NoGrad.enter()) {
            r = F.contiguous(rotations()).toArray();
        }
        int b = blockSize, rows = r.length / (b * b);
        double[] m = new double[inFeatures * inFeatures];
        for (int blk = 0; blk < blocks; blk++) {
            int src = rows == 1 ? 0 : blk;
            for (int i = 0; i < b; i++)
                for (int j = 0; j < b; j++)
                    m[(blk * b + i) * inFeatures + blk * b + j] = r[src * b * b + i * b + j];
        }
        return m;
    }
}
