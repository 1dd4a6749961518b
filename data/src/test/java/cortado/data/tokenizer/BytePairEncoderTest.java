package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The two merge loops (linear scan for short pieces, heap for long ones) give the same result on the same input. */
class BytePairEncoderTest {
    @Test
    void scanAndHeapAgree() {
        BpeTokenizer cl100k = TiktokenParityTest.CL100K;
        BytePairEncoder bpe = new BytePairEncoder(cl100k.merges());
        Random rnd = new Random(1);
        String[] alphabet = {"a", "b", "e", "t", "h", " ", "th", "he", "1", "0", "=", "\n", "é", "中"};
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(120);
            for (int i = 0; i < n; i++) sb.append(alphabet[rnd.nextInt(alphabet.length)]);
            byte[] b = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] s1 = new int[b.length], s2 = new int[b.length];
            for (int i = 0; i < b.length; i++) s1[i] = s2[i] = cl100k.tokenId(new byte[] {b[i]});
            int m1 = bpe.mergeByScan(s1, b.length), m2 = bpe.mergeByHeap(s2, b.length);
            assertThat(Arrays.copyOf(s2, m2)).as(sb.toString()).containsExactly(Arrays.copyOf(s1, m1));
        }
    }
}
