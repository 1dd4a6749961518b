package cortado.data.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsNestedValues() {
        String text = "{\"a\": [1, 2.5, -3e2, true, null], \"b\": {\"s\": \"x\\ny\\u00e9\\\"\"}, \"c\": 12345678901234}";
        Map<String, Object> m = Json.parseObject(text);
        assertThat(((List<?>) m.get("a")).subList(0, 4)).isEqualTo(List.of(1L, 2.5, -300.0, true));
        assertThat(((List<?>) m.get("a")).get(4)).isNull();
        assertThat(((Map<?, ?>) m.get("b")).get("s")).isEqualTo("x\nyé\"");
        assertThat(m.get("c")).isEqualTo(12345678901234L);
        assertThat(Json.parseObject(Json.write(m))).isEqualTo(m);
    }

    @Test
    void errorsNameLineAndColumn() {
        assertThatThrownBy(() -> Json.parse("{\n  \"a\": tru\n}"))
                .isInstanceOf(JsonException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("end of input");
        assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("trailing");
    }
}
