package cortado.bench;

import cortado.tensor.Parallel;
import cortado.tensor.cpu.Sgemm;
import cortado.tensor.cpu.quant.Bf16Matrix;
import cortado.tensor.cpu.quant.Packed4bit;
import cortado.tensor.cpu.quant.QuantMatmul;
import cortado.tensor.cpu.quant.QuantizedMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The matrix-vector products of one decoded GPT-2 124M token and nothing else: 12 layers' c_attn, attn.c_proj, c_fc
 * and mlp.c_proj with weights of their own (so they come from memory, as in decoding) and the 50257-row head, in each
 * layout and precision the decoder uses: fp32 as GPT-2's Conv1D stores it ([in, out], {@code sgemm(false, false)}),
 * fp32 as a Linear stores it ([out, in], {@code sgemm(false, true)}), bf16 and NF4 (blocksize 64) through
 * {@link QuantMatmul#gemv}. Prints ms per token and the weight bytes read per second, per thread count: the part of
 * a decode step that the memory system bounds, to set beside {@link DecodeMain}'s whole step and
 * {@link StreamReadMain}'s read bandwidth.
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.DecodeMatvecsMain \
 *        [--threads "1 2"] [--rounds 15] [--kinds "fp32-in-out fp32-out-in bf16 nf4"]
 * </pre>
 */
public final class DecodeMatvecsMain {
    private static final int LAYERS = 12, D = 768, VOCAB = 50257;
    /** (in, out) of each layer's four products. */
    private static final int[][] SHAPES = {{D, 3 * D}, {D, D}, {D, 4 * D}, {4 * D, D}};

    public static void main(String[] args) {
        String threadList = "1 2", kinds = "fp32-in-out fp32-out-in bf16 nf4";
        int rounds = 15;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threadList = args[i + 1];
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--kinds" -> kinds = args[i + 1];
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        float[] x = QuantMatmulBench.random(4 * D, 1), y = new float[VOCAB];
        for (String kind : kinds.trim().split("\\s+")) {
            List<Runnable> products = new ArrayList<>();
            long bytes = 0;
            for (int l = 0; l <= LAYERS; l++) {
                for (int[] s : l < LAYERS ? SHAPES : new int[][] {{D, VOCAB}}) {
                    int in = s[0], out = s[1];
                    boolean head = l == LAYERS;
                    long seed = 31L * l + in + out;
                    switch (kind) {
                        case "fp32-in-out", "fp32-out-in" -> {
                            float[] w = QuantMatmulBench.random(in * out, seed);
                            // The head is wte [vocab, 768] in either model, so it is always the [out, in] product.
                            boolean trans = head || kind.equals("fp32-out-in");
                            products.add(() -> Sgemm.sgemm(false, trans, 1, out, in, 1f, x, 0, in, w, 0,
                                    trans ? in : out, 0f, y, 0, out));
                            bytes += 4L * in * out;
                        }
                        case "bf16" -> {
                            short[] bits = new short[in * out];
                            SplittableRandom r = new SplittableRandom(seed);
                            for (int i = 0; i < bits.length; i++)
                                bits[i] = (short) (Float.floatToRawIntBits((float) r.nextGaussian() * 0.02f) >>> 16);
                            QuantizedMatrix m = new Bf16Matrix(bits, out, in);
                            products.add(() -> QuantMatmul.gemv(m, x, 0, y, 0));
                            bytes += 2L * in * out;
                        }
                        case "nf4" -> {
                            QuantizedMatrix m = QuantMatmulBench.randomNf4(out, in, 64, seed);
                            products.add(() -> QuantMatmul.gemv(m, x, 0, y, 0));
                            bytes += (long) in * out / 2 + 4L * in * out / 64;
                        }
                        default -> throw new IllegalArgumentException("unknown kind " + kind);
                    }
                }
            }
            for (String t : threadList.trim().split("\\s+")) {
                Parallel.setThreads(Integer.parseInt(t));
                double[] ms = new double[rounds];
                for (int r = -3; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    for (Runnable p : products) p.run();
                    if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                double med = ms[rounds / 2];
                System.out.printf("{\"kind\": \"%s\", \"threads\": %s, \"ms_per_token\": %.2f, \"min\": %.2f, "
                        + "\"weights_mb\": %.1f, \"gb_s\": %.2f}%n", kind, t, med, ms[0], bytes / 1e6, bytes / med / 1e6);
            }
        }
    }
}
