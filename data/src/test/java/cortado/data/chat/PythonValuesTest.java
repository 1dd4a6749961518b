package cortado.data.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Python's repr(float), which {{ x }} and tojson use, against Python itself (floats.json). Tolerance: none. */
class PythonValuesTest {
    @Test
    @SuppressWarnings("unchecked")
    void floatReprMatchesPython() {
        List<List<Object>> cases = (List<List<Object>>) (List<?>) ChatResources.json("floats.json").get("cases");
        assertThat(cases).hasSize(1000);
        int checked = 0;
        for (List<Object> c : cases) {
            double d = ByteBuffer.wrap(HexFormat.of().parseHex((String) c.get(0))).order(ByteOrder.LITTLE_ENDIAN).getDouble();
            assertThat(PythonValues.floatRepr(d)).as("bits %s", c.get(0)).isEqualTo(c.get(1));
            checked++;
        }
        assertThat(checked).isEqualTo(1000);
    }
}
