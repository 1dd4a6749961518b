package cortado.peft.lokr;

/**
 * PEFT's {@code lokr.layer.factorization(dimension, factor)}: {@code dimension = m · n} with {@code m <= n}. With a
 * positive factor dividing the dimension, {@code (factor, dimension / factor)}; otherwise the divisor pair closest to
 * the square root whose smaller part does not exceed the factor (-1: no limit), e.g. 256 -> (16, 16),
 * 128 -> (8, 16), 127 -> (1, 127), (128, 4) -> (4, 32).
 */
public record Factorization(int m, int n) {
    public static Factorization of(int dimension, int factor) {
        if (factor > 0 && dimension % factor == 0) return new Factorization(factor, dimension / factor);
        if (factor == -1) factor = dimension;
        int m = 1, n = dimension, length = m + n;
        while (m < n) {
            int newM = m + 1;
            while (dimension % newM != 0) newM++;
            int newN = dimension / newM;
            if (newM + newN > length || newM > factor) break;
            m = newM;
            n = newN;
        }
        return m > n ? new Factorization(n, m) : new Factorization(m, n);
    }
}
