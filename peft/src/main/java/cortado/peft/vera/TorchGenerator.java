package cortado.peft.vera;

/**
 * torch's CPU generator as {@code torch.Generator(device="cpu").manual_seed(seed)} leaves it, far enough to draw
 * {@code uniform_} floats the way VeRA's {@code _kaiming_init} does: the 32-bit Mersenne Twister (MT19937, Matsumoto
 * and Nishimura 1998; ATen's {@code mt19937} seeded by {@code init_with_uint32}), and ATen's
 * {@code uniform_real_distribution<float>}: the low 24 bits of one draw times 2^-24, scaled to {@code [from, to)}.
 * Elements are drawn in order, one per draw (ATen's serial CPU kernel). Not thread safe.
 */
public final class TorchGenerator {
    private static final int N = 624, M = 397;
    private final int[] state = new int[N];
    private int next = N;

    public TorchGenerator(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) state[j] = 1812433253 * (state[j - 1] ^ (state[j - 1] >>> 30)) + j;
    }

    /** The next 32-bit output (ATen's {@code random()}). */
    public int nextInt() {
        if (next >= N) twist();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        return y ^ (y >>> 18);
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (state[i] & 0x80000000) | (state[(i + 1) % N] & 0x7fffffff);
            state[i] = state[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        next = 0;
    }

    /** {@code tensor.uniform_(from, to, generator=g)} for a float32 tensor of {@code n} elements. */
    public float[] uniform(int n, double from, double to) {
        float lo = (float) from, hi = (float) to, range = hi - lo;   // ATen casts the bounds to float first
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double x = (nextInt() & ((1 << 24) - 1)) * 0x1p-24;
            out[i] = (float) (x * range + lo);
        }
        return out;
    }
}
