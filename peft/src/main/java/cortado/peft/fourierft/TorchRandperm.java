package cortado.peft.fourierft;

import cortado.peft.vera.TorchGenerator;

/**
 * {@code torch.randperm(n, generator=torch.Generator().manual_seed(seed))} on the CPU, as FourierFT draws its
 * spectral positions: ATen's {@code randperm_cpu} fills 0..n-1 and, for {@code i = 0 .. n-2}, swaps element i with
 * element {@code i + random() % (n - i)}, {@code random()} one unsigned 32-bit MT19937 output. That path holds for
 * {@code n < 2^32 / 20}; above it ATen draws 64-bit numbers, which this does not reproduce (refused). Checked against
 * torch's own output (TorchRandpermParityTest).
 */
public final class TorchRandperm {
    /** ATen's bound for the 32-bit path: {@code std::numeric_limits<uint32_t>::max() / 20}. */
    static final long MAX_N = 0xffffffffL / 20;

    private TorchRandperm() {}

    /** The permutation of 0..n-1 torch draws from a generator seeded with {@code seed}. */
    public static int[] randperm(int n, long seed) {
        if (n < 0 || n >= MAX_N)
            throw new IllegalArgumentException("randperm of " + n + ": only n < " + MAX_N + " (ATen's 32-bit path)");
        TorchGenerator g = new TorchGenerator(seed);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        for (int i = 0; i < n - 1; i++) {
            int z = (int) (Integer.toUnsignedLong(g.nextInt()) % (n - i));
            int t = r[i];
            r[i] = r[z + i];
            r[z + i] = t;
        }
        return r;
    }
}
