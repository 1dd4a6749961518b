package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cortado's safetensors reader and writer against files written by the reference implementation (safetensors 0.8). */
class SafetensorsParityTest {
    @TempDir Path dir;

    /** Every dtype converts to exactly the float32 that torch's {@code tensor.float()} gives (no tolerance). */
    @Test
    void readsEveryDtypeTorchWrites() {
        int checked = 0;
        try (SafetensorsFile f = Safetensors.read(Golden.path("safetensors_dtypes.safetensors"))) {
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("note", "dtypes");
            for (String name : f.names()) {
                if (name.endsWith(".expected")) continue;
                assertThat(f.dtype(name).name()).isEqualTo(name);
                Tensor actual = f.toFloatTensor(name);
                Tensor expected = f.toFloatTensor(name + ".expected");
                assertThat(actual.shape()).isEqualTo(expected.shape());
                assertThat(actual.toArray()).as(name).containsExactly(expected.toArray());
                checked++;
            }
        }
        assertThat(checked).isEqualTo(15);
    }

    /** Writing what safetensors wrote, in each dtype, reproduces its file byte for byte. */
    @Test
    void writerIsByteIdenticalToTheReference() throws IOException {
        Map<String, Tensor> ref = Safetensors.load(Golden.path("safetensors_write_F32.safetensors"));
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Path out = dir.resolve(dt + ".safetensors");
            Safetensors.write(out, new LinkedHashMap<>(ref), Map.of("format", "pt"), dt);
            byte[] expected = Files.readAllBytes(Golden.path("safetensors_write_" + dt + ".safetensors"));
            assertThat(Files.readAllBytes(out)).as(dt.toString()).isEqualTo(expected);
        }
    }
}
