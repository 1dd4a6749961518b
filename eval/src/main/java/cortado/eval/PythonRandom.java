package cortado.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CPython's {@code random.Random} (Mersenne Twister MT19937, Matsumoto and Nishimura 1998), reproduced draw for draw:
 * integer seeding ({@code init_by_array} over the seed's 32-bit words), {@code random()}, {@code getrandbits},
 * {@code _randbelow_with_getrandbits}, {@code shuffle} and {@code sample} as Lib/random.py (3.11) writes them.
 * lm-eval-harness draws its few-shot examples with {@code random.Random(1234).sample(docs, k)}, so the same
 * prompts need the same generator.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int mti;

    /** {@code random.Random(seed)} for a non-negative or negative integer seed (Python uses its absolute value). */
    public PythonRandom(long seed) {
        seed(seed);
    }

    /** {@code random.seed(a)} for an int: the key is abs(a) as little-endian 32-bit words ([0] for zero). */
    public void seed(long a) {
        // abs(Long.MIN_VALUE) is 2^63, still representable as an unsigned long.
        long u = a < 0 ? -a : a;
        int[] key;
        if (u == 0) key = new int[] {0};
        else if ((u >>> 32) == 0) key = new int[] {(int) u};
        else key = new int[] {(int) u, (int) (u >>> 32)};
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
    }

    /** One 32-bit output of MT19937 ({@code genrand_uint32}), as an unsigned value. */
    long nextWord() {
        if (mti >= N) {
            int kk;
            for (kk = 0; kk < N - M; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) * 0x9908b0df);
            }
            for (; kk < N - 1; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
                mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) * 0x9908b0df);
            }
            int y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
            mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) * 0x9908b0df);
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code random()}: 53 bits from two words, a*2^26+b over 2^53. */
    public double random() {
        long a = nextWord() >>> 5, b = nextWord() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code getrandbits(k)} for 0 <= k <= 63: whole words from the low end, the last one's top bits. */
    public long getrandbits(int k) {
        if (k < 0 || k > 63) throw new IllegalArgumentException("getrandbits supports 0..63 bits, got " + k);
        if (k == 0) return 0;
        if (k <= 32) return nextWord() >>> (32 - k);
        long low = nextWord();
        long high = nextWord() >>> (64 - k);
        return (high << 32) | low;
    }

    /** {@code _randbelow_with_getrandbits(n)}: rejection sampling on n.bit_length() bits. */
    public long randbelow(long n) {
        if (n <= 0) throw new IllegalArgumentException("randbelow needs n > 0, got " + n);
        int k = 64 - Long.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return r;
    }

    /** {@code shuffle(x)} in place: Fisher-Yates from the end. */
    public <T> void shuffle(List<T> x) {
        for (int i = x.size() - 1; i > 0; i--) {
            int j = (int) randbelow(i + 1);
            T t = x.get(i);
            x.set(i, x.get(j));
            x.set(j, t);
        }
    }

    /** {@code sample(population, k)}: a pool when it is smaller than Python's set for k, else rejection on a set. */
    public <T> List<T> sample(List<T> population, int k) {
        int n = population.size();
        if (k < 0 || k > n) throw new IllegalArgumentException("Sample larger than population or is negative");
        List<T> result = new ArrayList<>(k);
        long setsize = 21; // size of a small set minus size of an empty list
        if (k > 5) setsize += (long) Math.pow(4, Math.ceil(Math.log(k * 3.0) / Math.log(4))); // math.log(x, 4)
        if (n <= setsize) {
            List<T> pool = new ArrayList<>(population);
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n - i);
                result.add(pool.get(j));
                pool.set(j, pool.get(n - i - 1)); // move a non-selected item into the vacancy
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n);
                while (selected.contains(j)) j = (int) randbelow(n);
                selected.add(j);
                result.add(population.get(j));
            }
        }
        return result;
    }
}
