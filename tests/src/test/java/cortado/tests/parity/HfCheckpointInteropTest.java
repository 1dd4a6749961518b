package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints Cortado writes: save -> load is bit-exact (F32) or exactly the rounded weights (BF16), sharded or not.
 * With the environment variable CORTADO_INTEROP_DIR set, the saved directories stay there with Cortado's logits beside
 * them (cortado_logits.safetensors) so tools/interop/check_cortado_dirs.py can load them in transformers
 * (TransformersInteropTest does that live for every family).
 */
class HfCheckpointInteropTest {
    @TempDir Path tmp;

    private Path out() {
        String env = System.getenv("CORTADO_INTEROP_DIR");
        return env == null || env.isBlank() ? tmp : Path.of(env);
    }

    @Test
    void gpt2Float32() throws IOException { roundTrip("gpt2", "gpt2-f32", DType.F32, 0); }

    @Test
    void llamaFloat32() throws IOException { roundTrip("llama", "llama-f32", DType.F32, 0); }

    @Test
    void gpt2Bfloat16Sharded() throws IOException { roundTrip("gpt2", "gpt2-bf16-sharded", DType.BF16, 16_000); }

    @Test
    void llamaFloat16Sharded() throws IOException { roundTrip("llama", "llama-f16-sharded", DType.F16, 20_000); }

    private void roundTrip(String family, String name, DType dtype, long maxShard) throws IOException {
        CausalLm model = HfCheckpoint.load(Golden.path(family));   // weights written by transformers
        Path dir = out().resolve(name);
        HfCheckpoint.save(model, dir, dtype, maxShard);

        boolean sharded = maxShard > 0;
        assertThat(Files.exists(dir.resolve(HfCheckpoint.CONFIG))).isTrue();
        assertThat(Files.exists(dir.resolve(HfCheckpoint.INDEX))).isEqualTo(sharded);
        assertThat(Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))).isEqualTo(!sharded);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        if (!sharded) checkLayout(dir.resolve(HfCheckpoint.WEIGHTS), dtype);

        CausalLm back = HfCheckpoint.load(dir);
        Map<String, Parameter> a = model.module().namedParameters(), b = back.module().namedParameters();
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        for (String n : a.keySet()) {
            float[] x = a.get(n).value().toArray(), y = b.get(n).value().toArray();
            for (int i = 0; i < x.length; i++) {
                float expect = switch (dtype) {
                    case BF16 -> DType.bf16ToF32(DType.f32ToBf16(x[i]));
                    case F16 -> DType.f16ToF32(DType.f32ToF16(x[i]));
                    default -> x[i];
                };
                if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(expect))
                    throw new AssertionError(n + "[" + i + "]: saved " + x[i] + " (" + dtype + " " + expect + "), loaded " + y[i]);
            }
        }

        // Cortado's logits of the reloaded model, for the transformers-side check.
        int b2 = 2, t = 8;
        int[] ids = new int[b2 * t];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % back.config().vocabSize();
        Tensor logits;
        try (NoGrad g = NoGrad.enter()) {
            logits = back.forward(ids, b2, t);
        }
        float[] idf = new float[ids.length];
        for (int i = 0; i < ids.length; i++) idf[i] = ids[i];
        Map<String, Tensor> ref = new LinkedHashMap<>();
        ref.put("input_ids", Tensor.of(idf, b2, t));
        ref.put("logits", logits.contiguous());
        Safetensors.write(dir.resolve("cortado_logits.safetensors"), ref, Map.of("note", "Cortado's logits"), DType.F32);
    }

    /** The reference writer's layout: 8-byte aligned header, names sorted, "format": "pt", contiguous offsets. */
    private static void checkLayout(Path file, DType dtype) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        try (SafetensorsFile f = Safetensors.read(file)) {
            assertThat(f.metadata()).containsEntry("format", "pt");
            assertThat(new java.util.ArrayList<>(f.names())).isSorted();
            long expectedOffset = 0;
            for (String name : f.names()) {
                assertThat(f.dtype(name).name()).isEqualTo(dtype.name());
                assertThat(f.info(name).begin()).isEqualTo(expectedOffset);
                expectedOffset = f.info(name).end();
            }
            assertThat(8 + n + expectedOffset).isEqualTo(bytes.length);
        }
    }
}
